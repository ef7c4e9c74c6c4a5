"""Binding by code from the profile page, then signing in by WeChat's web authorisation against the fake."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from residents import accounts
from residents.models import AuditEntry, User
from tests.console.conftest import form_token
from tests.fakes.wechat_api import FakeWeChat


def _bind(web: TestClient, db: Engine, openid: str) -> None:
    page = web.post("/console/profile/code", data={"csrf_token": form_token(web)})
    assert page.template.name == "profile.html"  # type: ignore[attr-defined]
    code = page.context["code"]  # type: ignore[attr-defined]
    assert re.search(rf"绑定 {code}", page.text)
    # What the bot will do with "绑定 <code>" (the lead wires the command into the engine).
    with Session(db) as session:
        result = accounts.bind_wechat(session=session, code=code, openid=openid)
        session.commit()
    assert result.ok


def _wechat_round_trip(web: TestClient, fake: FakeWeChat, openid: str, next_path: str) -> object:
    start = web.get("/console/wechat", params={"next": next_path})
    assert start.status_code == 302
    location = urlsplit(start.headers["location"])
    assert location.netloc == "open.weixin.qq.com" and location.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["scope"] == "snsapi_base" and query["redirect_uri"].endswith("/console/oauth")
    # WeChat's browser comes back with a code for this member's openid.
    return web.get("/console/oauth", params={"code": fake.oauth_code(openid), "state": query["state"]})


def test_a_member_binds_then_signs_in_from_wechat_without_a_password(
    login: Callable[[str], TestClient], db: Engine, fake: FakeWeChat
) -> None:
    web = login("wangwei")
    _bind(web, db, "oMemberWang")
    assert "已绑定" in web.get("/console/profile").text
    web.cookies.clear()
    landed = _wechat_round_trip(web, fake, "oMemberWang", "/console/profile")
    assert landed.status_code == 303 and landed.headers["location"] == "/console/profile"  # type: ignore[attr-defined]
    profile = web.get("/console/profile")
    assert profile.status_code == 200 and profile.context["user"].username == "wangwei"  # type: ignore[attr-defined]
    assert fake.calls("/sns/oauth2/access_token")[-1].query["code"].startswith("code_")
    with Session(db) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "oauth_login")).first() is not None


def test_an_unbound_wechat_account_is_not_signed_in(login: Callable[[str], TestClient], fake: FakeWeChat) -> None:
    web = login("wangwei")
    web.cookies.clear()
    answer = _wechat_round_trip(web, fake, "oStranger", "/console/tickets")
    assert answer.status_code == 403 and "还没有绑定" in answer.text  # type: ignore[attr-defined]
    assert "hotline_session" not in web.cookies


def test_a_forged_state_or_a_reused_code_is_refused(
    login: Callable[[str], TestClient], db: Engine, fake: FakeWeChat
) -> None:
    web = login("wangwei")
    _bind(web, db, "oMemberWang")
    web.cookies.clear()
    forged = web.get("/console/oauth", params={"code": fake.oauth_code("oMemberWang"), "state": "x" * 20 + "/console/"})
    assert forged.status_code == 400
    start = web.get("/console/wechat", params={"next": "/console/tickets"})
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    code = fake.oauth_code("oMemberWang")
    assert web.get("/console/oauth", params={"code": code, "state": state}).status_code == 303
    web.cookies.clear()
    assert web.get("/console/oauth", params={"code": code, "state": state}).status_code == 400  # 40163


def test_a_bound_member_gets_template_notifications(
    login: Callable[[str], TestClient], db: Engine, fake: FakeWeChat
) -> None:
    from tests.console.helpers import deliver, resident_says

    web = login("wangwei")
    _bind(web, db, "oMemberWang")
    with Session(db) as session:
        assert session.exec(select(User).where(User.username == "wangwei")).one().openid == "oMemberWang"
    resident_says(web, "oResident8", "转人工")
    ticket_id = web.get("/console/tickets").context["tickets"][0].id  # type: ignore[attr-defined]
    token = form_token(web)
    web.post(f"/console/tickets/{ticket_id}/assign", data={"csrf_token": token, "assignee": "wangwei"})
    deliver(web)
    assert any(r.json["touser"] == "oMemberWang" for r in fake.sent("/cgi-bin/message/template/send"))
