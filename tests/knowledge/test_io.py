"""Import and export of the whole base: round trip, upsert by key, and all-or-nothing validation."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from core.db import create_db_engine
from core.settings import get_settings
from hotline import cli
from knowledge import service
from knowledge.io import FILE_FIELDS, IMPORT_ACTOR, export_file, import_file
from knowledge.loader import CONTENT_DIR, ContentError, load_builtin_if_empty
from knowledge.models import FaqEntry, FaqRevision
from knowledge.schemas import _prose
from tests.knowledge.conftest import write_yaml


@pytest.fixture
def loaded(empty_engine: Engine) -> Engine:
    with Session(empty_engine) as session:
        load_builtin_if_empty(session=session)
    return empty_engine


def _export(engine: Engine, path: Path) -> dict[str, Any]:
    with Session(engine) as session:
        export_file(session=session, path=path)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _revisions(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(FaqRevision)).one()


def _answers(engine: Engine) -> dict[str | None, str]:
    with Session(engine) as session:
        return {row.key: row.answer for row in session.exec(select(FaqEntry))}


def test_export_writes_every_entry_in_the_content_format(
    loaded: Engine, tmp_path: Path, content: list[dict[str, Any]]
) -> None:
    data = _export(loaded, tmp_path / "base.yaml")
    assert set(data) == {"document", "entries"}
    assert {"key", "title", "short", "issued", "region"} <= set(data["document"])
    assert len(data["entries"]) == len(content)
    assert all(tuple(entry) == FILE_FIELDS for entry in data["entries"])
    exported = {entry["key"]: entry for entry in data["entries"]}
    for raw in content:  # drafts and superseded entries too, field for field
        folded = {**raw, "answer": _prose(raw["answer"])}  # the one field tidied on load
        assert exported[raw["key"]] == folded


def test_importing_an_export_changes_nothing(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    _export(loaded, path)
    before = _revisions(loaded)
    with Session(loaded) as session:
        report = import_file(session=session, path=path)
        session.commit()
    assert report.created == [] and report.updated == [] and len(report.unchanged) > 0
    assert _revisions(loaded) == before


def test_import_updates_by_key_and_creates_keyless_entries(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    data = _export(loaded, path)
    edited = data["entries"][0]
    edited["answer"] = "审核后改写的答案。"
    data["entries"].append({"question": "社区图书角几点开门？", "answer": "每天上午九点开门。", "status": "draft"})
    write_yaml(path, data)
    with Session(loaded) as session:
        report = import_file(session=session, path=path)
        session.commit()
    assert report.updated == [edited["key"]] and len(report.created) == 1
    with Session(loaded) as session:
        entry = service.get_by_key(session=session, key=edited["key"])
        assert entry is not None and entry.answer == "审核后改写的答案。" and entry.version == 2
        last = service.history(session=session, faq_id=entry.id or 0)[-1]
        assert (last.action, last.actor, last.changes["answer"][1]) == ("update", IMPORT_ACTOR, "审核后改写的答案。")
        created = service.get_by_key(session=session, key=report.created[0])
        assert created is not None and created.status == "draft"
        assert service.history(session=session, faq_id=created.id or 0)[0].actor == IMPORT_ACTOR


def test_one_bad_entry_imports_nothing_and_is_named(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    data = _export(loaded, path)
    data["entries"][0]["answer"] = "这条修改本身没问题。"
    bad = data["entries"][1]
    bad["effective_from"], bad["effective_to"] = "2023-02-01", "2023-01-01"
    data["entries"].append({"question": "新条目", "answer": "新答案", "status": "archived"})
    write_yaml(path, data)
    answers, revisions = _answers(loaded), _revisions(loaded)
    with Session(loaded) as session, pytest.raises(ContentError) as caught:
        import_file(session=session, path=path, label="base.yaml")
    assert f"base.yaml: entry '{bad['key']}' field 'effective_to':" in caught.value.problems[0]
    assert any(f"entry '#{len(data['entries'])}' field 'status'" in line for line in caught.value.problems)
    assert _answers(loaded) == answers and _revisions(loaded) == revisions


def test_a_replacement_must_exist_in_the_file_or_the_base(loaded: Engine, tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "new.yaml",
        {
            "entries": [
                {"key": "old-rule", "question": "旧规定？", "answer": "旧答案", "status": "superseded",
                 "superseded_by": "no-such-entry"},
                {"key": "older-rule", "question": "更旧的规定？", "answer": "旧答案", "status": "superseded",
                 "superseded_by": "old-rule"},
            ]
        },
    )  # fmt: skip
    with Session(loaded) as session, pytest.raises(ContentError, match="entry 'old-rule' field 'superseded_by'"):
        import_file(session=session, path=path)


# --- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_kb_import_and_export_on_the_command_line(
    cli_env: Path, capsys: pytest.CaptureFixture[str], content: list[dict[str, Any]]
) -> None:
    source = shutil.copy(CONTENT_DIR / "mz_2023_5.yaml", cli_env / "mz.yaml")
    count = len(yaml.safe_load(Path(source).read_text(encoding="utf-8"))["entries"])
    assert cli.main(["kb", "import", str(source), "--dry-run"]) == 0
    engine = create_db_engine(f"sqlite:///{cli_env / 'hotline.db'}")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FaqEntry)).one() == 0
    assert cli.main(["kb", "import", str(source)]) == 0
    assert f"新增 {count} 条" in capsys.readouterr().out

    exported = cli_env / "out.yaml"
    assert cli.main(["kb", "export", str(exported)]) == 0
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert len(data["entries"]) == count

    bad = data["entries"][3]
    bad["effective_to"] = "2020-01-01"
    write_yaml(exported, data)
    assert cli.main(["kb", "import", str(exported)]) == 1
    err = capsys.readouterr().err
    assert f"{exported}: entry '{bad['key']}' field 'effective_to':" in err
    with Session(engine) as session:
        entry = service.get_by_key(session=session, key=bad["key"])
        assert entry is not None and entry.effective_to is None and entry.version == 1
    engine.dispose()
    assert cli.main(["kb", "import", str(cli_env / "missing.yaml")]) == 2


def test_kb_check_validates_the_shipped_content(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["kb", "check"]) == 0
    write_yaml(tmp_path / "bad.yaml", {"document": {"key": "x"}, "entries": [{"key": "a", "question": ""}]})
    assert cli.main(["kb", "check", str(tmp_path)]) == 1
    assert "bad.yaml: entry 'a' field 'question':" in capsys.readouterr().err
