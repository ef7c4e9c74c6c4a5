"""Antigen kits through the resident's channel: budgets, allowance, wrong answers, consent, restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.intents import MenuKey
from bot.models import Conversation
from core.settings import Settings
from hotline.app import create_app
from residents.models import ConsentRecord
from tests.bot.conftest import Chat, resident, tickets_of
from tests.conftest import OFFICE_PHONE, FrozenClock


def _new_request(resident_chat: Chat) -> str:
    resident_chat.say("家里要抗原")
    resident_chat.say("同意")
    resident_chat.say("4个")
    resident_chat.say("4")
    resident_chat.say("1")
    resident_chat.say("8栋1单元302")
    summary = resident_chat.say("王阿姨 138 1234 5678")  # the contact: a name and a number
    return summary


def test_a_new_resident_gets_antigen_in_at_most_8_messages(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    first = me.say("家里要抗原")
    assert "同意" in first and OFFICE_PHONE in first  # consent before any personal data
    me.say("同意")
    me.say("4个")
    me.say("4")
    me.say("1")
    me.say("8栋1单元302")
    summary = me.say("王阿姨 138 1234 5678")
    assert "138****5678" in summary and "13812345678" not in summary  # masked on screen
    assert "8栋1单元302" in summary and "4 份" in summary
    done = me.say("1")
    assert "单号" in done and "查询进度" in done
    assert me.sent <= 8

    session = db()
    [ticket] = tickets_of(session, me.openid)
    assert ticket.type == "antigen" and me.last.get("ticket_id", ticket.id) == ticket.id
    assert ticket.details["quantity"] == 4 and ticket.details["household_size"] == 4
    assert ticket.details["phone"] == "13812345678" and ticket.details["address"] == "8栋1单元302"
    assert ticket.details["delivery"] == "送货上门"
    remembered = resident(session, me.openid)
    assert remembered.phone == "13812345678" and remembered.building == "8栋" and remembered.household_size == 4


def test_a_returning_resident_only_confirms_in_at_most_4_messages(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    _new_request(me)
    me.say("1")
    session = db()
    [delivered] = tickets_of(session, me.openid)
    delivered.status = "resolved"  # the kits were delivered; a new request is a new ticket
    delivered.created_at -= timedelta(days=8)  # and the allowance period has passed since
    session.add(delivered)
    session.commit()
    again = chat()
    first = again.say("我要抗原")
    assert "同意" not in first  # consent is asked once
    again.say("2")
    summary = again.say("2")
    assert "8栋1单元302" in summary and "138****5678" in summary  # only confirms what is remembered
    again.say("1")
    assert again.sent <= 4
    tickets = tickets_of(db(), me.openid)
    assert [t.details["quantity"] for t in tickets] == [4, 2]
    assert tickets[1].details["delivery"] == "到社区自取"


def test_more_than_the_allowance_is_refused_with_the_limit(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    me.say("6")
    reply = me.say("10")
    assert "最多可领 4 份" in reply and "10 份超出" in reply
    assert "如 2" in me.say("好多")  # no number: asked again with an example
    assert "送货上门" in me.say("3")


def test_wrong_phone_and_address_are_asked_again_with_an_example(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("申请抗原")
    me.say("同意")
    me.say("三口人")
    me.say("2")
    me.say("送到家")
    bad_address = me.say("就在小区里面")
    assert "如 3栋2单元501" in bad_address
    me.say("8-1-302")
    bad_phone = me.say("1381234")
    assert "13812345678" in bad_phone and "023-61234567" in bad_phone  # mobile and landline examples
    summary = me.say("李先生 023-6123 4567")
    assert "8栋1单元302" in summary and "0236****4567" in summary


def test_cancel_in_the_middle_leaves_no_ticket(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    me.say("3")
    assert "已取消" in me.say("取消")
    assert tickets_of(db(), me.openid) == []
    assert "几口人" in me.say("1")  # a menu number now starts afresh (1 = 申请抗原)


def test_consent_refused_is_respected_and_can_be_given_later(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("我要抗原")
    refused = me.say("不同意")
    assert OFFICE_PHONE in refused and "不记录" in refused
    again = me.say("我要抗原")
    assert "不记录" in again and "家里一共几口人" not in again  # nothing is collected after a refusal
    assert "几口人" in me.say("同意")  # a later "同意" carries on
    session = db()
    records = session.exec(select(ConsentRecord).where(ConsentRecord.openid == me.openid)).all()
    assert [r.granted for r in records] == [False, True]


def test_a_restart_between_two_turns_resumes_the_conversation(
    chat: Callable[..., Chat], settings: Settings, db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    me.say("3")
    with TestClient(create_app(settings)) as second_instance:
        other = chat(on=second_instance)
        assert "送货上门" in other.say("2")  # the quantity question was the one pending
        other.say("2")
        other.say("3栋2单元501")
        other.say("张阿姨 13812345678")
        assert "单号" in other.say("1")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["quantity"] == 2 and ticket.details["name"] == "张阿姨"


def test_an_unfinished_request_times_out(
    chat: Callable[..., Chat], clock: FrozenClock, db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    clock.advance(hours=2)
    reply = me.say("3")
    assert "超过时间没有完成" in reply and "请回复数字" in reply  # "3" is not taken as a menu choice
    session = db()
    state = session.get(Conversation, me.openid)
    assert state is not None and state.flow is None


def test_the_menu_click_starts_the_same_flow(chat: Callable[..., Chat]) -> None:
    me = chat()
    assert "同意" in me.click(MenuKey.ANTIGEN)
    assert "几口人" in me.say("同意")


def test_a_quantity_in_the_first_message_is_not_asked_again(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("抗原要两个")
    me.say("同意")
    assert "领取" in me.say("3")  # household asked, quantity already known


def test_the_timeout_follows_the_setting(client: TestClient, chat: Callable[..., Chat], clock: FrozenClock) -> None:
    client.app.state.settings.conversation_timeout_minutes = 180  # type: ignore[attr-defined]
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    clock.advance(hours=2)
    reply = me.say("3")
    assert "超过时间" not in reply and "几份" in reply
