"""Entries with one wording (what staff add through the API, no variants) are answered as surely as built-in ones.

Issue #14: such an entry was offered as a one-item menu ("您是不是想问：1. …") for a plain paraphrase, because
the calibrator had only seen right entries with several wordings agreeing. The second stage of the
calibrator (knowledge/model/calibrator.py) corrects the confidence of one-wording entries only; entries
with variants, and the order of candidates among one-wording entries, stay as the first stage has them.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from knowledge.base import KnowledgeBase
from knowledge.model.calibrator import CALIBRATOR_PATH, ENTRY_FEATURES, Calibrator
from knowledge.retrieval import FaqIndex
from knowledge.scoring import ANSWER_THRESHOLD, Document, confidence
from tests.knowledge.conftest import entry_payload
from tests.knowledge.test_retrieval import FAQ

Headers = dict[str, str]
ONE = ENTRY_FEATURES.index("one_wording")

# Entries written for these tests (not from any benchmark), each with one plain paraphrase a resident
# might send. Before the second stage, beside the built-in content, each scored below ANSWER_THRESHOLD
# (0.31 and 0.37): offered as a menu of one choice.
NEW_ENTRIES = [
    ("社区团购的菜什么时候送到？", "社区团购的菜每天下午送到楼下，找楼栋长领取。", "团购的菜几点送到"),
    ("小区快递柜满了快递放哪里？", "快递柜满了，快递员会放到物业前台代收，凭取件码领取。", "快递柜满了快递咋办"),
]


def _create(client: TestClient, headers: Headers, question: str, answer: str) -> dict[str, Any]:
    payload = entry_payload(question=question, answer=answer, variants=[])
    response = client.post("/api/faq", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(("question", "answer", "asked"), NEW_ENTRIES, ids=[a for _, _, a in NEW_ENTRIES])
def test_an_entry_staff_add_with_one_wording_is_answered_for_a_plain_paraphrase(
    client: TestClient, staff_headers: Headers, knowledge: KnowledgeBase, question: str, answer: str, asked: str
) -> None:
    created = _create(client, staff_headers, question, answer)
    found = knowledge.lookup(asked)
    assert found.answer is not None and found.answer.id == created["id"], found
    assert not found.tentative and found.best_score is not None and found.best_score >= ANSWER_THRESHOLD
    reply = client.post("/api/simulate", json={"openid": "sim-one", "text": asked}, headers=staff_headers).json()
    assert reply["faq_id"] == created["id"] and "您是不是想问" not in reply["reply"], reply


def test_one_wording_is_a_feature_of_the_entry_not_of_its_sentences() -> None:
    entries = [
        Document(1, "怎样选择口罩？买不到口罩怎么办？", answer="按需选择。"),  # one wording cut in two sentences
        Document(2, "用过的一次性口罩如何处理？", ("旧口罩怎么扔",), "丢进有害垃圾桶。"),
        Document(3, "", answer="口罩可以在社区卫生服务站领取。"),  # an answer alone: no wording
    ]
    positions, rows, _, _ = FaqIndex.build(entries).candidates("口罩怎么处理？买不到口罩咋办")
    one = {entries[p].id: rows[i, ONE] for i, p in enumerate(positions)}
    assert one == {1: 1.0, 2: 0.0, 3: 0.0}


def test_entries_with_variants_keep_the_first_stage() -> None:
    """Every entry of FAQ has a variant: the correction changes none of their scores."""
    index = FaqIndex.build(FAQ)
    for query in ["娃儿几岁能打疫苗", "阳了咋整", "过年回老家要注意啥子", "自测盒在哪儿领"]:
        _, rows, _, _ = index.candidates(query)
        assert not rows[:, ONE].any()
        assert confidence(rows) == pytest.approx(confidence(rows, one_wording=False), abs=1e-12)


def test_a_bank_of_one_wording_entries_is_ranked_by_the_first_stage() -> None:
    """The correction says how sure a lone wording is, never which of several is meant."""
    bank = [Document(d.id, d.question, answer=d.answer) for d in FAQ]
    index = FaqIndex.build(bank)
    for query in ["娃儿几岁能打疫苗", "阳了咋整", "过年回老家要注意啥子", "老人打疫苗要排队吗？孩子呢"]:
        positions, rows, _, _ = index.candidates(query)
        first = confidence(rows, one_wording=False)
        expected = [bank[positions[i]].id for i in sorted(range(len(positions)), key=lambda i: -first[i])][:3]
        assert [hit.id for hit in index.search(query, k=3)] == expected, query


def test_the_second_stage_lifts_a_lone_wording_that_plainly_matches() -> None:
    """The same evidence reads as surer for an entry that has no variants that could have agreed."""
    shipped = json.loads(CALIBRATOR_PATH.read_text(encoding="utf-8"))
    before = Calibrator({**_first_stage_only(shipped), "coef": [*shipped["coef"][:ONE], 0.0]})  # as before #14
    index = FaqIndex.build([*FAQ, Document(7, NEW_ENTRIES[0][0], answer=NEW_ENTRIES[0][1])])
    positions, rows, _, _ = index.candidates(NEW_ENTRIES[0][2])
    row = rows[[positions.index(6)]]
    assert row[0, ONE] == 1.0
    assert Calibrator.load().probability(row)[0] >= ANSWER_THRESHOLD > before.probability(row)[0]


def _first_stage_only(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "one_wording"}


def test_a_calibrator_without_a_second_stage_corrects_nothing() -> None:
    calibrator = Calibrator(_first_stage_only(json.loads(CALIBRATOR_PATH.read_text(encoding="utf-8"))))
    rows = np.zeros((2, len(ENTRY_FEATURES)))
    rows[0, ONE] = 1.0
    assert calibrator.correction(rows).tolist() == [0.0, 0.0]
    assert calibrator.probability(rows) == pytest.approx(calibrator.probability(rows, one_wording=False))
