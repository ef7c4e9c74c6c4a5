"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from core.db import create_db_engine
from hotline import models_registry  # noqa: F401
from hotline.db import migrate


def _drift(url: str) -> list[object]:
    engine = create_db_engine(url)
    migrate(engine)
    migrate(engine)  # a second run is a no-op
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    return list(diff)


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    assert _drift(f"sqlite:///{tmp_path / 'm.db'}") == []


def test_postgres_migrations_match_the_models(empty_postgres_url: str) -> None:
    assert _drift(empty_postgres_url) == []
