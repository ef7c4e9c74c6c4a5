"""Ticket fixtures: a migrated database without the app, a fake WeChat, small factories, real servers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from channels.wechat.client import DatabaseTokenStore, WeChatClient, WeComRobot
from channels.wechat.delivery import Transport
from core.db import create_db_engine
from core.settings import Settings
from hotline.db import migrate
from residents import accounts
from residents import service as resident_service
from residents.models import Resident
from tests.fakes.wechat_api import FakeWeChat
from tickets.grids import import_csv

GRID_CSV = "grid,building,member\n第一网格,8栋,wangwei\n第一网格,9栋,wangwei\n第二网格,3栋,lina\n"


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat() as running:
        yield running


@pytest.fixture
def tsettings(settings: Settings, fake: FakeWeChat) -> Iterator[Settings]:
    """Settings pointing at the fake, with both member channels and the status template configured."""
    configured = settings.model_copy(
        update={
            "wechat_api_base": fake.base_url,
            "wecom_webhook_url": fake.webhook_url,
            "wechat_template_ticket": "TPL_TICKET",
            "wechat_template_status": "TPL_STATUS",
            "worker_enabled": False,
        }
    )
    yield configured


@pytest.fixture
def db(tsettings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(tsettings.database_url)
    with Session(engine) as session:
        resident_service.default_community(session=session, settings=tsettings)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def transport(db: Engine, tsettings: Settings) -> Transport:
    return Transport(WeChatClient(tsettings, DatabaseTokenStore(db, tsettings.wechat_appid)), WeComRobot())


def add_user(
    engine: Engine,
    username: str,
    role: str = "member",
    *,
    display_name: str = "",
    openid: str | None = None,
    community_id: int | None = None,
    active: bool = True,
) -> None:
    with Session(engine) as session:
        user = accounts.add_user(
            session=session,
            username=username,
            role=role,
            password="correct horse battery",
            display_name=display_name,
            community_id=community_id,
        )
        user.openid, user.active = openid, active
        session.add(user)
        session.commit()


@pytest.fixture
def grid_map(db: Engine, tsettings: Settings) -> Engine:
    """幸福社区: 8栋/9栋 → 第一网格 (王伟), 3栋 → 第二网格 (李娜); an admin; everyone follows the account."""
    add_user(db, "wangwei", display_name="王伟", openid="oMemberWang")
    add_user(db, "lina", display_name="李娜", openid="oMemberLi")
    add_user(db, "zhaoduty", display_name="赵值班", openid="oMemberZhao")
    add_user(db, "boss", "admin", display_name="主任", openid="oAdmin")
    with Session(db) as session:
        import_csv(session=session, text=GRID_CSV, settings=tsettings)
        session.commit()
    return db


def resident_said_recently(engine: Engine, openid: str, *, at: object) -> None:
    with Session(engine) as session:
        resident = resident_service.get_or_create(session=session, openid=openid)
        resident.last_message_at = at  # type: ignore[assignment]
        session.add(resident)
        session.commit()


def get_resident(session: Session, openid: str) -> Resident | None:
    from sqlmodel import select

    return session.exec(select(Resident).where(Resident.openid == openid)).first()


# -- real servers, when configured ------------------------------------------------------------------
@pytest.fixture
def postgres_url(empty_postgres_url: str) -> str:
    """A migrated throwaway PostgreSQL database."""
    engine = create_db_engine(empty_postgres_url)
    migrate(engine)
    engine.dispose()
    return empty_postgres_url


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get("HOTLINE_TEST_REDIS_URL")
    if not url:
        pytest.skip("HOTLINE_TEST_REDIS_URL is not set: Redis token store test skipped")
    yield url


EngineFactory = Callable[[], Engine]
