"""转人工 (the open-consult mode), 查询进度 and cancelling a ticket by its number."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.bot.conftest import Chat, member_resolves_consult, notes_of, request_antigen, tickets_of
from tickets.models import Ticket


def test_in_the_consult_mode_messages_go_to_the_member_until_the_resident_ends_it(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    opened = me.say("转人工")
    assert "单号" in opened and "结束" in opened
    assert "已转给工作人员" in me.say("我想问下我妈的透析车怎么安排")
    assert "已转给工作人员" in me.say("1")  # not a menu number now: it is a message for the member
    assert "您已在人工服务中" in me.say("转人工")  # no second ticket
    session = db()
    [consult] = tickets_of(session, me.openid)
    assert consult.type == "consult"
    assert notes_of(session, consult.id or 0) == ["我想问下我妈的透析车怎么安排", "1"]
    assert "人工服务已结束" in me.say("结束")
    session.refresh(consult)
    assert consult.status == "assigned"  # the question waits for the member (issue #15)
    assert "同意" in me.say("我要抗原")  # the bot answers again


def test_the_member_closing_the_consult_ends_the_mode(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.click("MENU_HUMAN")
    member_resolves_consult(me, db)
    reply = me.say("我要退烧药")
    assert reply.startswith("人工服务已结束") and "同意" in reply


def test_an_emergency_in_the_consult_mode_is_still_caught(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("我要找真人")
    assert "120" in me.say("我爸嘴唇发紫了")
    assert sorted(t.type for t in tickets_of(db(), me.openid)) == ["consult", "emergency"]


def test_status_lists_open_tickets_with_number_type_and_status(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    assert "没有正在办理" in me.say("查询进度")
    request_antigen(me)
    [ticket] = tickets_of(db(), me.openid)
    listing = me.say("我登记的抗原到哪了")
    assert ticket.number in listing and "抗原" in listing and "已分派" in listing
    assert "取消" in listing


def test_cancel_a_ticket_by_number_after_a_confirmation(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    request_antigen(me)
    me.say("转人工")
    me.say("结束")
    session = db()
    antigen = tickets_of(session, me.openid)[0]
    tail = antigen.number.split("-")[-1]
    ask = me.say(f"取消 {tail}")
    assert antigen.number in ask and "1 确认取消" in ask
    assert "不取消" in me.say("0")
    session.refresh(antigen)
    assert antigen.status == "assigned"
    me.say(f"取消单号{antigen.number}")
    assert "已取消单号" in me.say("1")
    session.refresh(antigen)
    assert antigen.status == "cancelled"
    assert "没有正在办理" in me.say("查询进度")


def test_cancel_in_free_text_with_one_open_ticket_goes_straight_to_the_question(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    request_antigen(me)
    ask = me.say("抗原不要了 帮我取消")
    assert "确认取消" in ask
    me.say("1")
    assert tickets_of(db(), me.openid)[0].status == "cancelled"


def test_an_unknown_number_is_not_cancelled(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    request_antigen(me)
    other = chat("oSomeoneElse")
    reply = other.say("取消 0001")
    assert "没有可以取消" in reply
    session = db()
    assert all(t.status == "assigned" for t in session.exec(select(Ticket)).all())


def test_the_member_reads_the_consult_and_closes_it_through_the_api(
    chat: Callable[..., Chat], client: TestClient, admin_headers: dict[str, str]
) -> None:
    me = chat("oConsult")
    me.say("转人工")
    me.say("我家老人腿脚不便，想问问能不能上门")
    [consult] = client.get("/api/tickets", params={"openid": "oConsult"}, headers=admin_headers).json()["data"]
    url = f"/api/tickets/{consult['id']}"
    timeline = client.get(url, headers=admin_headers).json()["timeline"]
    assert any(event["note"] == "我家老人腿脚不便，想问问能不能上门" for event in timeline)
    answered = client.post(f"{url}/reply", headers=admin_headers, json={"text": "可以上门"})
    assert answered.status_code == 201, answered.text
    assert client.post(f"{url}/transition", headers=admin_headers, json={"to_status": "closed"}).status_code == 200
    reply = me.say("我要抗原")
    assert reply.startswith("人工服务已结束") and "同意" in reply  # the bot answers again
    notes = [e["note"] for e in client.get(url, headers=admin_headers).json()["timeline"]]
    assert "我要抗原" not in notes


def test_status_in_the_middle_of_a_request_says_what_is_still_asked(chat: Callable[..., Chat]) -> None:
    me = chat()
    request_antigen(me)
    me.say("我还要抗原")
    listing = me.say("查询进度")
    assert "抗原：已分派" in listing and "还没办完" in listing and "要几份" in listing
    assert "领取" in me.say("1")  # the answer still goes to the pending question


# -- the global commands in the consult mode ---------------------------------------------------------
def _consulting(chat: Callable[..., Chat], openid: str) -> Chat:
    me = chat(openid)
    me.say("转人工")
    me.say("想问问上门服务")
    return me


def test_help_in_the_consult_mode_explains_it_and_is_not_forwarded(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = _consulting(chat, "oConsultHelp")
    for word in ("帮助", "菜单"):
        reply = me.say(word)
        assert "工作人员" in reply and "结束" in reply and "查询进度" in reply
        assert "请回复数字" not in reply  # a menu number would only be forwarded to the member now
    session = db()
    [consult] = tickets_of(session, me.openid)
    assert consult.status == "assigned"
    assert notes_of(session, consult.id or 0) == ["想问问上门服务"]
    assert "已转给工作人员" in me.say("在吗")  # a greeting is for the member


def test_status_in_the_consult_mode_lists_tickets_and_the_mode_goes_on(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = _consulting(chat, "oConsultStatus")
    listing = me.say("查询进度")
    [consult] = tickets_of(db(), me.openid)
    assert consult.number in listing and "人工服务中" in listing and "结束" in listing
    assert "取消 单号" in listing  # cancelling by number works in this mode too
    assert "已转给工作人员" in me.say("还在等")
    assert notes_of(db(), consult.id or 0) == ["想问问上门服务", "还在等"]


def test_cancel_in_the_consult_mode_ends_it_and_says_how_to_cancel_a_request(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = _consulting(chat, "oConsultCancel")
    reply = me.say("取消")
    assert "人工服务已结束" in reply and "取消" in reply
    [consult] = tickets_of(db(), me.openid)
    assert consult.status == "closed"
    assert "没有可以取消" in me.say("取消")  # the bot answers 取消 again


def test_restart_in_the_consult_mode_ends_it_and_starts_over(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oConsultRestart")
    me.say("我要退烧药")
    me.say("转人工")
    reply = me.say("重新开始")
    assert "人工服务已结束" in reply and "重新开始" in reply and "请回复数字" in reply
    [consult] = tickets_of(db(), me.openid)
    assert consult.status == "closed"
    assert "同意" in me.say("1")  # the menu works again; the old request is gone
