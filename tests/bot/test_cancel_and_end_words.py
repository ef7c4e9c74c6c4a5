"""取消 <单号> that finds nothing, 取消 <单号> mid-request, and command words with nothing to act on."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import Chat, notes_of, tickets_of


def _antigen(me: Chat) -> None:
    for text in ("我要抗原", "同意", "3", "3", "1", "8栋1单元302", "13812345678", "1"):
        me.say(text)


# -- 1. "0" ends a cancellation that found no such ticket -------------------------------------------
def test_zero_ends_the_cancellation_after_an_unknown_number(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCancelZero")
    _antigen(me)
    listing = me.say("取消 9999")
    assert "没有找到单号 9999" in listing and "回复 0" in listing
    assert "回复 0" in me.say("abc")  # a bad answer: asked again, with the way out
    ended = me.say("0")
    assert "不取消" in ended and "没有找到" not in ended and "要取消哪一项" not in ended
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.status == "new"
    assert "要几份" in me.say("我还要抗原")  # the cancellation is over: the bot listens again


def test_zero_ends_the_cancellation_in_the_consult_mode_too(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultCancelZero")
    me.say("转人工")
    assert "回复 0" in me.say("取消 9999") or "回复 0" in me.say("abc")
    ended = me.say("0")
    assert "不取消" in ended and "人工服务中" in ended and "已转给工作人员" not in ended
    [consult] = tickets_of(db(), me.openid)
    assert consult.status == "new"
    assert notes_of(db(), consult.id or 0) == []  # "0" was not forwarded to the member
    assert "已转给工作人员" in me.say("还在吗")  # the consult goes on
