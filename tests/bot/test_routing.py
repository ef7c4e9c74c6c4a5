"""Routing: where the rules chose on words policy questions share, a sure answer of the knowledge base
takes the message; requests, a call for a person and questions about one's own request keep theirs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bench.intent_eval import DATA, FOURTH, FRESH, SECOND, THIRD, load
from bench.policy_eval import load_questions
from bot.intents import Intent, detect
from bot.routing import route
from knowledge.models import FaqEntry, UnansweredQuestion
from tests.bot.conftest import Chat, request_antigen, tickets_of


def _key(db: Callable[[], Session], faq_id: int | None) -> str | None:
    entry = db().get(FaqEntry, faq_id) if faq_id is not None else None
    return entry.key if entry is not None else None


@pytest.mark.parametrize(
    ("text", "ruled", "keys"),
    [
        ("我们楼归哪个网格员管", Intent.HUMAN, {"contact-grid-worker", "grid-responsibility"}),
        ("社工站能帮啥忙", Intent.HUMAN, {"cq2022-social-work-station"}),
        ("楼栋长是干啥的", Intent.HUMAN, {"grid-responsibility"}),
        ("赶场还开不开", Intent.POLICY, {"cq-gatherings-markets-shows"}),  # A不A reads as a question now
        ("阳了在屋头有人管没", Intent.STATUS, {"cq-home-treatment-follow-up", "infected-at-home-national"}),
    ],
)
def test_a_policy_question_the_rules_read_otherwise_is_answered(
    text: str, ruled: Intent, keys: set[str], chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    assert detect(text) == ruled  # what the rules alone would have done
    me = chat(transport="simulate")
    reply = me.say(text)
    assert me.last["intent"] == "policy" and _key(db, me.last["faq_id"]) in keys, reply
    assert "依据" in reply
    assert tickets_of(db(), me.openid) == []  # no hand-over ticket for a question about a person


def test_the_answer_says_how_to_make_the_request_the_rules_had_read(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    assert "回复“转人工”" in me.say("社工站能帮啥忙")
    # Status is taken only from a resident with nothing open: no progress to point at.
    assert "进度" not in chat("oOther", transport="simulate").say("阳了在屋头有人管没")


def test_a_sure_answer_about_a_service_says_how_to_ask_for_it(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    reply = me.say("布洛芬怎么吃")
    assert me.last["intent"] == "policy" and me.last["faq_id"] is not None
    assert reply.rstrip().endswith("要社区帮您买药的话回复“1”，我帮您登记。")
    assert "回复“1”" not in chat("oOther", transport="simulate").say("老人打疫苗有绿色通道吗")
    # Someone whose test was positive is not offered kits.
    positive = chat("oPositive", transport="simulate")
    assert "要抗原" not in positive.say("抗原阳性了怎么办") and positive.last["faq_id"] is not None


@pytest.mark.parametrize(
    "text", ["转人工", "我要找网格员", "帮我找下我们楼的网格员", "网格员电话多少", "咨询一下工作人员"]
)
def test_asking_for_a_person_still_hands_over(text: str, chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    me.say(text)
    assert me.last["intent"] == "human" and me.last["faq_id"] is None


def test_someone_waiting_for_a_request_is_asked_about_it(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    request_antigen(me)
    reply = me.say("阳了在屋头有人管没")
    assert me.last["intent"] == "status" and "正在办理" in reply


@pytest.mark.parametrize("text", ["家里要抗原", "我妈的降压药吃完了", "能不能帮我买点退烧药"])
def test_a_need_starts_its_request(text: str, chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    assert "同意" in me.say(text)
    assert me.last["intent"] in ("antigen", "medicine") and me.last["faq_id"] is None


@pytest.mark.parametrize("text", ["社区有抗原发吗", "社区还有抗原发吗", "社区可以送药吗", "能不能联系医院"])
def test_a_question_about_a_service_is_answered_first_and_offered_second(
    text: str, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    """Issue #14, decision 3: never a bare consent form in reply to a question."""
    me = chat(transport="simulate")
    reply = me.say(text)
    assert me.last["intent"] == "policy" and "同意" not in reply, reply
    assert reply.rstrip().endswith("回复“1”，我帮您登记。") and "依据" in reply
    assert tickets_of(db(), me.openid) == []
    assert "同意" in me.say("1")  # the offer taken: the request starts, consent first
    assert me.last["intent"] in ("antigen", "medicine", "referral")


def test_the_rule_comes_before_the_offer_when_the_base_is_sure(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat(transport="simulate")
    reply = me.say("社区有抗原发吗")
    assert me.last["intent"] == "policy" and _key(db, me.last["faq_id"]) == "antigen-from-community"
    assert reply.rstrip().endswith("要抗原的话回复“1”，我帮您登记。")
    assert "同意" in me.say("1") and me.last["intent"] == "antigen"
    assert "几口人" in me.say("同意")  # the request goes on as before
    # Asked for outright, the request starts at once, with no rule before it.
    other = chat("oOther", transport="simulate")
    assert "依据" not in other.say("我要抗原") and other.last["faq_id"] is None


def test_the_offer_lasts_one_message(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    me.say("社区可以送药吗")
    me.say("老人打疫苗有绿色通道吗")
    me.say("1")
    assert me.last["intent"] != "medicine"  # "1" is the menu's again


@pytest.mark.parametrize("text", ["新年快乐", "早上好呀", "蓝色的大象飞过去了"])
def test_small_talk_and_noise_are_not_answered_from_the_base_nor_logged(
    text: str, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat(transport="simulate")
    me.say(text)
    assert me.last["faq_id"] is None and me.last["intent"] != "policy"
    assert db().exec(select(UnansweredQuestion)).all() == []


@pytest.mark.parametrize(
    "path", [DATA, FRESH, SECOND, THIRD, FOURTH], ids=["ours", "fresh", "second", "third", "fourth"]
)
def test_routing_loses_no_message_the_rules_got_right(path: object, client: TestClient) -> None:
    """The labelled intent sets (bench/intent_eval.py --with-knowledge): the knowledge base takes none
    of the requests, calls for a person, status questions or small talk the rules read right."""
    knowledge = client.app.state.knowledge  # type: ignore[attr-defined]
    lost = []
    for case in load(path):  # type: ignore[arg-type]
        ruled = detect(case.text)
        routed = route(case.text, knowledge, "", lambda: False).intent
        if ruled == case.expect and routed != ruled:
            lost.append((case.expect, routed, case.text))
    assert lost == []


def test_mid_request_a_question_about_a_person_is_answered_and_the_request_goes_on(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat(transport="simulate")
    me.say("我要抗原")
    me.say("同意")
    reply = me.say("楼栋长是干啥的")
    assert me.last["faq_id"] is not None and "楼栋长" in reply
    assert "几口人" in reply  # the pending question, asked again
    assert tickets_of(db(), me.openid) == []  # nobody was handed the chat
    assert "最多可领" in me.say("3")


def test_a_vaccination_question_naming_a_hospital_gets_no_referral_hint(chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    reply = me.say("老人去医院打疫苗有绿色通道吗")
    assert me.last["intent"] == "policy" and me.last["faq_id"] is not None
    assert "联系医院" not in reply


def test_few_of_our_policy_questions_are_routed_away_from_the_knowledge_base(client: TestClient) -> None:
    """bench/policy_eval.py --through-bot measures the answers; this holds routing's share of them. Of
    the 128 policy questions of bench/data/policy_questions.yaml, 12 start a request without the base's
    answer before it (bench/policy_eval.md, ninth pass); by the rules alone, 32 went elsewhere."""
    knowledge = client.app.state.knowledge  # type: ignore[attr-defined]
    policy = [text for text, expect in load_questions() if expect]
    away = []
    for text in policy:
        routed = route(text, knowledge, "", lambda: False)
        if routed.intent != Intent.POLICY and routed.lookup is None:
            away.append(text)
    assert len(policy) >= 120
    assert len(away) <= 12, away


@pytest.mark.parametrize("text", ["新年快乐", "祝您春节快乐！", "早上好"])
def test_a_greeting_is_returned(text: str, chat: Callable[..., Chat]) -> None:
    reply = chat().say(text)
    assert reply.startswith("您好！") and "帮不上忙" not in reply


def test_mid_request_a_question_about_another_service_gets_the_rule_and_that_request(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat(transport="simulate")
    me.say("我要退烧药")
    me.say("同意")
    reply = me.say("社区有抗原发吗")
    assert _key(db, me.last["faq_id"]) == "antigen-from-community" and me.last["intent"] == "antigen"
    assert "依据" in reply and "几口人" in reply
