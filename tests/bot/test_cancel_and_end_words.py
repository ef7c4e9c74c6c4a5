"""取消 <单号> that finds nothing, 取消 <单号> mid-request, and command words with nothing to act on."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from knowledge.models import UnansweredQuestion
from tests.bot.conftest import Chat, medicine_up_to_the_age, notes_of, request_antigen, tickets_of


# -- 1. "0" ends a cancellation that found no such ticket -------------------------------------------
def test_zero_ends_the_cancellation_after_an_unknown_number(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCancelZero")
    request_antigen(me)
    listing = me.say("取消 9999")
    assert "没有找到单号 9999" in listing and "回复 0" in listing
    assert "回复 0" in me.say("abc")  # a bad answer: asked again, with the way out
    ended = me.say("0")
    assert "不取消" in ended and "没有找到" not in ended and "要取消哪一项" not in ended
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.status == "assigned"
    assert "要几份" in me.say("我还要抗原")  # the cancellation is over: the bot listens again


def test_the_cancel_word_at_the_which_one_question_does_not_claim_something_was_cancelled(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCancelWord")
    request_antigen(me)
    me.say("取消 9999")
    reply = me.say("算了")
    assert "不取消" in reply and "已取消" not in reply
    assert "确认取消" in me.say("取消")  # one open ticket: straight to the yes/no question
    again = me.say("取消")  # ambiguous there (cancel the ticket, or stop?): the question is asked again
    assert "确认取消" in again and "已取消" not in again
    assert tickets_of(db(), me.openid)[0].status == "assigned"


def test_zero_ends_the_cancellation_in_the_consult_mode_too(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultCancelZero")
    me.say("转人工")
    assert "回复 0" in me.say("取消 9999") or "回复 0" in me.say("abc")
    ended = me.say("0")
    assert "不取消" in ended and "人工服务中" in ended and "已转给工作人员" not in ended
    [consult] = tickets_of(db(), me.openid)
    assert consult.status == "assigned"
    assert notes_of(db(), consult.id or 0) == []  # "0" was not forwarded to the member
    assert "已转给工作人员" in me.say("还在吗")  # the consult goes on


# -- 2. 取消 <单号> mid-request puts the request aside ------------------------------------------------
def test_cancel_by_number_mid_request_puts_the_request_aside(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCancelMidRequest")
    request_antigen(me)
    session = db()
    [antigen] = tickets_of(session, me.openid)
    medicine_up_to_the_age(me)
    ask = me.say(f"取消 {antigen.number}")
    assert "买药登记已保留" in ask and "继续" in ask and "确认取消" in ask
    done = me.say("1")
    assert "已取消单号" in done and "买药登记" in done and "继续" in done
    session.refresh(antigen)
    assert antigen.status == "cancelled"
    resumed = me.say("继续")
    assert "继续买药登记" in resumed and "多大年纪" in resumed
    assert "有以下情况吗" in me.say("72")


def test_cancel_by_number_mid_request_declined_or_not_found(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCancelMidRequestNo")
    request_antigen(me)
    medicine_up_to_the_age(me)
    assert "买药登记已保留" in me.say("取消 9999")
    ended = me.say("0")
    assert "不取消" in ended and "买药登记" in ended and "继续" in ended
    assert "多大年纪" in me.say("继续")
    assert tickets_of(db(), me.openid)[0].status == "assigned"


def test_cancel_by_number_mid_request_with_nothing_to_cancel_keeps_the_request(chat: Callable[..., Chat]) -> None:
    me = chat("oCancelMidRequestNothing")
    medicine_up_to_the_age(me)
    reply = me.say("取消 0031")
    assert "没有可以取消" in reply and "多大年纪" in reply
    assert "有以下情况吗" in me.say("72")  # the answer still goes to the pending question


# -- 3. command words with nothing to act on ---------------------------------------------------------
def _unanswered(db: Callable[[], Session]) -> list[str]:
    return [row.text for row in db().exec(select(UnansweredQuestion)).all()]


def test_end_without_a_consult_gets_a_friendly_reply_and_is_not_logged(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oEndNothing")
    for word in ("结束", "结束。", "结束了", "结束吧", "结束服务", "结束人工", "退出人工", "结束咨询", "退出"):
        reply = me.say(word)
        assert "答不上来" not in reply and "已记录" not in reply, word
        assert "人工服务" in reply and "帮助" in reply, word
    assert tickets_of(db(), me.openid) == []  # "结束人工" never opens a consult
    for word in ("好了谢谢", "没事了", "不聊了"):
        reply = me.say(word)
        assert "答不上来" not in reply and "帮助" in reply, word
    assert _unanswered(db) == []


def test_end_mid_request_keeps_the_request_and_says_how_to_stop_it(chat: Callable[..., Chat]) -> None:
    me = chat("oEndMidRequest")
    medicine_up_to_the_age(me)
    reply = me.say("结束")
    assert "人工服务" in reply and "取消" in reply and "多大年纪" in reply
    assert "有以下情况吗" in me.say("72")


def test_end_words_with_a_particle_end_the_consult_too(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat("oEndConsultParticle")
    me.say("转人工")
    assert "人工服务已结束" in me.say("结束了")
    [consult] = tickets_of(db(), me.openid)
    assert consult.status == "closed" and "结束了" not in notes_of(db(), consult.id or 0)


def test_other_command_words_with_nothing_to_act_on_are_not_logged(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCommandsNothing")
    expected = {
        "取消": "没有可以取消",
        "取消吧": "没有可以取消",
        "继续": "没有需要继续",
        "继续吧": "没有需要继续",
        "我要继续": "没有需要继续",
        "继续办理": "没有需要继续",
        "查询进度": "没有正在办理",
        "查询一下进度": "没有正在办理",
        "查询": "没有正在办理",
    }
    for word, answer in expected.items():
        reply = me.say(word)
        assert answer in reply and "答不上来" not in reply, word
    assert tickets_of(db(), me.openid) == []
    assert _unanswered(db) == []
