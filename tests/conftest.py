"""Shared fixtures: a real, migrated SQLite database per test, the app, staff tokens, a clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import timeutil
from core.db import create_db_engine
from core.settings import Settings, load_settings
from hotline.app import create_app
from hotline.db import migrate
from knowledge.loader import load_builtin_if_empty
from residents import accounts

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"
TEST_TOKEN = "test-wechat-token"
OFFICE_PHONE = "023-61234567"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; tests get copies (a real database, fresh per test, cheap)."""
    path = tmp_path_factory.mktemp("template") / "hotline.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def content_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated database with the built-in knowledge base loaded, as `hotline serve` leaves it."""
    path = tmp_path_factory.mktemp("content") / "hotline.db"
    shutil.copy(migrated_template, path)
    engine = create_db_engine(f"sqlite:///{path}")
    with Session(engine) as db_session:
        load_builtin_if_empty(session=db_session)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def empty_database_url(tmp_path: Path, migrated_template: Path) -> str:
    """A migrated database the service never started on: no knowledge base, no community."""
    shutil.copy(migrated_template, tmp_path / "empty.db")
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def settings(tmp_path: Path, content_template: Path) -> Settings:
    shutil.copy(content_template, tmp_path / "hotline.db")
    return load_settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'hotline.db'}",
        wechat_token=TEST_TOKEN,
        wechat_appid="wx0000000000000000",
        wechat_secret="test-app-secret",
        secret_key="k" * 40,
        office_phone=OFFICE_PHONE,
        emergency_phone="023-61230120",
        community_name="幸福社区",
        # The ticket worker (SLA sweep, outbox) is started by the tests that are about it.
        worker_enabled=False,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def engine(client: TestClient) -> Engine:
    return client.app.state.engine  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session


def make_token(engine: Engine, username: str, role: str) -> str:
    with Session(engine) as db_session:
        accounts.add_user(session=db_session, username=username, role=role, password="correct horse battery")
        token = accounts.issue_token(session=db_session, username=username)
        db_session.commit()
    return token


@pytest.fixture
def admin_headers(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(engine, 'admin1', 'admin')}"}


class FrozenClock(timeutil.Clock):
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(datetime(2026, 1, 22, 9, 0, 0, tzinfo=UTC))
    previous = timeutil.set_clock(frozen)
    yield frozen
    timeutil.set_clock(previous)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database (dropped afterwards); skips visibly when none is configured."""
    base = os.environ.get("HOTLINE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("HOTLINE_TEST_POSTGRES_URL is not set: PostgreSQL test skipped")
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
