"""转人工 in the middle of a request, and 取消 by number inside the consult mode."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import Chat, tickets_of
from tests.conftest import FrozenClock


def _medicine_to_the_age(me: Chat) -> None:
    me.say("我要退烧药")
    me.say("同意")
    assert "多大年纪" in me.say("2")


def _antigen(me: Chat) -> None:
    for text in ("我要抗原", "同意", "3", "3", "1", "8栋1单元302", "13812345678", "1"):
        me.say(text)


# -- a consult opened mid-request puts the request aside, as an emergency does -----------------------
def test_a_consult_opened_mid_request_puts_it_aside_and_continue_finishes_it_after(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oAsideByWords")
    _medicine_to_the_age(me)
    opened = me.say("我要找人工")
    assert "单号" in opened and "买药登记已保留" in opened and "继续" in opened
    assert "已转给工作人员" in me.say("72")  # a message for the member, not the age
    ended = me.say("结束")
    assert "人工服务已结束" in ended and "买药登记" in ended and "继续" in ended
    assert "有以下情况吗" not in me.say("72")  # no longer the answer to the old question
    resumed = me.say("继续")
    assert "继续买药登记" in resumed and "多大年纪" in resumed
    assert "有以下情况吗" in me.say("72")
    [consult] = tickets_of(db(), me.openid)
    assert consult.type == "consult" and consult.status == "closed"


def test_the_transfer_command_mid_request_keeps_it_too(chat: Callable[..., Chat]) -> None:
    me = chat("oAsideByCommand")
    _medicine_to_the_age(me)
    assert "买药登记已保留" in me.say("转人工")
    me.say("结束")
    assert "多大年纪" in me.say("继续")


def test_when_the_member_closes_the_consult_the_resident_hears_the_request_waits(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oAsideMemberCloses")
    _medicine_to_the_age(me)
    me.say("转人工")
    session = db()
    [consult] = tickets_of(session, me.openid)
    consult.status = "resolved"  # what the member's close does, through the console
    session.add(consult)
    session.commit()
    reply = me.say("好的")
    assert reply.startswith("人工服务已结束") and "买药登记" in reply and "继续" in reply
    assert "多大年纪" in me.say("继续")


def test_a_request_put_aside_by_a_consult_times_out_as_after_an_emergency(
    chat: Callable[..., Chat], clock: FrozenClock
) -> None:
    # The clock runs from the moment the request was put aside, consult or emergency alike.
    me = chat("oAsideTimeout")
    _medicine_to_the_age(me)
    me.say("转人工")
    clock.advance(minutes=20)
    assert "继续" in me.say("结束")
    clock.advance(minutes=15)
    assert "超过时间没有完成" in me.say("继续")

    other = chat("oAsideEmergencyTimeout")
    _medicine_to_the_age(other)
    other.say("我妈喘不上气了")
    clock.advance(minutes=35)
    assert "超过时间没有完成" in other.say("继续")


def test_a_consult_longer_than_the_timeout_does_not_promise_continue(
    chat: Callable[..., Chat], clock: FrozenClock
) -> None:
    me = chat("oAsideLongConsult")
    _medicine_to_the_age(me)
    me.say("转人工")
    clock.advance(hours=1)
    ended = me.say("结束")
    assert "人工服务已结束" in ended and "回复“继续”" not in ended and "重新" in ended
    assert "超过时间没有完成" in me.say("继续")
