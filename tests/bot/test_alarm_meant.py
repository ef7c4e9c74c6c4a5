"""#15: a red flag only mentioned wakes nobody; the resident is told what to do if it is happening now."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from tests.bot.conftest import Chat, tickets_of
from tickets.models import TicketType

MENTIONED = [
    "我家猫喘得厉害，附近有宠物医院吗",
    "我爸去年呼吸困难住过院，今年的医保报销怎么弄",
    "呼吸困难是不是新冠的症状",
    "电视剧里那个人昏迷了好几天",
    "我妈两年前中风过，能不能预约上门打疫苗",
]


def _urgent(session: Session, openid: str) -> list[int]:
    return [t.id or 0 for t in tickets_of(session, openid) if t.type == TicketType.EMERGENCY]


@pytest.mark.parametrize("text", MENTIONED)
def test_a_red_flag_only_mentioned_gets_the_advice_in_conditional_words_and_no_ticket(
    text: str, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oMention")
    reply = me.say(text)
    assert reply.startswith("如果现在就有人这样") and "120" in reply and "回复“1”" in reply
    assert _urgent(db(), "oMention") == []


def test_one_after_the_check_opens_the_urgent_ticket_at_once(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oCheck")
    me.say("我爸去年呼吸困难住过院，今年的医保报销怎么弄")
    reply = me.say("1")
    assert "请立即拨打 120" in reply and "紧急单号" in reply
    assert len(_urgent(db(), "oCheck")) == 1


def test_the_check_lasts_one_message(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat("oLater")
    me.say("呼吸困难是不是新冠的症状")
    me.say("谢谢")
    assert "紧急单号" not in me.say("1")
    assert _urgent(db(), "oLater") == []


def test_a_red_flag_happening_now_still_alarms_at_once(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat("oNow")
    reply = me.say("我爸去年中风过，今天早上起来又嘴歪了，说话不清楚")
    assert "请立即拨打 120" in reply and "紧急单号" in reply
    assert len(_urgent(db(), "oNow")) == 1


def test_a_request_beside_a_red_flag_only_mentioned_is_not_urgent(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oAunt")
    reply = me.say("我舅舅胸痛住院了，在成都的医院治着呢，他家里没人，能不能请网格员帮忙看看房子")
    assert reply.startswith("如果现在就有人这样")
    tickets = tickets_of(db(), "oAunt")
    assert tickets and all(t.type != TicketType.EMERGENCY and t.priority != "urgent" for t in tickets)
