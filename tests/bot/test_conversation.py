"""Policy questions versus requests, questions in the middle of a flow, and small courtesies."""

from __future__ import annotations

from collections.abc import Callable

from tests.bot.conftest import Chat


def test_a_policy_question_is_answered_by_the_knowledge_base_not_a_flow(chat: Callable[..., Chat]) -> None:
    me = chat()
    reply = me.say("抗原阳性了怎么办")
    assert "同意" not in reply and "几口人" not in reply
    assert me.last.get("intent") in ("policy", "unknown", None)


def test_a_request_starts_its_flow(chat: Callable[..., Chat]) -> None:
    for openid, text in (("oA", "社区有抗原发吗"), ("oB", "我要退烧药"), ("oC", "帮我妈登记一下药")):
        assert "同意" in chat(openid).say(text)


def test_a_policy_question_mid_flow_is_answered_and_the_question_repeated(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    reply = me.say("老人打疫苗有绿色通道吗")
    if me.last.get("faq_id"):
        assert "抗原领取还没办完" in reply and "几口人" in reply
    else:  # the knowledge base could not answer: the question is simply asked again
        assert "人数" in reply or "几口人" in reply
    assert "最多可领" in me.say("3")  # and the flow goes on


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
