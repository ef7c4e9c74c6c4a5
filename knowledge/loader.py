"""The built-in policy content: YAML files shipped in ``knowledge/content`` that staff can review.

Files are validated with the same rules as the staff API; an error names the file, the entry key and
the field. An empty database is filled from them on first start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from knowledge import service
from knowledge.models import FaqEntry, FaqRevision, FaqStatus
from knowledge.schemas import FaqCreate, Key, Region

CONTENT_DIR = Path(__file__).parent / "content"
SYSTEM_ACTOR = "system"

log = logging.getLogger(__name__)

_FRIENDLY = {"missing": "必填", "extra_forbidden": "未知字段（拼写错了？）"}


class ContentError(ValueError):
    """One or more entries are invalid; each line names the file, the entry and the field."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class DocumentHeader(BaseModel):
    """The policy document a file is written from."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    title: str
    short: str
    issued: date
    region: Region


class FileEntry(FaqCreate):
    """An entry as written in a file: unknown fields are typos, so they are refused."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ParsedFile:
    name: str
    document: DocumentHeader | None
    entries: list[FileEntry]


def problem(filename: str, key: str, field: str, message: str) -> str:
    return f"{filename}: entry {key!r} field {field!r}: {message}"


def _field(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "?"


def _read_yaml(path: Path, name: str) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ContentError([f"{name}: 无法读取：{error}"]) from None


def parse_file(
    path: Path, *, require_key: bool = True, require_document: bool = True, label: str | None = None
) -> ParsedFile:
    """Validate every entry of one file, collecting all problems before raising; ``label`` names it."""
    name = label or path.name
    data = _read_yaml(path, name)
    if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
        raise ContentError([f"{name}: 文件要有 entries 列表（格式见 knowledge/content/README.md）"])
    problems: list[str] = []
    document = None
    if require_document or data.get("document") is not None:
        try:
            document = DocumentHeader.model_validate(data.get("document"))
        except ValidationError as error:
            problems += [f"{name}: document field {_field(e['loc'])!r}: {e['msg']}" for e in error.errors()]
    entries: list[FileEntry] = []
    for position, raw in enumerate(data["entries"], start=1):
        key = str(raw.get("key") or f"#{position}") if isinstance(raw, Mapping) else f"#{position}"
        if not isinstance(raw, Mapping):
            problems.append(problem(name, key, "?", "条目要是一个键值表"))
            continue
        if require_key and not raw.get("key"):
            problems.append(problem(name, key, "key", "必填"))
        try:
            entries.append(FileEntry.model_validate(raw))
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                message = _FRIENDLY.get(detail["type"], detail["msg"])
                problems.append(problem(name, key, _field(detail["loc"]), message))
    if problems:
        raise ContentError(problems)
    return ParsedFile(name, document, entries)


def check_consistency(files: Iterable[ParsedFile], known_keys: Iterable[str] = ()) -> None:
    """Keys unique across files; every superseded_by names an entry that exists."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    files = list(files)
    for parsed in files:
        for entry in parsed.entries:
            if entry.key is None:
                continue
            if entry.key in seen:
                problems.append(problem(parsed.name, entry.key, "key", f"与 {seen[entry.key]} 中的条目重复"))
            seen.setdefault(entry.key, parsed.name)
    keys = set(seen) | set(known_keys)
    for parsed in files:
        for entry in parsed.entries:
            target = entry.superseded_by
            if target is not None and (target not in keys or target == entry.key):
                where = entry.key or "?"
                problems.append(problem(parsed.name, where, "superseded_by", f"找不到取代它的条目 {target!r}"))
    if problems:
        raise ContentError(problems)


def load_content(directory: Path = CONTENT_DIR) -> list[FileEntry]:
    """All entries of the packaged content, validated; raises ContentError listing every problem."""
    files: list[ParsedFile] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            files.append(parse_file(path))
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    check_consistency(files)
    return [entry for parsed in files for entry in parsed.entries]


def _never_filled(session: Session) -> bool:
    # Revisions too: a base that staff emptied on purpose must not be refilled at the next restart.
    no_entry = session.exec(select(FaqEntry.id).limit(1)).first() is None
    return no_entry and session.exec(select(FaqRevision.id).limit(1)).first() is None


def load_builtin_if_empty(*, session: Session, directory: Path = CONTENT_DIR) -> int:
    """Fill a never-filled base from the content files and commit; returns how many were added.

    Two instances starting at once both may see an empty table: the loser's insert hits the unique
    key (or the database lock) and it steps back, leaving the winner's copy.
    """
    if not _never_filled(session):
        return 0
    entries = load_content(directory)
    try:
        for entry in entries:
            service.create(session=session, faq_in=entry, actor=SYSTEM_ACTOR, check_references=False)
        session.commit()
    except (IntegrityError, OperationalError):
        session.rollback()
        if _never_filled(session):
            raise
        log.info("built-in knowledge base was loaded by another instance")
        return 0
    served = sum(1 for entry in entries if entry.status == FaqStatus.PUBLISHED)
    # Superseded and draft entries are kept for the record; /healthz counts only the served ones.
    log.info("loaded %d built-in knowledge base entries, %d of them published and served", len(entries), served)
    return len(entries)
