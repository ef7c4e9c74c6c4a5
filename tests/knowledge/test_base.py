"""The live base: the answer / suggest / log decision, regional serving, and keeping the index fresh."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from knowledge import base as base_module
from knowledge import service
from knowledge.base import KnowledgeBase, region_key
from knowledge.loader import load_builtin_if_empty
from knowledge.models import FaqEntry, UnansweredQuestion
from knowledge.schemas import FaqCreate, FaqUpdate
from knowledge.scoring import ANSWER_THRESHOLD, LIKELY_GAP, LIKELY_THRESHOLD, SUGGEST_THRESHOLD, Document, Hit


@pytest.fixture
def loaded(empty_engine: Engine) -> Engine:
    with Session(empty_engine) as session:
        load_builtin_if_empty(session=session)
    return empty_engine


@pytest.fixture
def kb(loaded: Engine) -> KnowledgeBase:
    knowledge = KnowledgeBase(loaded)
    knowledge.refresh()
    return knowledge


def _id(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        entry = service.get_by_key(session=session, key=key)
        assert entry is not None and entry.id is not None
        return entry.id


# --- thresholds, with a scripted index so each band is hit exactly ---------------------------------


class ScriptedIndex:
    """Stands in for FaqIndex: answers each query with the (question, score) pairs scripted for it."""

    script: ClassVar[dict[str, list[tuple[str, float]]]] = {}

    def __init__(self, docs: list[Document]) -> None:
        self.by_question = {doc.question: doc.id for doc in docs}

    @classmethod
    def build(cls, docs: Iterable[Document]) -> ScriptedIndex:
        return cls(list(docs))

    def search(self, query: str, k: int = 3) -> list[Hit]:
        pairs = [(q, s) for q, s in self.script.get(query, []) if q in self.by_question]
        return [Hit(id=self.by_question[q], score=s, matched=q) for q, s in pairs][:k]


@pytest.fixture
def scripted(loaded: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[KnowledgeBase, list[str]]]:
    monkeypatch.setattr(base_module, "FaqIndex", ScriptedIndex)
    knowledge = KnowledgeBase(loaded)
    knowledge.refresh()
    with Session(loaded) as session:
        questions = [
            row.question
            for row in session.exec(select(FaqEntry).where(FaqEntry.status == "published", FaqEntry.region == "全国"))
        ][:4]
    yield knowledge, questions
    ScriptedIndex.script = {}


def test_at_or_above_the_answer_threshold_the_best_entry_answers(scripted: tuple[KnowledgeBase, list[str]]) -> None:
    knowledge, (first, second, *_) = scripted
    ScriptedIndex.script = {"q": [(first, ANSWER_THRESHOLD), (second, ANSWER_THRESHOLD - 0.01)]}
    found = knowledge.lookup("q")
    assert found.answer is not None and found.answer.question == first
    assert found.suggestions == [] and found.best_score == ANSWER_THRESHOLD


def test_in_the_middle_band_the_closest_questions_are_offered(scripted: tuple[KnowledgeBase, list[str]]) -> None:
    knowledge, (first, second, third, fourth) = scripted
    not_likely = LIKELY_THRESHOLD - 0.001
    ScriptedIndex.script = {
        "q": [(first, not_likely), (second, SUGGEST_THRESHOLD), (third, SUGGEST_THRESHOLD - 0.001), (fourth, 0.1)]
    }
    found = knowledge.lookup("q")
    assert found.answer is None and not found.tentative
    assert [entry.question for entry in found.suggestions] == [first, second]
    assert found.best_score == not_likely


def test_a_close_race_in_the_middle_band_is_offered_not_answered(scripted: tuple[KnowledgeBase, list[str]]) -> None:
    knowledge, (first, second, *_) = scripted
    just_below = ANSWER_THRESHOLD - 0.001
    ScriptedIndex.script = {"q": [(first, just_below), (second, just_below - LIKELY_GAP + 0.002)]}
    found = knowledge.lookup("q")
    assert found.answer is None and [entry.question for entry in found.suggestions] == [first, second]


def test_a_clear_leader_in_the_middle_band_is_answered_tentatively(scripted: tuple[KnowledgeBase, list[str]]) -> None:
    knowledge, (first, second, third, _) = scripted
    ScriptedIndex.script = {
        "q": [(first, LIKELY_THRESHOLD), (second, LIKELY_THRESHOLD - LIKELY_GAP), (third, SUGGEST_THRESHOLD - 0.001)],
        "alone": [(first, LIKELY_THRESHOLD)],
    }
    found = knowledge.lookup("q")
    assert found.tentative and found.answer is not None and found.answer.question == first
    assert [entry.question for entry in found.suggestions] == [second]
    alone = knowledge.lookup("alone")
    assert alone.tentative and alone.answer is not None and alone.suggestions == []


def test_below_the_suggest_threshold_nothing_is_offered(scripted: tuple[KnowledgeBase, list[str]]) -> None:
    knowledge, (first, *_) = scripted
    ScriptedIndex.script = {"q": [(first, SUGGEST_THRESHOLD - 0.001)]}
    found = knowledge.lookup("q")
    assert (found.answer, found.suggestions, found.best_score) == (None, [], SUGGEST_THRESHOLD - 0.001)
    assert knowledge.lookup("nothing scripted") == base_module.Lookup(None, [], None)


# --- the real index --------------------------------------------------------------------------------


def test_a_shipped_question_is_answered_and_nonsense_is_not(
    kb: KnowledgeBase, loaded: Engine, content: list[dict[str, Any]]
) -> None:
    entry = next(raw for raw in content if raw["status"] == "published" and raw["region"] == "全国")
    found = kb.lookup(entry["question"])
    assert found.answer is not None and found.answer.id == _id(loaded, entry["key"])
    assert found.best_score is not None and found.best_score >= ANSWER_THRESHOLD
    assert kb.lookup("明天股票会涨吗").answer is None


def test_unanswered_questions_are_counted_by_wording(loaded: Engine) -> None:
    with Session(loaded) as session:
        for text in ("明天股票会涨吗", "明天股票会涨吗？", "火锅哪家好吃"):
            KnowledgeBase.log_unanswered(session=session, text=text, openid="o1", best=0.1)
        session.commit()
        rows = {row.text: row.count for row in session.exec(select(UnansweredQuestion))}
    assert rows == {"明天股票会涨吗": 2, "火锅哪家好吃": 1}


# --- regions ---------------------------------------------------------------------------------------


def _served_ids(knowledge: KnowledgeBase, text: str, region: str | None) -> list[int]:
    found = knowledge.lookup(text, region=region)
    return ([found.answer.id] if found.answer else []) + [entry.id for entry in found.suggestions]


def test_a_regional_entry_is_served_only_in_its_region(
    kb: KnowledgeBase, loaded: Engine, content: list[dict[str, Any]]
) -> None:
    regional = [raw for raw in content if raw["status"] == "published" and raw["region"] == "重庆"]
    assert regional
    for raw in regional:
        faq_id = _id(loaded, raw["key"])
        assert kb.lookup(raw["question"], region="重庆").answer.id == faq_id  # type: ignore[union-attr]
        assert kb.lookup(raw["question"], region="重庆市").answer.id == faq_id  # type: ignore[union-attr]
        assert kb.lookup(raw["question"], region="").answer.id == faq_id  # type: ignore[union-attr]
        for elsewhere in ("辽宁", "北京"):
            assert faq_id not in _served_ids(kb, raw["question"], elsewhere), (raw["key"], elsewhere)


def test_nationwide_entries_are_served_everywhere(
    kb: KnowledgeBase, loaded: Engine, content: list[dict[str, Any]]
) -> None:
    entry = next(raw for raw in content if raw["status"] == "published" and raw["region"] == "全国")
    for region in (None, "", "重庆", "辽宁", "北京"):
        found = kb.lookup(entry["question"], region=region)
        assert found.answer is not None and found.answer.id == _id(loaded, entry["key"]), region


def test_region_names_compare_without_their_suffix() -> None:
    assert region_key("重庆市") == region_key("重庆") == "重庆"
    assert region_key("辽宁省") == "辽宁" and region_key(" ") == "" and region_key(None) == ""


# --- freshness -------------------------------------------------------------------------------------


def test_refresh_swaps_in_what_was_written(kb: KnowledgeBase, loaded: Engine) -> None:
    before = len(kb)
    new = FaqCreate(question="社区图书角几点开门？", answer="每天上午九点开门。", variants=["图书角开放时间"])
    with Session(loaded) as session:
        faq_id = service.create(session=session, faq_in=new, actor="admin1").id
        session.commit()
    assert kb.get(faq_id) is None  # not served until the index is rebuilt
    assert kb.refresh() == before + 1
    assert kb.lookup("社区图书角几点开门？").answer.id == faq_id  # type: ignore[union-attr]


def test_an_edit_from_another_instance_is_noticed_by_the_next_lookup(kb: KnowledgeBase, loaded: Engine) -> None:
    wording = "楼下那个蓝色小亭子现在归谁管呀"
    with Session(loaded) as session:
        entry = session.exec(select(FaqEntry).where(FaqEntry.status == "published")).first()
        assert entry is not None
        faq_id = entry.id
        update = FaqUpdate(variants=[*entry.variants, wording])
        service.update(session=session, entry=entry, faq_in=update, actor="import")
        session.commit()
    kb.stale_check_seconds = 3600
    assert not kb.refresh_if_stale(), "checked at most once per interval"
    kb.stale_check_seconds = 0
    found = kb.lookup(wording)
    assert found.answer is not None and found.answer.id == faq_id
    assert not kb.refresh_if_stale(), "nothing changed since"
