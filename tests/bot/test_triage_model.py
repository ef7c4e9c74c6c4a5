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


def test_a_question_about_the_community_is_not_the_models_emergency(monkeypatch: pytest.MonkeyPatch) -> None:
    """Residents tell the family's situation first; the question about services is a question."""
    always = TriageModel(np.full(triage_model.BUCKETS, 10.0), 10.0, 0.5)
    monkeypatch.setattr("bot.triage.model", lambda: always)
    for text in (
        "我妈住在社区的养老院头 八十五了 现在放开了 里头人多 有没得人专门管防疫这块",
        "老伴儿阳了在屋头躺起 我也七十多了照顾不过来 社区能帮到啥子忙",
        "屋头老汉儿一直不信疫苗 说打了没得用 社区有没得人来宣传讲一下嘛",
    ):
        assert not triage(text).urgent, text
    assert triage("老伴儿阳了在屋头躺起 我也七十多了照顾不过来").flags == ("model",)  # no question: it speaks
    assert triage("我妈喘不上气了 社区能来人吗").urgent  # and the rules still speak on questions


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
