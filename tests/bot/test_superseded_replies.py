"""A question about an old (2020–2022) rule is told that it no longer applies, what replaced it, and how
to read today's rule; it is never given as current, nor put before a request as today's rule."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from knowledge.models import FaqEntry
from tests.bot.conftest import Chat

# cq2022-sealed-area-supplies, replaced by cq-home-treatment-follow-up
OLD_QUESTION = "封控区的生活物资由谁帮忙购买配送？"


def _entry(engine: Engine, key: str) -> FaqEntry:
    with Session(engine) as session:
        return session.exec(select(FaqEntry).where(FaqEntry.key == key)).one()


def test_an_old_rule_is_told_as_no_longer_in_force_and_1_gives_the_current_one(
    chat: Callable[..., Chat], engine: Engine
) -> None:
    old, current = _entry(engine, "cq2022-sealed-area-supplies"), _entry(engine, "cq-home-treatment-follow-up")
    me = chat(transport="simulate")
    reply = me.say(OLD_QUESTION)
    assert (me.last["intent"], me.last["faq_id"]) == ("policy", old.id)
    first, *rest = reply.splitlines()
    assert first.startswith("这是以前的规定，现在已不再执行。") and old.superseded_note in first
    assert f"以前的规定：{old.answer}" in rest
    assert f"依据：{old.source}（已停止执行）" in rest
    assert rest[-1] == f"回复“1”查看现在的规定：{current.question.rstrip('？')}"

    assert current.answer in me.say("1")
    assert me.last["faq_id"] == current.id


def test_mid_request_an_old_rule_is_told_without_a_number_and_the_request_goes_on(
    chat: Callable[..., Chat], engine: Engine
) -> None:
    current = _entry(engine, "cq-home-treatment-follow-up")
    me = chat(transport="simulate")
    me.say("我要抗原")
    me.say("同意")
    reply = me.say(OLD_QUESTION)
    assert "现在已不再执行" in reply and "回复“1”" not in reply
    assert f"可以问我：“{current.question}”" in reply
    assert "抗原领取还没办完" in reply and "几口人" in reply
    assert "最多可领" in me.say("1")  # "1" answers the request's question, not the old rule's


def test_a_service_question_about_an_old_rule_is_told_it_and_how_to_ask_now(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    reply = me.say("封闭期间糖尿病药谁帮开")  # no question to the community, but about the lockdowns
    assert me.last["intent"] == "policy" and me.last["faq_id"] is not None
    assert reply.startswith("这是以前的规定，现在已不再执行。")
    assert reply.endswith("需要社区帮您买药送药，请回复“买药”。")
    assert "同意" in me.say("买药")  # and the request is one word away


def test_a_service_question_about_today_gets_todays_answer_and_the_offer(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    reply = me.say("社区有抗原发吗")
    assert me.last["intent"] == "policy" and "以前的规定" not in reply and "回复“1”" in reply


def test_a_question_about_the_current_rule_gets_the_current_answer(chat: Callable[..., Chat], engine: Engine) -> None:
    me = chat(transport="simulate")
    reply = me.say("现在进小区还要扫码吗")
    assert me.last["faq_id"] == _entry(engine, "community-measures-adjusted-2023").id
    assert "以前的规定" not in reply


def test_a_request_that_mentions_the_past_is_still_a_request(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    reply = me.say("我妈以前吃的降压药吃完了")
    assert me.last["intent"] == "medicine" and "以前的规定" not in reply and "同意" in reply
