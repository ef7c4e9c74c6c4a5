"""Signing in and out: server-side sessions, renewed at sign-in, ended at sign-out; throttled; logged."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from residents.models import AuditEntry
from tests.conftest import FrozenClock
from tests.console.conftest import PASSWORD, csrf_of, form_token, sign_in


def _attempt(web: TestClient, username: str, password: str) -> int:
    page = web.get("/console/login")
    data = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    return web.post("/console/login", data=data).status_code


def test_the_login_page_is_a_template_with_a_csrf_token(web: TestClient) -> None:
    page = web.get("/console/login")
    assert page.status_code == 200
    assert page.template.name == "login.html"  # type: ignore[attr-defined]
    assert set(page.context) >= {"next", "error", "login_csrf"}  # type: ignore[attr-defined]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_pages_need_a_session(web: TestClient) -> None:
    response = web.get("/console/tickets?status=open")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/tickets%3Fstatus%3Dopen"


def test_sign_in_sets_a_secure_httponly_samesite_cookie_and_renews_it(web: TestClient, people: Engine) -> None:
    page = web.get("/console/login")
    response = web.post(
        "/console/login",
        data={
            "username": "wangwei",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/console/profile",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/profile"
    cookie = response.headers["set-cookie"].lower()
    assert "hotline_session=" in cookie and "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    first = web.cookies.get("hotline_session")
    sign_in(web, "wangwei")
    assert web.cookies.get("hotline_session") != first  # a new id at every sign-in
    old = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    old.cookies.set("hotline_session", first or "")
    assert old.get("/console/profile").status_code == 303  # the old session ended


def test_an_offsite_next_is_ignored(web: TestClient, people: Engine) -> None:
    page = web.get("/console/login")
    data = {"username": "wangwei", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "//evil.example"}
    assert web.post("/console/login", data=data).headers["location"] == "/console/tickets"


def test_login_without_its_csrf_token_is_refused(web: TestClient, people: Engine) -> None:
    web.get("/console/login")
    response = web.post("/console/login", data={"username": "wangwei", "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403 and "hotline_session" not in web.cookies


def test_logout_ends_the_session_server_side(login: Callable[[str], TestClient]) -> None:
    web = login("wangwei")
    token = web.cookies.get("hotline_session")
    assert web.post("/console/logout", data={"csrf_token": "wrong"}).status_code == 403
    response = web.post("/console/logout", data={"csrf_token": form_token(web)})
    assert response.status_code == 303
    replay = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    replay.cookies.set("hotline_session", token or "")
    assert replay.get("/console/profile").status_code == 303


def test_five_failures_per_account_then_429(web: TestClient, people: Engine, clock: FrozenClock) -> None:
    for _ in range(5):
        assert _attempt(web, "wangwei", "wrong password") == 401
    assert _attempt(web, "wangwei", PASSWORD) == 429  # even the right password, for 15 minutes
    clock.advance(minutes=16)
    assert _attempt(web, "wangwei", PASSWORD) == 303


def test_five_failures_from_one_address_block_other_accounts(web: TestClient, people: Engine) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert _attempt(web, name, "guess guess") == 401
    assert _attempt(web, "lina", PASSWORD) == 429


def test_sign_ins_and_failures_are_audited(web: TestClient, people: Engine) -> None:
    _attempt(web, "wangwei", "wrong password")
    sign_in(web, "wangwei")
    with Session(people) as session:
        actions = [row.action for row in session.exec(select(AuditEntry).order_by(AuditEntry.id))]  # type: ignore[arg-type]
    assert actions[-2:] == ["login_failed", "login"]
