"""Issue #15: 结束 ends the chat with a member, not the question; the member answers and closes it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.bot.conftest import Chat, notes_of, tickets_of


def test_end_after_a_question_leaves_it_open_for_the_member(
    chat: Callable[..., Chat], db: Callable[[], Session], client: TestClient, admin_headers: dict[str, str]
) -> None:
    me = chat("oLeaves")
    me.say("转人工")
    me.say("我家老人腿脚不便，社区能上门测抗原吗")
    ended = me.say("结束")
    [consult] = tickets_of(db(), me.openid)
    assert "人工服务已结束" in ended and f"您的问题（单号 {consult.number}）已留给工作人员" in ended
    assert consult.is_open  # not closed by the resident leaving
    assert notes_of(db(), consult.id or 0) == ["我家老人腿脚不便，社区能上门测抗原吗"]
    assert "同意" in me.say("我要抗原")  # the bot answers again meanwhile

    url = f"/api/tickets/{consult.id}"
    assert client.post(f"{url}/reply", headers=admin_headers, json={"text": "可以上门"}).status_code == 201
    assert client.post(f"{url}/transition", headers=admin_headers, json={"to_status": "closed"}).status_code == 200
    assert not db().get(type(consult), consult.id).is_open  # type: ignore[union-attr]


def test_a_goodbye_after_a_question_leaves_it_open_too(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat("oGoodbye")
    me.say("我要找真人")
    me.say("低保户怎么申请药品补贴")
    me.say("不聊了")
    [consult] = tickets_of(db(), me.openid)
    assert consult.is_open


def test_end_with_nothing_asked_closes_the_empty_consult(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat("oNothingAsked")
    me.say("转人工")
    ended = me.say("结束")
    assert "人工服务已结束" in ended and "已留给工作人员" not in ended
    [consult] = tickets_of(db(), me.openid)
    assert consult.status == "closed"


def test_transfer_again_after_leaving_rejoins_the_open_question(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oComesBack")
    me.say("转人工")
    me.say("药什么时候送到")
    me.say("结束")
    [consult] = tickets_of(db(), me.openid)
    again = me.say("转人工")
    assert consult.number in again
    assert "已转给工作人员" in me.say("还在等")
    assert len(tickets_of(db(), me.openid)) == 1
    assert notes_of(db(), consult.id or 0)[-1] == "还在等"
