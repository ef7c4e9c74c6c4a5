"""The packaged YAML content: validated with the API's rules, loaded once into an empty base."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from knowledge import service
from knowledge.loader import SYSTEM_ACTOR, ContentError, load_builtin_if_empty, load_content, parse_file
from knowledge.models import FaqEntry, FaqRevision
from tests.knowledge.conftest import write_yaml

DOCUMENT = {"key": "test-doc", "title": "测试文件", "short": "测试", "issued": "2023-01-06", "region": "全国"}


def _entry(key: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": key,
        "question": f"{key} 的问题？",
        "variants": ["说法一", "说法二"],
        "answer": "答案。",
        "source": "测试 第一条",
        "category": "检测",
        "region": "全国",
        "effective_from": "2023-01-08",
        "effective_to": None,
        "status": "published",
        "superseded_by": None,
        "superseded_on": None,
        "superseded_note": None,
    }
    entry.update(overrides)
    return entry


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_every_packaged_entry_passes_the_api_rules(content: list[dict[str, Any]]) -> None:
    entries = load_content()
    assert len(entries) == len(content) >= 60
    assert [entry.key for entry in entries] == [raw["key"] for raw in content]


def test_an_empty_base_is_filled_from_the_files_with_a_system_revision_each(
    empty_engine: Engine, content: list[dict[str, Any]]
) -> None:
    with Session(empty_engine) as session:
        assert load_builtin_if_empty(session=session) == len(content)
    with Session(empty_engine) as session:
        rows = session.exec(select(FaqEntry)).all()
        assert Counter(row.status for row in rows) == Counter(raw["status"] for raw in content)
        assert {row.key for row in rows} == {raw["key"] for raw in content}
        revisions = session.exec(select(FaqRevision)).all()
        assert len(revisions) == len(content)
        assert {(r.action, r.actor, r.version) for r in revisions} == {("create", SYSTEM_ACTOR, 1)}
        first = next(raw for raw in content if raw["status"] == "superseded")
        row = service.get_by_key(session=session, key=first["key"])
        assert row is not None and row.superseded_by == first["superseded_by"]
        assert row.effective_to == first["effective_to"] and row.variants == first["variants"]


def test_loading_again_adds_nothing(empty_engine: Engine) -> None:
    with Session(empty_engine) as session:
        first = load_builtin_if_empty(session=session)
    with Session(empty_engine) as session:
        assert load_builtin_if_empty(session=session) == 0
        assert _count(session, FaqEntry) == first


def test_a_base_staff_emptied_on_purpose_is_not_refilled(empty_engine: Engine) -> None:
    with Session(empty_engine) as session:
        load_builtin_if_empty(session=session)
        for entry in session.exec(select(FaqEntry)).all():
            entry.superseded_by = None  # so nothing is still pointed at while deleting
            session.add(entry)
        for entry in session.exec(select(FaqEntry)).all():
            service.delete(session=session, entry=entry, actor="admin1")
        session.commit()
    with Session(empty_engine) as session:
        assert load_builtin_if_empty(session=session) == 0
        assert _count(session, FaqEntry) == 0


def test_two_instances_starting_at_once_load_one_copy(empty_engine: Engine, content: list[dict[str, Any]]) -> None:
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            with Session(empty_engine) as session:
                barrier.wait()
                results.append(load_builtin_if_empty(session=session))
        except BaseException as error:  # reported below, so a failure is not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [0, len(content)]
    with Session(empty_engine) as session:
        assert _count(session, FaqEntry) == len(content)
        assert _count(session, FaqRevision) == len(content)


def test_the_app_loads_the_content_on_first_start(client: TestClient, engine: Engine, content: list[Any]) -> None:
    body = client.get("/healthz").json()
    served = int(body["checks"]["knowledge"].split()[0])
    published = [raw for raw in content if raw["status"] == "published"]
    assert 0 < served <= len(published)
    with Session(engine) as session:
        assert _count(session, FaqEntry) == len(content)


def test_errors_name_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    bad = write_yaml(
        tmp_path / "bad.yaml",
        {
            "document": DOCUMENT,
            "entries": [
                _entry("dates-reversed", effective_from="2023-02-01", effective_to="2023-01-01"),
                _entry("unknown-status", status="retired"),
                _entry("empty-question", question="  "),
                _entry("typo-field", effective_form="2023-01-08"),
                _entry("old-rule", status="superseded", superseded_by=None, superseded_note=None),
            ],
        },
    )
    with pytest.raises(ContentError) as caught:
        parse_file(bad)
    problems = "\n".join(caught.value.problems)
    assert "bad.yaml: entry 'dates-reversed' field 'effective_to':" in problems
    assert "bad.yaml: entry 'unknown-status' field 'status':" in problems
    assert "bad.yaml: entry 'empty-question' field 'question':" in problems
    assert "bad.yaml: entry 'typo-field' field 'effective_form':" in problems
    assert "bad.yaml: entry 'old-rule' field 'superseded_note':" in problems
    assert len(caught.value.problems) == 5


def test_keys_must_be_unique_across_files_and_replacements_must_exist(tmp_path: Path) -> None:
    write_yaml(tmp_path / "a.yaml", {"document": DOCUMENT, "entries": [_entry("same-key")]})
    other = {**DOCUMENT, "key": "test-doc-2"}
    write_yaml(
        tmp_path / "b.yaml",
        {
            "document": other,
            "entries": [
                _entry("same-key"),
                _entry("orphan", status="superseded", superseded_by="no-such-entry", superseded_on="2023-01-08"),
            ],
        },
    )
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "b.yaml: entry 'same-key' field 'key':" in problems
    assert "b.yaml: entry 'orphan' field 'superseded_by':" in problems


def test_a_broken_content_folder_loads_nothing(tmp_path: Path, empty_engine: Engine) -> None:
    write_yaml(tmp_path / "a.yaml", {"document": DOCUMENT, "entries": [_entry("fine"), _entry("bad", answer="")]})
    with Session(empty_engine) as session, pytest.raises(ContentError, match="entry 'bad' field 'answer'"):
        load_builtin_if_empty(session=session, directory=tmp_path)
    with Session(empty_engine) as session:
        assert _count(session, FaqEntry) == 0


def test_folded_yaml_leaves_no_spaces_between_chinese_sentences() -> None:
    for entry in load_content():
        assert "。 " not in entry.answer and "， " not in entry.answer, entry.key
