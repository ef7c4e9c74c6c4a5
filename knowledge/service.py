"""Editing the knowledge base: every change is a new version with a revision saying who changed what.

Functions flush but do not commit, so an import can apply many edits in one transaction; the caller
commits and then calls ``KnowledgeBase.refresh()`` so the bot serves the edit at once.

Deletion is a hard delete plus a ``delete`` revision holding the whole entry: the entry leaves the
table (so keys, filters and counts never need a "deleted" exception), while its history, ending with
that snapshot, stays readable and restorable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from core.timeutil import utcnow
from knowledge.models import FaqEntry, FaqRevision, FaqStatus, UnansweredQuestion
from knowledge.schemas import EDITABLE_FIELDS, FaqCreate, FaqUpdate

Changes = dict[str, list[Any]]


class FaqError(Exception):
    """Base of the knowledge-base errors; ``code`` is stable, the message is for staff."""

    code = "faq_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FaqInvalid(FaqError):
    """The entry breaks a rule; ``errors`` are pydantic-style dicts whose ``loc`` names the field."""

    code = "faq_invalid"

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        self.errors = [dict(error) for error in errors]
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in self.errors))


class FaqConflict(FaqError):
    """The edit was made on an older version, or would leave another entry pointing nowhere."""

    code = "faq_conflict"


def field_error(field: str, message: str, kind: str = "value_error") -> FaqInvalid:
    return FaqInvalid([{"type": kind, "loc": (field,), "msg": message}])


def _plain(value: Any) -> Any:
    """A JSON-safe value for the revision log."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def snapshot(entry: FaqEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in EDITABLE_FIELDS}


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in EDITABLE_FIELDS
        if before.get(name) != after.get(name)
    }


def _validate(values: Mapping[str, Any]) -> FaqCreate:
    try:
        return FaqCreate.model_validate(dict(values))
    except ValidationError as error:
        raise FaqInvalid(error.errors(include_url=False, include_context=False)) from None


def _dated(faq: FaqCreate) -> FaqCreate:
    """A superseded entry without a date stopped applying the day staff marked it so."""
    if faq.status == FaqStatus.SUPERSEDED and faq.superseded_on is None:
        return faq.model_copy(update={"superseded_on": utcnow().date()})
    return faq


def _key_owner(session: Session, key: str) -> FaqEntry | None:
    return session.exec(select(FaqEntry).where(FaqEntry.key == key)).first()


def _check_references(session: Session, faq: FaqCreate, entry_id: int | None) -> None:
    if faq.key is not None:
        owner = _key_owner(session, faq.key)
        if owner is not None and owner.id != entry_id:
            raise field_error("key", f"标识 {faq.key!r} 已被条目 {owner.id} 使用", "unique")
    if faq.superseded_by is not None:
        target = _key_owner(session, faq.superseded_by)
        if target is None or (entry_id is not None and target.id == entry_id) or faq.superseded_by == faq.key:
            raise field_error("superseded_by", f"找不到取代它的条目 {faq.superseded_by!r}（要填另一条目的标识）")


def _referrers(session: Session, key: str | None) -> list[str]:
    if key is None:
        return []
    rows = session.exec(select(FaqEntry.key).where(FaqEntry.superseded_by == key)).all()
    return [row or "?" for row in rows]


def _record(session: Session, entry: FaqEntry, action: str, actor: str, changes: Changes) -> FaqRevision:
    revision = FaqRevision(
        faq_id=entry.id or 0, version=entry.version, action=action, actor=actor, at=utcnow(), changes=changes
    )
    session.add(revision)
    return revision


def get(*, session: Session, faq_id: int) -> FaqEntry | None:
    """One entry by id."""
    return session.get(FaqEntry, faq_id)


def get_by_key(*, session: Session, key: str) -> FaqEntry | None:
    """One entry by its stable key."""
    return _key_owner(session, key)


def _matches(entry: FaqEntry, needle: str) -> bool:
    haystack = (entry.question, entry.answer, entry.source, entry.key or "", *entry.variants)
    return any(needle in text.lower() for text in haystack)


def list_entries(
    *,
    session: Session,
    status: str | None = None,
    category: str | None = None,
    region: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[FaqEntry], int]:
    """A page of entries by id, and how many match in all."""
    query = select(FaqEntry).order_by(col(FaqEntry.id))
    if status:
        query = query.where(FaqEntry.status == status)
    if category:
        query = query.where(FaqEntry.category == category)
    if region:
        query = query.where(FaqEntry.region == region)
    rows = list(session.exec(query).all())
    if q and q.strip():
        # Variants are JSON (escaped on disk), so the substring test runs here; the base is hundreds of rows.
        needle = q.strip().lower()
        rows = [row for row in rows if _matches(row, needle)]
    return rows[offset : offset + limit], len(rows)


def create(*, session: Session, faq_in: FaqCreate, actor: str, check_references: bool = True) -> FaqEntry:
    """Add an entry as version 1 with a ``create`` revision; entries without a key get ``faq-<id>``."""
    faq = _dated(_validate(faq_in.model_dump()))
    if check_references:
        _check_references(session, faq, None)
    now = utcnow()
    entry = FaqEntry(**faq.model_dump(), version=1, created_at=now, updated_at=now, updated_by=actor)
    session.add(entry)
    session.flush()
    if entry.key is None:
        # A key makes export → edit → import an update rather than a duplicate.
        key = f"faq-{entry.id}"
        entry.key = key if _key_owner(session, key) is None else f"{key}-{now:%Y%m%d%H%M%S}"
        session.add(entry)
    _record(session, entry, "create", actor, _diff({}, snapshot(entry)))
    session.flush()
    return entry


def update(
    *, session: Session, entry: FaqEntry, faq_in: FaqUpdate, actor: str, check_references: bool = True
) -> FaqEntry:
    """Apply the fields sent; a real change bumps the version and writes an ``update`` revision."""
    patch = faq_in.model_dump(exclude_unset=True)
    expected = patch.pop("version", None)
    if expected is not None and expected != entry.version:
        raise FaqConflict(f"条目已被他人修改（现在是第 {entry.version} 版，您编辑的是第 {expected} 版），请刷新后再改")
    if patch.get("key", entry.key) is None:
        patch.pop("key", None)  # a key is stable: it cannot be cleared
    before = snapshot(entry)
    faq = _dated(_validate({**before, **patch}))
    if check_references:
        _check_references(session, faq, entry.id)
    if faq.key != entry.key and (referrers := _referrers(session, entry.key)):
        raise field_error("key", f"条目 {', '.join(referrers)} 以 {entry.key!r} 为取代条目，不能改标识")
    changes = _diff(before, faq.model_dump())
    if not changes:
        return entry
    for name, value in faq.model_dump().items():
        setattr(entry, name, value)
    entry.version += 1
    entry.updated_at = utcnow()
    entry.updated_by = actor
    session.add(entry)
    _record(session, entry, "update", actor, changes)
    session.flush()
    return entry


def delete(*, session: Session, entry: FaqEntry, actor: str) -> FaqRevision:
    """Remove the entry from serving; its history stays, ending with a snapshot of what was removed."""
    if referrers := _referrers(session, entry.key):
        raise FaqConflict(f"条目 {', '.join(referrers)} 以 {entry.key!r} 为取代条目，请先修改它们再删除")
    entry.version += 1
    revision = _record(session, entry, "delete", actor, _diff(snapshot(entry), {}))
    session.delete(entry)
    session.flush()
    return revision


def history(*, session: Session, faq_id: int) -> list[FaqRevision]:
    """Every revision of an entry, oldest first (also after it was deleted)."""
    query = select(FaqRevision).where(FaqRevision.faq_id == faq_id).order_by(col(FaqRevision.version))
    return list(session.exec(query).all())


def unanswered(
    *, session: Session, limit: int = 50, offset: int = 0, include_resolved: bool = False
) -> tuple[list[UnansweredQuestion], int]:
    """Questions the bot could not answer, most asked first."""
    query = select(UnansweredQuestion)
    counter = select(func.count()).select_from(UnansweredQuestion)
    if not include_resolved:
        query = query.where(col(UnansweredQuestion.resolved).is_(False))
        counter = counter.where(col(UnansweredQuestion.resolved).is_(False))
    query = query.order_by(col(UnansweredQuestion.count).desc(), col(UnansweredQuestion.last_at).desc())
    return list(session.exec(query.offset(offset).limit(limit)).all()), session.exec(counter).one()


def mark_handled(*, session: Session, question_id: int) -> UnansweredQuestion | None:
    """Staff covered an unanswered question: it leaves the list until it is asked again afterwards."""
    row = session.get(UnansweredQuestion, question_id)
    if row is not None:
        row.resolved = True
        session.add(row)
    return row
