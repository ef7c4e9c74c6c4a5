"""The learned second opinion of triage: it adds what the rules miss and never overrides them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sqlmodel import Session

from bench.intent_eval import FOURTH, load
from bot import triage_model
from bot.triage import MODEL_MIN_HANZI, rules_flag, triage
from bot.triage_model import TriageModel, ngram_ids
from tests.bot.conftest import Chat, tickets_of


def test_the_shipped_model_loads_with_a_threshold() -> None:
    model = triage_model.model()
    assert model is not None and 0 < model.threshold < 1
    assert model.weights.shape == (triage_model.BUCKETS,)


def test_it_catches_emergencies_the_rules_miss() -> None:
    missed_by_rules = [c.text for c in load(FOURTH) if c.expect == "emergency" and not rules_flag(c.text)]
    assert missed_by_rules, "the fourth set was written before the rules knew it; some must be the model's"
    caught = [text for text in missed_by_rules if triage(text).flags == ("model",)]
    assert len(caught) >= 0.8 * len(missed_by_rules), set(missed_by_rules) - set(caught)


@pytest.mark.parametrize(
    "text",
    [
        "我妈发烧咳嗽，不喘，血氧97，想要点退烧药",  # a flag named and denied
        "孩子四岁 烧到38度5 想领点美林",  # a reading in range
        "今天去社区医院抽了一管血",  # what the rules exclude on purpose
        "8栋1单元302",  # a flow's answer: too short for the model
        "13812345678",
    ],
)
def test_it_stays_silent_where_the_message_says_there_is_no_emergency(text: str) -> None:
    assert not triage(text).urgent, text


def test_short_answers_never_reach_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    always = TriageModel(np.full(triage_model.BUCKETS, 10.0), 10.0, 0.5)
    monkeypatch.setattr(triage_model, "model", lambda: always)
    monkeypatch.setattr("bot.triage.model", lambda: always)
    assert not triage("王伟 同意").urgent and len("王伟同意") < MODEL_MIN_HANZI
    assert triage("这句话足够长了吧朋友们").flags == ("model",)


@pytest.mark.parametrize(
    "text",
    [
        "老妈突然昏到了，在厨房地上，我扶不起来，社区能来人吗",
        "婆婆脸白得跟纸一样，满头冷汗，手冰凉冰凉的，网格员能帮忙吗",
        "外公笑起来只有一边脸动，口水一直往下流，社区有没有人管",
    ],
)
def test_an_emergency_ending_with_a_question_to_the_community_is_still_one(text: str) -> None:
    """Only the model sees these (the rules miss them); the question after the symptoms must not calm it."""
    assert not rules_flag(text) and triage(text).flags == ("model",), text


@pytest.mark.parametrize(
    "text",
    [
        "我妈八十多了一个人住 社区有没有人定期去看看她",
        "我爸有心脏病 过年我们从外地回去 要注意些啥",
        "老两口都七十多了 阳了在家躺着 村里能不能帮忙买点菜",
        "奶奶九十了 腿脚不好 想打疫苗 能上门打不",
    ],
)
def test_a_familys_situation_before_a_question_about_services_is_not_an_emergency(text: str) -> None:
    assert not triage(text).urgent, text


def test_ngrams_are_stable_across_processes() -> None:
    # crc32, not Python's salted hash: the shipped weights must mean the same in every process.
    assert set(ngram_ids("ab").tolist()) == {h % triage_model.BUCKETS for h in (3904355907, 1908338681, 2659403885)}


def test_an_emergency_only_the_model_sees_gets_the_emergency_reply_and_an_urgent_ticket(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    text = "婆婆脸白得跟纸一样，满头冷汗，手冰凉冰凉的"
    assert not rules_flag(text) and triage(text).flags == ("model",)
    me = chat("oModelOnly")
    reply = me.say(text)
    assert reply.startswith("这可能是急症，请立即拨打 120")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.type == "emergency" and ticket.priority == "urgent"
    assert ticket.details["red_flags"] == ["model"]
