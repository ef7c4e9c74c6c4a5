"""A committee member whose WeChat account is bound to a staff account is not taken for a resident."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.audience import Audience, audience_of
from bot.flows import FLOWS
from residents.models import Role, User
from tests.bot.conftest import Chat, tickets_of

MEMBER_OPENID = "oMemberWang"


def _bind(session: Session, openid: str, active: bool = True) -> None:
    session.add(
        User(username="wangwei", display_name="王伟", role=Role.MEMBER, password_hash="x", openid=openid, active=active)
    )
    session.commit()


def test_a_members_report_of_an_emergency_opens_no_urgent_ticket_for_them(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    _bind(db(), MEMBER_OPENID)
    member = chat(MEMBER_OPENID)
    reply = member.say("老人胸痛已送医")
    assert "工作人员账号" in reply and "工作台" in reply
    assert "紧急单号" not in reply
    assert tickets_of(db(), MEMBER_OPENID) == []


def test_a_member_starts_no_resident_request_and_no_consult(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    _bind(db(), MEMBER_OPENID)
    member = chat(MEMBER_OPENID)
    for text in ("我要抗原", "1", "转人工"):
        assert "工作人员账号" in member.say(text), text
    assert tickets_of(db(), MEMBER_OPENID) == []


def test_a_resident_with_the_same_words_still_gets_the_emergency(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    _bind(db(), MEMBER_OPENID)
    reply = chat("oResidentB").say("老人胸痛")
    assert reply.startswith("这可能是急症，请立即拨打 120")
    [ticket] = tickets_of(db(), "oResidentB")
    assert ticket.type == "emergency"


def test_only_an_active_bound_account_makes_a_member(db: Callable[[], Session]) -> None:
    session = db()
    _bind(session, MEMBER_OPENID, active=False)
    assert audience_of(session=session, openid=MEMBER_OPENID) is Audience.RESIDENT
    assert audience_of(session=session, openid="") is Audience.RESIDENT


def test_every_flow_declares_its_audience() -> None:
    assert {flow.name: flow.audience for flow in FLOWS.values()} == dict.fromkeys(FLOWS, Audience.RESIDENT)


def test_binding_by_code_in_wechat_makes_the_sender_a_member(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    from residents import binding

    session = db()
    user = User(username="lina", display_name="李娜", role=Role.MEMBER, password_hash="x")
    session.add(user)
    session.flush()
    code = binding.issue_code(session=session, user=user)
    session.commit()
    member = chat("oMemberLi")
    wrong = "000000" if code != "000000" else "111111"
    assert "绑定码不对" in member.say(f"绑定 {wrong}")
    assert "绑定成功" in member.say(f"绑定：{code}")
    assert "绑定码不对" in member.say(f"绑定 {code}")  # one use only
    assert audience_of(session=db(), openid="oMemberLi") is Audience.MEMBER
    assert "紧急单号" not in member.say("老人胸痛已送医")
    assert tickets_of(db(), "oMemberLi") == []
