"""Policy questions versus requests, questions in the middle of a flow, and small courtesies."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session, select

from knowledge.base import FaqView, KnowledgeBase, Lookup
from knowledge.models import UnansweredQuestion
from tests.bot.conftest import Chat, request_antigen, tickets_of


def test_a_policy_question_is_answered_by_the_knowledge_base_not_a_flow(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")  # the simulator reports the intent
    reply = me.say("抗原阳性了怎么办")
    assert "同意" not in reply and "几口人" not in reply
    assert me.last.get("intent") in ("policy", "unknown", None)


def test_a_request_starts_its_flow(chat: Callable[..., Chat]) -> None:
    for openid, text in (("oA", "家里要抗原"), ("oB", "我要退烧药"), ("oC", "帮我妈登记一下药")):
        assert "同意" in chat(openid).say(text)


def test_a_policy_question_mid_flow_is_answered_and_the_question_repeated(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")  # the simulator tells whether the knowledge base answered
    me.say("我要抗原")
    me.say("同意")
    reply = me.say("老人打疫苗有绿色通道吗")
    if me.last.get("faq_id"):
        assert "抗原领取还没办完" in reply and "几口人" in reply
    else:  # the knowledge base could not answer: the question is simply asked again
        assert "人数" in reply or "几口人" in reply
    assert "最多可领" in me.say("3")  # and the flow goes on


def test_a_policy_question_before_consenting_is_answered_and_consent_asked_again(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    me.say("帮我买药")
    reply = me.say("老人打疫苗有绿色通道吗")
    assert me.last["faq_id"] is not None and me.last["intent"] == "policy"
    assert "买药登记还没办完" in reply and "回复“同意”继续" in reply
    assert "已记录您的同意" in me.say("同意")  # the request goes on from where it was


def test_anything_else_before_consenting_keeps_the_request_and_asks_again(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要抗原")
    reply = me.say("今天天气怎么样啊朋友")
    assert reply.startswith("（您的抗原领取还没办完）") and "回复“同意”继续" in reply
    assert "已记录您的同意" in me.say("同意")
    again = chat("oAgain")
    again.say("我要抗原")
    assert "同意" in again.say("我要抗原，家里三口人")  # the same request asked afresh starts it afresh


def test_asking_for_a_person_before_consenting_keeps_the_request(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要抗原")
    reply = me.say("我要找真人说话")
    assert "转人工" in reply and "抗原领取已保留" in reply


def test_asking_for_a_person_mid_flow_hands_over(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    assert "转人工" in me.say("我要找真人")


def test_thanks_and_greetings_get_a_next_step(chat: Callable[..., Chat]) -> None:
    me = chat()
    assert "帮助" in me.say("谢谢")
    assert "请回复数字" in me.say("你好")
    assert "023-61234567" in me.say("哈哈")  # unknown: never a dead end, always the office phone


def test_help_in_the_middle_of_a_flow_repeats_the_question_not_the_numbered_menu(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    request_antigen(me)
    assert "确认取消" in me.say("取消")  # one open ticket: straight to the yes/no question
    shown = me.say("帮助")
    # The main menu's "1. 申请抗原" would make the resident's next "1" confirm the cancellation.
    assert "1. 申请抗原" not in shown and "确认取消" in shown and "023-61234567" in shown
    assert "不取消" in me.say("0")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.status == "assigned"  # held by the admin: issue #15


def test_help_during_a_request_keeps_it_and_the_answer_still_counts(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    shown = me.say("帮助")
    assert "抗原领取" in shown and "几口人" in shown and "取消" in shown
    assert "最多可领" in me.say("3")
    assert "请回复数字" in chat("oOther").say("帮助")  # outside a flow: the numbered menu


def test_restart_drops_the_request_and_the_menu_numbers_work_again(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    for text in ("我要退烧药", "同意", "1", "40"):
        me.say(text)
    me.say("血氧88")  # the medicine request is put aside for "继续"
    shown = me.say("重新开始")
    assert "重新开始" in shown and "1. 申请抗原" in shown
    assert "没有需要继续" in me.say("继续")  # nothing put aside survives a restart
    assert "几口人" in me.say("1")  # consent was given once: straight to the first question
    assert [t.type for t in tickets_of(db(), me.openid)] == ["emergency"]


def test_chit_chat_is_not_promised_to_staff_and_not_logged(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    """Only a policy question the base cannot answer is logged; the reply promises no more than that."""
    me = chat()
    reply = me.say("哈哈哈")
    assert "已记录" not in reply and "帮助" in reply
    assert db().exec(select(UnansweredQuestion)).all() == []
    assert "已记录" in me.say("阳康以后多久可以献血")
    assert [row.text for row in db().exec(select(UnansweredQuestion)).all()] == ["阳康以后多久可以献血"]


@pytest.fixture
def likely_answer(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FaqView]]:
    """The base answers LIKELY_QUESTION tentatively with two other choices (real entries)."""
    shown: list[FaqView] = []
    real = KnowledgeBase.lookup

    def lookup(self: KnowledgeBase, text: str, region: str | None = None) -> Lookup:
        if text != LIKELY_QUESTION:
            return real(self, text, region)
        shown[:] = [self.get(i) for i in sorted(self._snapshot.entries)[:3]]
        return Lookup(shown[0], shown[1:], 0.6, tentative=True)

    monkeypatch.setattr(KnowledgeBase, "lookup", lookup)
    yield shown


LIKELY_QUESTION = "老人打疫苗有没得人照顾一下嘛"


def test_a_likely_answer_is_shown_with_the_other_choices(chat: Callable[..., Chat], likely_answer: list) -> None:
    me = chat(transport="simulate")
    reply = me.say(LIKELY_QUESTION)
    first, second, third = likely_answer
    assert first.answer in reply and "您问的可能是" in reply
    assert f"1. {second.question}" in reply and f"2. {third.question}" in reply
    assert (me.last["intent"], me.last["faq_id"]) == ("policy", first.id)
    reply = me.say("2")
    assert third.answer in reply and me.last["faq_id"] == third.id


def test_a_likely_answer_mid_flow_only_offers_and_the_flow_keeps_its_numbers(
    chat: Callable[..., Chat], likely_answer: list
) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    reply = me.say(LIKELY_QUESTION)
    assert likely_answer[0].answer not in reply and ("人数" in reply or "几口人" in reply)
    assert "最多可领" in me.say("3")  # the number went to the request, not to a choice
