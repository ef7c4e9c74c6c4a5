"""Invariants of the shipped policy content (knowledge/content/*.yaml), independent of any loader.

Each test checks something a reviewer or the bot relies on: the files parse, every entry is complete,
keys are unique, superseded entries point at a live replacement, answers stay short, categories come
from the README's fixed set, and the held-out benchmark only names entries that exist.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "knowledge" / "content"
QUESTIONS_FILE = ROOT / "bench" / "data" / "policy_questions.yaml"
BLIND_FILE = ROOT / "bench" / "data" / "policy_questions_blind.yaml"
BLIND2_FILE = ROOT / "bench" / "data" / "policy_questions_blind2.yaml"
BLIND3_FILE = ROOT / "bench" / "data" / "policy_questions_blind3.yaml"
DEV_FILE = ROOT / "bench" / "data" / "policy_questions_dev.yaml"
# Resident-style questions the calibrator is fitted on (knowledge/train_calibrator.py): the same rules
# hold, and none of them may be a held-out question either.
CALIBRATION_FILE = ROOT / "knowledge" / "model" / "calibration_questions.yaml"
QUESTION_FILES = pytest.mark.parametrize(
    "path",
    [QUESTIONS_FILE, BLIND_FILE, BLIND2_FILE, BLIND3_FILE, DEV_FILE, CALIBRATION_FILE],
    ids=["held-out", "blind", "blind2", "blind3", "dev", "calibration"],
)

STATUSES = {"published", "superseded", "draft"}
# Residents word the same question many ways; more variants help, an endless list hides overlaps.
MAX_VARIANTS = 25
REQUIRED_DOCUMENT_FIELDS = ("key", "title", "short", "issued", "region")
REQUIRED_ENTRY_FIELDS = (
    "key",
    "question",
    "variants",
    "answer",
    "source",
    "category",
    "region",
    "effective_from",
    "status",
)
ALL_ENTRY_FIELDS = (
    *REQUIRED_ENTRY_FIELDS,
    "effective_to",
    "superseded_by",
    "superseded_on",
    "superseded_note",
)
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ANSWER_HAN = 200
HAN = re.compile(r"[\u4e00-\u9fff]")


def content_files() -> list[Path]:
    return sorted(CONTENT_DIR.glob("*.yaml"))


def load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def all_entries() -> list[tuple[str, dict]]:
    return [(path.name, entry) for path in content_files() for entry in load(path)["entries"]]


def readme_categories() -> set[str]:
    text = (CONTENT_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- categories:start -->(.*?)<!-- categories:end -->", text, re.S)
    assert block, "README.md must list the fixed categories between the categories markers"
    names = re.findall(r"^- ([^：:\s]+)[：:]", block.group(1), re.M)
    return set(names)


def as_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) and v.strip() for v in value)
    return True


def test_content_files_exist() -> None:
    assert len(content_files()) >= 5
    assert (CONTENT_DIR / "README.md").is_file()


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.name)
def test_file_parses_with_document_and_entries(path: Path) -> None:
    data = load(path)
    assert isinstance(data, dict), f"{path.name}: top level must be a mapping"
    assert set(data) == {"document", "entries"}, f"{path.name}: only document and entries allowed"
    document = data["document"]
    for field in REQUIRED_DOCUMENT_FIELDS:
        assert filled(document.get(field)), f"{path.name}: document.{field} missing or empty"
    assert KEY_PATTERN.match(document["key"]), f"{path.name}: bad document key {document['key']!r}"
    as_date(document["issued"])
    assert isinstance(data["entries"], list) and data["entries"], f"{path.name}: no entries"


def test_document_keys_unique() -> None:
    keys = [load(path)["document"]["key"] for path in content_files()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("filename", "entry"), all_entries(), ids=lambda v: v if isinstance(v, str) else "")
def test_entry_complete_and_well_formed(filename: str, entry: dict) -> None:
    key = entry.get("key", "?")
    where = f"{filename}:{key}"
    assert set(entry) == set(ALL_ENTRY_FIELDS), f"{where}: fields differ: {sorted(set(entry) ^ set(ALL_ENTRY_FIELDS))}"
    for field in REQUIRED_ENTRY_FIELDS:
        assert filled(entry[field]), f"{where}: {field} missing or empty"
    assert KEY_PATTERN.match(key), f"{where}: key must be lowercase-hyphen"
    assert entry["status"] in STATUSES, f"{where}: status {entry['status']!r}"
    assert "依据" not in entry["answer"], f"{where}: the bot appends the 依据 line itself"
    minimum = 5 if entry["status"] == "published" else 2
    assert minimum <= len(entry["variants"]) <= MAX_VARIANTS, f"{where}: {len(entry['variants'])} variants"
    assert len(set(entry["variants"])) == len(entry["variants"]), f"{where}: duplicate variants"
    assert entry["question"] not in entry["variants"], f"{where}: a variant repeats the question"
    start, end = as_date(entry["effective_from"]), as_date(entry["effective_to"])
    if start and end:
        assert start <= end, f"{where}: effective_from after effective_to"


@pytest.mark.parametrize(("filename", "entry"), all_entries(), ids=lambda v: v if isinstance(v, str) else "")
def test_answer_is_short(filename: str, entry: dict) -> None:
    han = len(HAN.findall(entry["answer"]))
    assert han <= MAX_ANSWER_HAN, f"{filename}:{entry['key']}: answer has {han} Chinese characters"


@pytest.mark.parametrize(("filename", "entry"), all_entries(), ids=lambda v: v if isinstance(v, str) else "")
def test_source_cites_the_files_short_name(filename: str, entry: dict) -> None:
    short = load(CONTENT_DIR / filename)["document"]["short"]
    assert entry["source"].startswith(short), f"{filename}:{entry['key']}: source must start with {short!r}"


def test_entry_keys_unique_across_files() -> None:
    seen: dict[str, str] = {}
    for filename, entry in all_entries():
        assert entry["key"] not in seen, f"{entry['key']} in both {seen.get(entry['key'])} and {filename}"
        seen[entry["key"]] = filename


def test_categories_come_from_readme() -> None:
    allowed = readme_categories()
    assert len(allowed) >= 10
    unknown = {(e["key"], e["category"]) for _, e in all_entries() if e["category"] not in allowed}
    assert not unknown, f"categories not in README: {sorted(unknown)}"


def test_superseded_entries_point_at_published_replacements() -> None:
    by_key = {entry["key"]: entry for _, entry in all_entries()}
    for filename, entry in all_entries():
        where = f"{filename}:{entry['key']}"
        fields = ("superseded_by", "superseded_on", "superseded_note")
        if entry["status"] != "superseded":
            assert all(entry[f] is None for f in fields), f"{where}: superseded fields on a live entry"
            continue
        assert all(filled(entry[f]) for f in fields), f"{where}: superseded_by/on/note required"
        target = by_key.get(entry["superseded_by"])
        assert target is not None, f"{where}: superseded_by {entry['superseded_by']!r} does not exist"
        assert target["status"] == "published", f"{where}: replacement {target['key']} is not published"
        assert target["key"] != entry["key"]
        on = as_date(entry["superseded_on"])
        assert on and on >= as_date(entry["effective_from"]), f"{where}: superseded before it took effect"
        end = as_date(entry["effective_to"])
        assert end is not None and end < on, f"{where}: effective_to must end before superseded_on"
        replacement_start = as_date(target["effective_from"])
        assert replacement_start and replacement_start >= as_date(entry["effective_from"]), (
            f"{where}: replacement {target['key']} is older than the entry it replaces"
        )


def test_published_entries_have_no_end_in_the_past_of_their_start() -> None:
    for filename, entry in all_entries():
        if entry["status"] == "published" and entry["effective_to"] is not None:
            assert as_date(entry["effective_to"]) >= as_date(entry["effective_from"]), filename


def held_out(path: Path = QUESTIONS_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["questions"]


@QUESTION_FILES
def test_question_set_shape(path: Path) -> None:
    items = held_out(path)
    assert len(items) >= 120
    none_items = [item for item in items if item["expect"] == "none"]
    assert len(none_items) >= 20
    for item in items:
        assert filled(item.get("q")), item
        assert item.get("expect"), item


@QUESTION_FILES
def test_expectations_name_entries_the_bot_can_answer_with(path: Path) -> None:
    """Published entries, or superseded ones: a question about an old rule is told it no longer applies."""
    status = {entry["key"]: entry["status"] for _, entry in all_entries()}
    missing, not_live = [], []
    for item in held_out(path):
        expect = item["expect"]
        if expect in ("none", "uncovered"):  # uncovered: a gap in the content, counted as a miss
            continue
        for key in [expect] if isinstance(expect, str) else expect:
            if key not in status:
                missing.append((item["q"], key))
            elif status[key] not in ("published", "superseded"):
                not_live.append((item["q"], key))
    assert not missing, f"expect keys not in content: {missing}"
    assert not not_live, f"expect keys that are drafts: {not_live}"


# Short questions the blind sets' writers, who never saw the content, wrote word for word like variants
# that were already there (checked against the content of the commit before the set was written).
SAME_BY_CHANCE = {
    "健康包是啥",
    "多大岁数算重点人群",
    "渝快社区是啥",
    "孤寡老人多久联系一次",
    "网格员能轮休吗",  # blind2
    "最新防疫政策在哪看",  # blind2
}


@QUESTION_FILES
def test_questions_not_copied_into_variants(path: Path) -> None:
    variants = {v for _, entry in all_entries() for v in (entry["question"], *entry["variants"])}
    copied = [item["q"] for item in held_out(path) if item["q"] in variants - SAME_BY_CHANCE]
    assert not copied, f"questions copied into the content: {copied}"


def test_calibration_questions_are_not_held_out_questions() -> None:
    """Fitting on a held-out question would make bench/policy_eval.py measure its own training data."""
    held = {
        re.sub(r"\W", "", str(item["q"]))
        for path in (QUESTIONS_FILE, BLIND_FILE, BLIND2_FILE, BLIND3_FILE, DEV_FILE)
        for item in held_out(path)
    }
    overlap = [item["q"] for item in held_out(CALIBRATION_FILE) if re.sub(r"\W", "", item["q"]) in held]
    assert not overlap, overlap
