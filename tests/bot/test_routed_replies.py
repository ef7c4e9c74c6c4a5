"""Replies name who handles the request: the building's grid member, or the on-duty member and backup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.settings import Settings
from core.timeutil import utcnow
from residents import accounts
from residents import service as resident_service
from tests.bot.conftest import Chat, tickets_of
from tests.conftest import FrozenClock
from tickets import duty
from tickets.grids import import_csv


@pytest.fixture
def committee(engine: Engine, settings: Settings, clock: FrozenClock) -> None:
    """王伟 answers for 8栋; 李芳 is on duty today; the admin is everyone's last resort."""
    with Session(engine) as session:
        for username, name, role in (
            ("wangwei", "王伟", "member"),
            ("lifang", "李芳", "member"),
            ("boss", "张主任", "admin"),
        ):
            accounts.add_user(
                session=session, username=username, role=role, password="long password", display_name=name
            )
        session.commit()
        result = import_csv(session=session, text="grid,building,member\n第一网格,8栋,wangwei\n", settings=settings)
        assert result.rows == 1
        duty.set_shift(
            session=session,
            username="lifang",
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(hours=12),
            community_id=resident_service.default_community(session=session, settings=settings).id,
        )
        session.commit()


def _antigen(me: Chat) -> str:
    for text in ("社区有抗原发吗", "1", "同意", "3", "2", "1", "8栋1单元302", "张阿姨 13812345678"):
        me.say(text)
    return me.say("1")


def test_the_confirmation_names_the_buildings_grid_member(committee: None, chat: Callable[..., Chat]) -> None:
    done = _antigen(chat("oGrid"))
    assert "8栋网格员王伟" in done and "单号" in done


def test_an_emergency_names_the_on_duty_member_and_the_backup(
    committee: None, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oUrgent")
    reply = me.say("我妈喘不上气了，嘴唇发紫")
    [ticket] = tickets_of(db(), "oUrgent")
    assert ticket.type == "emergency" and ticket.priority == "urgent"
    assert ticket.assignee == "lifang" and ticket.backup and ticket.backup != "lifang"
    assert "120" in reply and "李芳" in reply
    backup_name = {"wangwei": "王伟", "boss": "张主任"}[ticket.backup]
    assert backup_name in reply


def test_asking_again_while_the_request_is_open_joins_it(
    committee: None, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oTwice")
    first = _antigen(me)
    me.say("我还要抗原")
    me.say("1")
    me.say("1")
    again = me.say("1")
    assert "还在办理中" in again and "补充" in again
    [ticket] = tickets_of(db(), "oTwice")
    assert ticket.number in first and ticket.number in again and ticket.merged_count == 1


def test_an_emergency_mid_medicine_goes_to_duty_and_backup_and_the_request_resumes(
    committee: None, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oMidFlow")
    for text in ("我要退烧药", "同意", "2", "72"):
        me.say(text)
    alarm = me.say("我妈突然喘不上气了")
    [urgent] = tickets_of(db(), "oMidFlow")  # created in the same step, no question first
    assert urgent.type == "emergency" and urgent.priority == "urgent"
    assert urgent.assignee == "lifang" and urgent.backup and urgent.backup != "lifang"
    assert "120" in alarm and "李芳" in alarm and "继续" in alarm
    assert urgent.details["age"] == 72 and urgent.details["during"] == "medicine"  # what the flow had learnt
    assert "有以下情况吗" in me.say("继续")
    for text in ("0", "1盒", "1", "8栋1单元302", "张阿姨 13812345678"):
        me.say(text)
    done = me.say("1")
    assert "8栋网格员王伟" in done
    tickets = tickets_of(db(), "oMidFlow")
    assert [t.type for t in tickets] == ["emergency", "medicine"]
    assert tickets[1].assignee == "wangwei" and tickets[1].details["age"] == 72


def test_status_names_the_member_handling_each_ticket(
    committee: None, chat: Callable[..., Chat], engine: Engine
) -> None:
    me = chat("oStatus")
    _antigen(me)
    me.say("我妈嘴唇发紫了")
    listing = me.say("查询进度")
    lines = [line for line in listing.splitlines() if line[:1].isdigit()]
    assert len(lines) == 2
    antigen = next(line for line in lines if "抗原" in line)
    emergency = next(line for line in lines if "紧急求助" in line)
    assert "已分派" in antigen and "负责人 王伟" in antigen
    assert "已分派" in emergency and "负责人 李芳" in emergency
    with Session(engine) as session:
        numbers = [t.number for t in tickets_of(session, "oStatus")]
    assert all(any(number in line for line in lines) for number in numbers)


# -- no login name ever reaches a resident -----------------------------------------------------------
LOGIN_NAMES = ("admin1", "zhoumin", "dutyguy")


def _no_login_name(reply: str) -> None:
    assert not any(name in reply for name in LOGIN_NAMES), reply


def test_with_nobody_on_duty_the_emergency_reply_names_no_login_name(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    # Only the test's admin account (no display name) exists: it holds the urgent ticket.
    reply = chat("oNobody").say("我妈喘不上气了")
    [ticket] = tickets_of(db(), "oNobody")
    assert "admin1" in (ticket.assignee, ticket.backup)
    _no_login_name(reply)
    assert "他们" not in reply  # one person or two, the wording fits
    # Nobody is on duty and no notice could be sent: no "值班人员", no "已通知" (issue #15).
    assert "社区工作人员" in reply and "已通知" not in reply and "120" in reply


@pytest.fixture
def nameless_committee(engine: Engine, settings: Settings) -> None:
    """Accounts made without a display name: 周敏 answers for 8栋 as zhoumin, dutyguy is on duty."""
    with Session(engine) as session:
        for username in ("zhoumin", "dutyguy"):
            accounts.add_user(session=session, username=username, role="member", password="long password")
        session.commit()
        import_csv(session=session, text="grid,building,member\n第一网格,8栋,zhoumin\n", settings=settings)
        duty.set_shift(
            session=session,
            username="dutyguy",
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(hours=12),
            community_id=resident_service.default_community(session=session, settings=settings).id,
        )
        session.commit()


def test_members_without_a_display_name_are_named_by_their_role(
    nameless_committee: None, chat: Callable[..., Chat], clock: FrozenClock
) -> None:
    me = chat("oNameless")
    done = _antigen(me)
    _no_login_name(done)
    assert "8栋网格员会尽快联系您" in done
    alarm = me.say("我妈嘴唇发紫了")
    _no_login_name(alarm)
    assert "他们" not in alarm and "社区值班人员" in alarm
    listing = me.say("查询进度")
    _no_login_name(listing)
    assert "负责人 社区工作人员" in listing
    consult = me.say("转人工")  # during the emergency: it joins the emergency ticket (issue #15)
    _no_login_name(consult)
    assert "社区值班人员" in consult and "120" in consult


def test_the_emergency_wording_fits_the_people_notified(
    committee: None, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    reply = chat("oTwo").say("我爸胸痛")
    [ticket] = tickets_of(db(), "oTwo")
    assert ticket.assignee == "lifang" and ticket.backup
    assert "李芳" in reply and "他们" not in reply
    _no_login_name(reply)
