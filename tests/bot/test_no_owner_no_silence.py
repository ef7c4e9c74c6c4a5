"""Issue #15: every ticket has an owner, and the bot says "已通知" only when someone was sent a notice.

Residents talk over /wechat as they would type; members and the roster are set up as the console
and the CLI do (accounts, ``hotline grids import``'s and ``hotline duty set``'s service functions).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.settings import Settings
from core.timeutil import utcnow
from hotline.app import create_app
from residents import accounts
from residents import service as resident_service
from tests.bot.conftest import Chat, notes_of, request_antigen, tickets_of
from tickets import duty
from tickets.grids import import_csv
from tickets.models import OutboxMessage, Ticket, TicketEvent

EMERGENCY_PHONE = "023-61230120"


def _user(engine: Engine, username: str, role: str, name: str, openid: str | None = None) -> None:
    with Session(engine) as session:
        user = accounts.add_user(
            session=session, username=username, role=role, password="long password", display_name=name
        )
        user.openid = openid
        session.add(user)
        session.commit()


def _on_duty(engine: Engine, settings: Settings, username: str, starts_in: timedelta = timedelta(hours=-1)) -> None:
    with Session(engine) as session:
        community = resident_service.default_community(session=session, settings=settings)
        assert community.id is not None
        start = utcnow() + starts_in
        duty.set_shift(
            session=session,
            username=username,
            starts_at=start,
            ends_at=start + timedelta(hours=12),
            community_id=community.id,
            settings=settings,
        )
        session.commit()


def _app(settings: Settings, **update: object) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=update))) as client:
        yield client


@pytest.fixture
def bare(settings: Settings) -> Iterator[TestClient]:
    """A fresh install: one admin, no grids, no roster, no WeCom robot, no template."""
    for client in _app(settings):
        _user(client.app.state.engine, "boss", "admin", "张主任", openid="oAdmin")  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def paged(settings: Settings) -> Iterator[TestClient]:
    """Template messages on; an admin, a staff and two members who follow the account; no roster yet."""
    for client in _app(settings, wechat_template_ticket="TPL_TICKET"):
        engine = client.app.state.engine  # type: ignore[attr-defined]
        _user(engine, "boss", "admin", "张主任", openid="oAdmin")
        _user(engine, "clerk", "staff", "刘干事", openid="oClerk")
        _user(engine, "wangwei", "member", "王伟", openid="oWang")
        _user(engine, "lifang", "member", "李芳", openid="oLi")
        yield client


def _engine(client: TestClient) -> Engine:
    return client.app.state.engine  # type: ignore[attr-defined,no-any-return]


def _settings(client: TestClient) -> Settings:
    return client.app.state.settings  # type: ignore[attr-defined,no-any-return]


def _pages(engine: Engine, openid: str) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.target == openid).order_by(OutboxMessage.id))  # type: ignore[arg-type]
        return [row.payload["data"]["first"] for row in rows if "data" in row.payload]


def _ticket(engine: Engine, ticket_id: int | None) -> Ticket:
    with Session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


def _actions(engine: Engine, ticket_id: int | None) -> list[tuple[str, str]]:
    with Session(engine) as session:
        events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))  # type: ignore[arg-type]
        return [(event.action, event.note) for event in events]


# -- an emergency before any roster exists -------------------------------------------------------------
def test_with_no_channel_an_emergency_is_owned_and_the_reply_does_not_claim_anyone_was_told(bare: TestClient) -> None:
    me = Chat(bare, {}, "oEarly")
    reply = me.say("我妈喘不上气了")
    assert "120" in reply and EMERGENCY_PHONE in reply
    assert "已通知" not in reply and "马上会有人联系您" not in reply
    assert "已转给社区工作人员" in reply and "上班时间" in reply
    [ticket] = tickets_of(Session(_engine(bare)), me.openid)
    assert ticket.assignee == "boss" and ticket.status == "assigned"  # never "待分派"
    with Session(_engine(bare)) as session:
        assert session.exec(select(OutboxMessage)).all() == []  # nothing queued, and nothing claimed


def test_with_nobody_on_duty_an_emergency_goes_to_everyone_of_the_community(paged: TestClient) -> None:
    me = Chat(paged, {}, "oNoRoster")
    reply = me.say("我爸胸口痛得很")
    assert "已通知社区工作人员张主任等 4 人" in reply and "马上会有人联系您" in reply
    engine = _engine(paged)
    for openid in ("oAdmin", "oClerk", "oWang", "oLi"):
        assert _pages(engine, openid), openid  # shown to all of them until someone claims it
    [ticket] = tickets_of(Session(engine), me.openid)
    assert ticket.assignee == "boss"


def test_with_someone_on_duty_the_reply_names_who_was_told(paged: TestClient, settings: Settings) -> None:
    _on_duty(_engine(paged), _settings(paged), "lifang")
    me = Chat(paged, {}, "oRostered")
    reply = me.say("老人摔倒了起不来")
    assert "已通知值班人员李芳" in reply
    assert _pages(_engine(paged), "oLi") and not _pages(_engine(paged), "oWang")


def test_the_roster_set_later_takes_over_the_emergency(paged: TestClient, settings: Settings) -> None:
    me = Chat(paged, {}, "oBeforeRoster")
    me.say("我妈喘不上气了")
    engine = _engine(paged)
    _on_duty(engine, _settings(paged), "lifang")
    [ticket] = tickets_of(Session(engine), me.openid)
    assert ticket.assignee == "lifang"
    assert any(action == "rerouted" and "lifang" in note for action, note in _actions(engine, ticket.id))
    assert "工单已转交给您" in _pages(engine, "oLi")


# -- "人呢" and 转人工 during an emergency --------------------------------------------------------------
def test_asking_where_help_is_gets_120_again_and_nudges_the_member(paged: TestClient, settings: Settings) -> None:
    _on_duty(_engine(paged), _settings(paged), "lifang")
    me = Chat(paged, {}, "oWaiting")
    me.say("我爸嘴唇发紫了")
    reply = me.say("人呢？怎么还没人来")
    assert "120" in reply and EMERGENCY_PHONE in reply and "已再次通知值班人员李芳" in reply
    assert "您正在办理的事项" not in reply  # not the status listing
    pages = _pages(_engine(paged), "oLi")
    assert len(pages) == 2 and "居民在催" in pages[-1]
    [ticket] = tickets_of(Session(_engine(paged)), me.openid)
    assert ("nudged", "人呢？怎么还没人来") in _actions(_engine(paged), ticket.id)


def test_asking_where_help_is_with_no_channel_says_so_plainly(bare: TestClient) -> None:
    me = Chat(bare, {}, "oWaitingBare")
    me.say("血氧88")
    reply = me.say("等了半天了还没人来")
    assert "120" in reply and EMERGENCY_PHONE in reply and "已再次通知" not in reply
    assert "社区工作人员" in reply


def test_transfer_to_a_person_during_an_emergency_joins_its_ticket(paged: TestClient, settings: Settings) -> None:
    _on_duty(_engine(paged), _settings(paged), "lifang")
    me = Chat(paged, {}, "oHumanUrgent")
    me.say("我妈突然抽搐了")
    reply = me.say("转人工")
    assert "120" in reply and EMERGENCY_PHONE in reply and "023-61234567" not in reply
    assert "已再次通知值班人员李芳" in reply
    added = me.say("我们在8栋3单元，门开着")
    assert "紧急单" in added and "120" in added
    engine = _engine(paged)
    [ticket] = tickets_of(Session(engine), me.openid)  # no second ticket
    assert ticket.type == "emergency"
    assert "我们在8栋3单元，门开着" in notes_of(Session(engine), ticket.id or 0)
    assert "人工服务已结束" in me.say("结束")
    assert _ticket(engine, ticket.id).is_open  # leaving the chat does not close an emergency


# -- "it was not an emergency" ---------------------------------------------------------------------
def test_saying_it_was_no_emergency_downgrades_the_ticket_and_tells_the_member(
    paged: TestClient, settings: Settings
) -> None:
    _on_duty(_engine(paged), _settings(paged), "lifang")
    me = Chat(paged, {}, "oFalseAlarm")
    me.say("我爸胸口痛")
    reply = me.say("刚才搞错了，不是急症")
    assert "不是急症" in reply and "李芳" in reply and "120" in reply
    engine = _engine(paged)
    [ticket] = tickets_of(Session(engine), me.openid)
    assert ticket.is_open and ticket.type == "emergency" and ticket.priority == "high"  # kept, never deleted
    assert any(action == "downgraded" and "搞错了" in note for action, note in _actions(engine, ticket.id))
    assert "不是紧急情况" in _pages(engine, "oLi")[-1]


def test_asking_whether_it_is_an_emergency_does_not_downgrade_it(bare: TestClient) -> None:
    me = Chat(bare, {}, "oAsking")
    me.say("我妈喘不上气了")
    me.say("这个没那么严重吧？")
    [ticket] = tickets_of(Session(_engine(bare)), me.openid)
    assert ticket.priority == "urgent"


# -- requests made before grids and duty were set up ------------------------------------------------
def test_a_request_made_before_the_grid_map_is_routed_again_when_it_is_imported(
    paged: TestClient, settings: Settings
) -> None:
    me = Chat(paged, {}, "oBeforeGrids")
    confirmation = request_antigen(me)  # 8栋1单元302
    assert "社区工作人员会尽快联系您" in confirmation
    engine = _engine(paged)
    [ticket] = tickets_of(Session(engine), me.openid)
    assert ticket.assignee == "boss"
    with Session(engine) as session:
        result = import_csv(
            session=session, text="grid,building,member\n第一网格,8栋,wangwei\n", settings=_settings(paged)
        )
        session.commit()
    assert result.rerouted == 1
    moved = _ticket(engine, ticket.id)
    assert (moved.assignee, moved.grid) == ("wangwei", "第一网格")
    assert "工单已转交给您" in _pages(engine, "oWang")
    assert "王伟" in me.say("查询进度")


def test_a_ticket_a_person_assigned_is_not_routed_again(
    paged: TestClient, settings: Settings, admin_headers: dict[str, str]
) -> None:
    me = Chat(paged, {}, "oDispatched")
    request_antigen(me)
    engine = _engine(paged)
    [ticket] = tickets_of(Session(engine), me.openid)
    url = f"/api/tickets/{ticket.id}/transition"
    moved = paged.post(url, headers=admin_headers, json={"to_status": "assigned", "assignee": "lifang"})
    assert moved.status_code == 200, moved.text
    with Session(engine) as session:
        import_csv(session=session, text="grid,building,member\n第一网格,8栋,wangwei\n", settings=_settings(paged))
        session.commit()
    assert _ticket(engine, ticket.id).assignee == "lifang"


def test_a_simulated_emergency_notifies_nobody_and_the_reply_previews_the_real_one(
    paged: TestClient, settings: Settings, admin_headers: dict[str, str]
) -> None:
    _on_duty(_engine(paged), _settings(paged), "lifang")
    me = Chat(paged, admin_headers, "oSimulated", transport="simulate")
    reply = me.say("我妈喘不上气了")
    assert "已通知值班人员李芳" in reply  # what a resident would read
    with Session(_engine(paged)) as session:
        assert session.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == me.last["ticket_id"])).all() == []
