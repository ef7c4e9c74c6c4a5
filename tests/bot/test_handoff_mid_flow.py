"""转人工 in the middle of a request, and 取消 by number inside the consult mode."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import (
    Chat,
    medicine_up_to_the_age,
    member_resolves_consult,
    notes_of,
    request_antigen,
    tickets_of,
)
from tests.conftest import FrozenClock
from tickets.models import Ticket


# -- a consult opened mid-request puts the request aside, as an emergency does -----------------------
def test_a_consult_opened_mid_request_puts_it_aside_and_continue_finishes_it_after(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oAsideByWords")
    medicine_up_to_the_age(me)
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
    assert consult.type == "consult" and consult.status == "assigned"  # "72" waits for the member


def test_the_transfer_command_mid_request_keeps_it_too(chat: Callable[..., Chat]) -> None:
    me = chat("oAsideByCommand")
    medicine_up_to_the_age(me)
    assert "买药登记已保留" in me.say("转人工")
    me.say("结束")
    assert "多大年纪" in me.say("继续")


def test_when_the_member_closes_the_consult_the_resident_hears_the_request_waits(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oAsideMemberCloses")
    medicine_up_to_the_age(me)
    me.say("转人工")
    member_resolves_consult(me, db)
    reply = me.say("好的")
    assert reply.startswith("人工服务已结束") and "买药登记" in reply and "继续" in reply
    assert "多大年纪" in me.say("继续")


def test_a_request_put_aside_by_a_consult_times_out_as_after_an_emergency(
    chat: Callable[..., Chat], clock: FrozenClock
) -> None:
    # The clock runs from the moment the request was put aside, consult or emergency alike.
    me = chat("oAsideTimeout")
    medicine_up_to_the_age(me)
    me.say("转人工")
    clock.advance(minutes=20)
    assert "继续" in me.say("结束")
    clock.advance(minutes=15)
    assert "超过时间没有完成" in me.say("继续")

    other = chat("oAsideEmergencyTimeout")
    medicine_up_to_the_age(other)
    other.say("我妈喘不上气了")
    clock.advance(minutes=35)
    assert "超过时间没有完成" in other.say("继续")


def test_a_consult_longer_than_the_timeout_does_not_promise_continue(
    chat: Callable[..., Chat], clock: FrozenClock
) -> None:
    me = chat("oAsideLongConsult")
    medicine_up_to_the_age(me)
    me.say("转人工")
    clock.advance(hours=1)
    ended = me.say("结束")
    assert "人工服务已结束" in ended and "回复“继续”" not in ended and "重新" in ended
    assert "超过时间没有完成" in me.say("继续")


# -- 取消 <number> in the consult mode --------------------------------------------------------------
def test_cancel_by_number_in_the_consult_mode_cancels_that_ticket_and_the_consult_goes_on(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultCancelNumber")
    request_antigen(me)
    me.say("转人工")
    antigen, consult = tickets_of(db(), me.openid)
    ask = me.say(f"取消 {antigen.number}")
    assert antigen.number in ask and "1 确认取消" in ask
    done = me.say("1")
    assert f"已取消单号 {antigen.number}" in done and "人工服务中" in done
    session = db()
    assert session.get(Ticket, antigen.id).status == "cancelled"  # type: ignore[union-attr]
    assert session.get(Ticket, consult.id).status == "assigned"  # type: ignore[union-attr]
    assert notes_of(session, consult.id or 0) == []  # nothing of it went to the member
    assert "已转给工作人员" in me.say("谢谢师傅")


def test_declining_the_cancellation_in_the_consult_mode_keeps_both(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultCancelDecline")
    request_antigen(me)
    me.say("转人工")
    antigen, consult = tickets_of(db(), me.openid)
    me.say(f"取消 {antigen.number.split('-')[-1]}")
    assert "不取消" in me.say("0")
    assert "已转给工作人员" in me.say("还有个问题")
    session = db()
    assert session.get(Ticket, antigen.id).status == "assigned"  # type: ignore[union-attr]
    assert notes_of(session, consult.id or 0) == ["还有个问题"]


def test_an_emergency_cancelled_by_number_in_the_consult_mode_stays_open(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultCancelUrgent")
    me.say("胸痛")
    me.say("转人工")
    [urgent] = tickets_of(db(), me.openid)  # 转人工 during an emergency joins it (issue #15)
    me.say(f"取消 {urgent.number}")
    reply = me.say("1")
    assert "已取消" not in reply and "确认" in reply and "人工服务中" in reply
    assert db().get(Ticket, urgent.id).is_open  # type: ignore[union-attr]


def test_cancelling_the_consult_itself_by_number_ends_the_mode(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultCancelItself")
    me.say("转人工")
    [consult] = tickets_of(db(), me.openid)
    me.say(f"取消 {consult.number}")
    done = me.say("1")
    assert "已取消单号" in done and "人工服务已结束" in done
    assert db().get(Ticket, consult.id).status == "cancelled"  # type: ignore[union-attr]
    reply = me.say("我要抗原")
    assert "同意" in reply and "人工服务已结束" not in reply  # the bot answers, said once
