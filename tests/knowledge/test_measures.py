"""Coverage of the seeds' resident-facing measures (knowledge/measures.yaml, issue #14).

The list was written from the five seed documents by someone who had not read the knowledge base; each
measure names the entry (`entry`, or `entries` when two together state it) whose answer gives its
specifics, or `entry: null` with a one-line `why` when it is internal administration no resident asks
about. These tests keep the list and the content in step: every measure is mapped, every named entry
exists, and one term of each `key_terms` group appears in the answer (spaces ignored), so an answer that
paraphrases the document without the number, frequency, place or handout asked for fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MEASURES_FILE = ROOT / "knowledge" / "measures.yaml"
CONTENT_DIR = ROOT / "knowledge" / "content"
ERAS = {"2023", "2020-2022"}
# Few measures may be left unanswered, and each must say why.
MAX_NULL_SHARE = 0.15


def measures() -> list[dict[str, Any]]:
    with MEASURES_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["measures"]


def entries_by_key() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            found[entry["key"]] = entry
    return found


def named_entries(measure: dict[str, Any]) -> list[str]:
    if "entries" in measure:
        return list(measure["entries"])
    return [] if measure.get("entry") is None else [measure["entry"]]


def compact(text: str) -> str:
    return "".join(text.split())


MAPPED = [m for m in measures() if named_entries(m)]


def test_file_parses_with_measures() -> None:
    items = measures()
    assert len(items) >= 150
    for m in items:
        for field in ("id", "doc", "where", "era", "measure", "key_terms"):
            assert m.get(field), f"{m.get('id', '?')}: {field} missing or empty"
        assert m["era"] in ERAS, f"{m['id']}: era {m['era']!r}"


def test_ids_unique() -> None:
    ids = [m["id"] for m in measures()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates


def test_key_terms_are_groups_of_terms() -> None:
    for m in measures():
        groups = m["key_terms"]
        assert isinstance(groups, list) and groups, m["id"]
        for group in groups:
            assert isinstance(group, list) and group, f"{m['id']}: {group!r}"
            assert all(isinstance(t, str) and compact(t) for t in group), f"{m['id']}: {group!r}"


def test_every_measure_is_mapped_or_says_why_not() -> None:
    for m in measures():
        has_entry, has_entries = "entry" in m, "entries" in m
        assert has_entry != has_entries, f"{m['id']}: give exactly one of entry / entries"
        if has_entries:
            keys = m["entries"]
            assert isinstance(keys, list) and len(keys) >= 2, f"{m['id']}: entries lists two or more keys"
            assert len(set(keys)) == len(keys), f"{m['id']}: entries repeats a key"
            assert "why" not in m, f"{m['id']}: why only explains entry: null"
        elif m["entry"] is None:
            assert isinstance(m.get("why"), str) and m["why"].strip(), f"{m['id']}: entry: null needs a why"
        else:
            assert isinstance(m["entry"], str) and m["entry"].strip(), f"{m['id']}: entry must be a key"
            assert "why" not in m, f"{m['id']}: why only explains entry: null"


def test_unmapped_measures_are_few() -> None:
    items = measures()
    unmapped = [m["id"] for m in items if not named_entries(m)]
    assert len(unmapped) < MAX_NULL_SHARE * len(items), unmapped


def test_named_entries_exist() -> None:
    known = entries_by_key()
    missing = [(m["id"], key) for m in MAPPED for key in named_entries(m) if key not in known]
    assert not missing, missing


def test_current_measures_map_to_entries_in_force() -> None:
    """A 2023 measure is told as the current rule, never only by an old (superseded) entry."""
    known = entries_by_key()
    for m in MAPPED:
        if m["era"] == "2023":
            statuses = {known[key]["status"] for key in named_entries(m) if key in known}
            assert statuses == {"published"}, f"{m['id']}: {statuses}"


@pytest.mark.parametrize("measure", MAPPED, ids=lambda m: m["id"])
def test_key_terms_appear_in_the_answer(measure: dict[str, Any]) -> None:
    known = entries_by_key()
    keys = named_entries(measure)
    assert all(key in known for key in keys), keys
    answer = "".join(compact(known[key]["answer"]) for key in keys)
    missing = [group for group in measure["key_terms"] if not any(compact(term) in answer for term in group)]
    assert not missing, f"{measure['id']} → {', '.join(keys)}: answer lacks one of each of {missing}"
