"""Import and export of the whole knowledge base as one YAML file in the content format.

An import is all-or-nothing: every entry is validated (and references resolved) before anything is
written, and the writes share one transaction. Entries are matched by key; keyless ones are created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from core.timeutil import utcnow
from knowledge import service
from knowledge.loader import ContentError, check_consistency, parse_file, problem
from knowledge.models import FaqEntry
from knowledge.schemas import NATIONWIDE, FaqUpdate

IMPORT_ACTOR = "import"
# The order of knowledge/content/README.md, so an export reads like the shipped files.
FILE_FIELDS = (
    "key",
    "question",
    "variants",
    "answer",
    "source",
    "category",
    "region",
    "effective_from",
    "effective_to",
    "status",
    "superseded_by",
    "superseded_on",
    "superseded_note",
)


class _Dumper(yaml.SafeDumper):
    """Long answers as readable blocks rather than one escaped line."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"新增 {len(self.created)} 条，修改 {len(self.updated)} 条，未变 {len(self.unchanged)} 条"


def export_data(*, session: Session) -> dict[str, Any]:
    """The whole base (drafts and superseded entries too) in the content file format."""
    entries = session.exec(select(FaqEntry).order_by(col(FaqEntry.id))).all()
    return {
        "document": {
            "key": "hotline-knowledge-base",
            "title": "社区服务热线政策知识库（导出）",
            "short": "知识库导出",
            "issued": utcnow().date(),
            "region": NATIONWIDE,
        },
        "entries": [{name: getattr(entry, name) for name in FILE_FIELDS} for entry in entries],
    }


def export_file(*, session: Session, path: Path) -> int:
    """Write the whole base to ``path``; returns the number of entries."""
    data = export_data(session=session)
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")
    return len(data["entries"])


def import_file(*, session: Session, path: Path, label: str | None = None, actor: str = IMPORT_ACTOR) -> ImportReport:
    """Validate the whole file, then upsert every entry by key; the caller commits (or rolls back)."""
    name = label or str(path)
    parsed = parse_file(path, require_key=False, require_document=False, label=name)
    known = [key for key in session.exec(select(FaqEntry.key)).all() if key]
    check_consistency([parsed], known_keys=known)
    report = ImportReport()
    for position, entry in enumerate(parsed.entries, start=1):
        where = entry.key or f"#{position}"
        existing = service.get_by_key(session=session, key=entry.key) if entry.key else None
        try:
            if existing is None:
                created = service.create(session=session, faq_in=entry, actor=actor, check_references=False)
                report.created.append(created.key or where)
                continue
            version = existing.version
            update = FaqUpdate.model_validate(entry.model_dump())
            service.update(session=session, entry=existing, faq_in=update, actor=actor, check_references=False)
            (report.updated if existing.version != version else report.unchanged).append(where)
        except service.FaqInvalid as error:
            problems = [problem(name, where, ".".join(map(str, e["loc"])), e["msg"]) for e in error.errors]
            raise ContentError(problems) from error
        except service.FaqError as error:
            raise ContentError([problem(name, where, "key", error.message)]) from error
    return report
