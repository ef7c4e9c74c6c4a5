"""A superseded, not-yet-valid or expired measure is never served as current; an old rule is told as such."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge import service
from knowledge.base import KnowledgeBase
from knowledge.models import FaqStatus
from tests.conftest import FrozenClock
from tests.knowledge.conftest import entry_payload


def _by_key(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        rows, _ = service.list_entries(session=session, limit=10_000)
    return {row.key: row for row in rows}


def test_no_superseded_entry_is_served_and_each_points_to_a_live_one(
    knowledge: KnowledgeBase, engine: Engine, content: list[dict[str, Any]]
) -> None:
    rows = _by_key(engine)
    superseded = [raw for raw in content if raw["status"] == "superseded"]
    assert superseded, "the shipped content has superseded 2020–2022 measures"
    for raw in superseded:
        row = rows[raw["key"]]
        assert row.status == FaqStatus.SUPERSEDED
        assert knowledge.get(row.id) is None, raw["key"]
        replacement = rows.get(raw["superseded_by"])
        assert replacement is not None, f"{raw['key']} → {raw['superseded_by']}"
        assert replacement.status == FaqStatus.PUBLISHED and knowledge.get(replacement.id) is not None


def test_an_old_measure_is_only_ever_told_as_no_longer_in_force(
    knowledge: KnowledgeBase, engine: Engine, content: list[dict[str, Any]]
) -> None:
    rows = _by_key(engine)
    told = 0
    for raw in content:
        if raw["status"] != "superseded":
            continue
        old, replacement = rows[raw["key"]], rows[raw["superseded_by"]]
        for text in (raw["question"], *raw["variants"]):
            found = knowledge.lookup(text)
            assert found.current is None or found.current.id != old.id, text
            assert old.id not in [entry.id for entry in found.suggestions], text
            if found.answer is not None and found.answer.id == old.id:
                told += 1
                assert found.answer.superseded and found.answer.superseded_note == raw["superseded_note"], text
                assert found.answer.replaced_by == replacement.id, text
                assert [entry.id for entry in found.suggestions] == [replacement.id], text
    asked = sum(1 + len(raw["variants"]) for raw in content if raw["status"] == "superseded")
    # Most of their own wordings find them; the rest lose to a current entry that answers as well.
    assert told >= 0.7 * asked, f"{told} of {asked}"


def test_the_current_entries_own_wordings_are_not_told_an_old_rule(
    knowledge: KnowledgeBase, content: list[dict[str, Any]]
) -> None:
    """An old rule is looked for only where no current entry is sure: it must not shadow the live content."""
    wordings = [text for raw in content if raw["status"] == "published" for text in (raw["question"], *raw["variants"])]
    told_old = [text for text in wordings if (found := knowledge.lookup(text)).answer and found.answer.superseded]
    assert len(told_old) <= 0.02 * len(wordings), told_old


def test_an_old_rule_whose_replacement_is_gone_is_not_told(
    client: TestClient, admin_headers: dict[str, str], knowledge: KnowledgeBase, engine: Engine
) -> None:
    replacement = client.post(
        "/api/faq", json=entry_payload(question="社区图书角现在几点开门？", key="library-hours"), headers=admin_headers
    ).json()
    old = client.post(
        "/api/faq",
        json=entry_payload(
            question="封闭管理期间社区图书角还借书吗？",
            variants=["封控时候图书角借书不"],
            status="superseded",
            superseded_by="library-hours",
            superseded_on="2023-01-08",
            superseded_note="2023年1月8日起不再封闭管理，图书角按开放时间借书。",
        ),
        headers=admin_headers,
    ).json()
    found = knowledge.lookup("封控时候图书角借书不")
    assert found.answer is not None and found.answer.id == old["id"] and found.answer.superseded
    assert [entry.id for entry in found.suggestions] == [replacement["id"]]

    client.put(f"/api/faq/{replacement['id']}", json={"status": "draft"}, headers=admin_headers)
    found = knowledge.lookup("封控时候图书角借书不")
    assert found.answer is None or found.answer.id != old["id"]


def test_every_published_entry_in_force_is_served(
    knowledge: KnowledgeBase, engine: Engine, content: list[dict[str, Any]]
) -> None:
    rows = _by_key(engine)
    published = [raw for raw in content if raw["status"] == "published" and raw["effective_to"] is None]
    assert all(knowledge.get(rows[raw["key"]].id) is not None for raw in published)
    assert len(knowledge) == len(published)


def test_an_old_rule_replaced_by_another_provinces_entry_offers_it_only_there(
    client: TestClient, admin_headers: dict[str, str], knowledge: KnowledgeBase
) -> None:
    replacement = client.post(
        "/api/faq",
        json=entry_payload(question="重庆社区图书角现在几点开门？", key="cq-library-hours", region="重庆"),
        headers=admin_headers,
    ).json()
    client.post(
        "/api/faq",
        json=entry_payload(
            question="封闭管理期间社区图书角还借书吗？",
            variants=["封控时候图书角借书不"],
            status="superseded",
            superseded_by="cq-library-hours",
            superseded_on="2023-01-08",
            superseded_note="2023年1月8日起不再封闭管理，图书角按开放时间借书。",
        ),
        headers=admin_headers,
    )
    there = knowledge.lookup("封控时候图书角借书不", region="重庆")
    assert there.answer is not None and there.answer.superseded
    assert [entry.id for entry in there.suggestions] == [replacement["id"]]
    elsewhere = knowledge.lookup("封控时候图书角借书不", region="辽宁")
    assert elsewhere.answer is not None and elsewhere.answer.superseded and elsewhere.suggestions == []


def test_marking_an_entry_superseded_stops_serving_it_at_once(
    client: TestClient, admin_headers: dict[str, str], knowledge: KnowledgeBase, engine: Engine
) -> None:
    created = client.post("/api/faq", json=entry_payload(), headers=admin_headers).json()
    assert knowledge.get(created["id"]) is not None
    replacement = next(key for key, row in _by_key(engine).items() if row.status == FaqStatus.PUBLISHED)
    response = client.put(
        f"/api/faq/{created['id']}",
        json={"status": "superseded", "superseded_by": replacement},
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert knowledge.get(created["id"]) is None
    found = knowledge.lookup(created["question"])
    assert found.current is None or found.current.id != created["id"]
    if found.answer is not None and found.answer.id == created["id"]:
        assert found.answer.superseded  # told as an old rule, with what replaced it


def test_an_entry_is_served_only_within_its_effective_dates(
    client: TestClient, admin_headers: dict[str, str], knowledge: KnowledgeBase, clock: FrozenClock
) -> None:
    today = clock.now().date()
    future = client.post(
        "/api/faq",
        json=entry_payload(question="新的便民服务点下周开吗？", effective_from=str(today + timedelta(days=1))),
        headers=admin_headers,
    ).json()
    expired = client.post(
        "/api/faq",
        json=entry_payload(
            question="去年冬天的临时发药点还在吗？",
            effective_from=str(today - timedelta(days=30)),
            effective_to=str(today - timedelta(days=1)),
        ),
        headers=admin_headers,
    ).json()
    current = client.post(
        "/api/faq", json=entry_payload(question="社区图书角几点开门？", effective_to=str(today)), headers=admin_headers
    ).json()
    assert (future["serving"], expired["serving"], current["serving"]) == (False, False, True)
    assert knowledge.get(future["id"]) is None and knowledge.get(expired["id"]) is None
    assert knowledge.get(current["id"]) is not None

    # The day turns: the next lookup notices without anyone editing or restarting.
    knowledge.stale_check_seconds = 0
    clock.advance(days=1)
    knowledge.lookup("随便问问")
    assert knowledge.get(future["id"]) is not None
    assert knowledge.get(current["id"]) is None
    assert knowledge.get(expired["id"]) is None
