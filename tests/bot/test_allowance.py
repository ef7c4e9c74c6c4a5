"""#15: the antigen allowance holds across merged and repeated requests, and the resident is told what is left."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import Chat, tickets_of


def _first_request(me: Chat, kits: str) -> None:
    for text in ("我要抗原", "同意", "3", kits, "1", "8栋1单元302", "王阿姨 13812345678"):
        me.say(text)
    done = me.say("1")
    assert "单号" in done and "还可以再领" in done


def test_a_second_request_is_held_to_what_is_left_and_merged(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    _first_request(me, "3")
    question = me.say("我还要抗原")
    assert "已登记 3 份" in question and "还可以领 1 份" in question
    refused = me.say("2")
    assert "还可以领 1 份" in refused and "1 到 1" in refused
    me.say("1")
    me.say("1")  # delivery; address and phone are remembered
    done = me.say("1")
    assert "合计 4 份" in done and "还可以再领 0 份" in done
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["quantity"] == 4  # one open ticket, the quantities added up


def test_an_allowance_used_up_is_said_at_once(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    _first_request(me, "4")
    session = db()
    [ticket] = tickets_of(session, me.openid)
    ticket.status = "resolved"  # delivered: a new request would be a new ticket, but the period holds
    session.add(ticket)
    session.commit()
    reply = me.say("我要抗原")
    assert "已登记 4 份" in reply and "不能再领" in reply and "转人工" in reply
    assert len(tickets_of(db(), me.openid)) == 1


def test_more_than_is_left_in_the_first_message_is_not_taken(chat: Callable[..., Chat]) -> None:
    me = chat()
    _first_request(me, "2")
    question = me.say("我要4个抗原")
    assert "还可以领 2 份" in question and "您要几份" in question  # 4 is more than is left: asked


def test_another_account_at_the_same_address_shares_the_allowance(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    _first_request(chat("oHusband"), "3")
    wife = chat("oWife")
    wife.say("我要抗原")
    wife.say("同意")
    wife.say("3")
    wife.say("2")
    wife.say("1")
    again = wife.say("8栋1单元302")  # the household's address: its 3 kits count
    assert "已登记 3 份" in again and "还可以领 1 份" in again
    wife.say("1")
    wife.say("李女士 13900001111")
    assert "单号" in wife.say("1")
    [ticket] = tickets_of(db(), "oWife")
    assert ticket.details["quantity"] == 1
