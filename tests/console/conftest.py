"""Console fixtures: the app over https (the session cookie is Secure), users, signing in, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.settings import Settings
from hotline.app import create_app
from residents import accounts
from residents import service as resident_service
from tests.fakes.wechat_api import FakeWeChat
from tickets.grids import import_csv

PASSWORD = "correct horse battery"
GRID_CSV = "grid,building,member\n第一网格,8栋,wangwei\n第一网格,9栋,wangwei\n第二网格,3栋,lina\n"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat() as running:
        yield running


@pytest.fixture
def csettings(settings: Settings, fake: FakeWeChat) -> Settings:
    return settings.model_copy(
        update={
            "wechat_api_base": fake.base_url,
            "wechat_template_ticket": "TPL_TICKET",
            "wechat_template_status": "TPL_STATUS",
        }
    )


@pytest.fixture
def web(csettings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(csettings), base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def db(web: TestClient) -> Engine:
    return web.app.state.engine  # type: ignore[attr-defined,no-any-return]


def add_user(
    engine: Engine,
    username: str,
    role: str = "member",
    *,
    community_id: int | None = None,
    display_name: str = "",
    openid: str | None = None,
) -> None:
    with Session(engine) as session:
        user = accounts.add_user(
            session=session,
            username=username,
            role=role,
            password=PASSWORD,
            display_name=display_name,
            community_id=community_id,
        )
        user.openid = openid
        session.add(user)
        session.commit()


@pytest.fixture
def people(db: Engine, csettings: Settings) -> Engine:
    """幸福社区 with grids (8栋/9栋 王伟, 3栋 李娜), an admin, a staff member, a supervisor."""
    add_user(db, "wangwei", display_name="王伟")
    add_user(db, "lina", display_name="李娜")
    add_user(db, "boss", "admin", display_name="主任")
    add_user(db, "clerk", "staff", display_name="小张")
    add_user(db, "street", "supervisor", display_name="街道督导")
    with Session(db) as session:
        resident_service.default_community(session=session, settings=csettings)
        import_csv(session=session, text=GRID_CSV, settings=csettings)
        session.commit()
    return db


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(web: TestClient, username: str, password: str = PASSWORD) -> None:
    page = web.get("/console/login")
    response = web.post(
        "/console/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    web.cookies.delete("hotline_login_csrf")


@pytest.fixture
def login(web: TestClient, people: Engine) -> Callable[[str], TestClient]:
    def go(username: str) -> TestClient:
        sign_in(web, username)
        return web

    return go


def form_token(web: TestClient, path: str = "/console/profile") -> str:
    return csrf_of(web.get(path).text)
