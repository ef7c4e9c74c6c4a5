"""The live knowledge base: entries in force, their retrieval index, and the decision to answer.

The index is rebuilt off to the side and swapped in whole, so readers never see a half-built one
and a staff edit is served within a second without a restart. Edits made elsewhere (another
instance, ``hotline kb import``) are noticed by a cheap check at most once a second.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, func, select

from core.timeutil import utcnow
from knowledge.models import FaqEntry, FaqRevision, FaqStatus, UnansweredQuestion, in_force
from knowledge.retrieval import FaqIndex
from knowledge.scoring import ANSWER_THRESHOLD, SUGGEST_THRESHOLD, Document, is_likely

__all__ = ["OLD_RULE_THRESHOLD", "FaqView", "KnowledgeBase", "Lookup", "in_force", "region_key"]

MAX_SUGGESTIONS = 3
# An old rule is a second chance, taken only where no current entry is sure: it must be surer than an
# answer. 0.75 rather than ANSWER_THRESHOLD keeps 2 more of the calibration look-alikes unanswered and
# changes nothing on the dev, own and out-of-domain sets (bench/policy_eval.md, tenth pass).
OLD_RULE_THRESHOLD = 0.75
NATIONWIDE = "全国"
# With no region set, a sure nationwide entry is answered unless a province's own entry scores this
# much higher: a province's rule only where it is clearly the one asked about.
NATIONAL_MARGIN = 0.1
STALE_CHECK_SECONDS = 1.0
log = logging.getLogger(__name__)
_REGION_SUFFIX = re.compile(r"(省|市|自治区|特别行政区)$")


@dataclass(frozen=True)
class FaqView:
    """What the bot needs of an entry to answer with it."""

    id: int
    question: str
    answer: str
    source: str
    # A superseded entry is served only as a rule no longer in force: this note says what replaced it,
    # and ``replaced_by`` is the id of the entry in force that did.
    superseded_note: str | None = None
    replaced_by: int | None = None
    region: str = "全国"  # its region key (NATIONWIDE for every region)

    def foreign_to(self, region: str | None) -> bool:
        """A province's own rule told to a resident of no region or another one: named as that province's."""
        return self.region != NATIONWIDE and self.region != region_key(region)

    @property
    def superseded(self) -> bool:
        return self.replaced_by is not None


@dataclass(frozen=True)
class Lookup:
    answer: FaqView | None
    suggestions: list[FaqView]  # the choices offered; with a tentative answer, the other candidates
    best_score: float | None
    tentative: bool = False  # the answer is likely, not sure: shown with the other choices after it

    @property
    def current(self) -> FaqView | None:
        """A sure answer in force: what may be told as today's rule (or put before a request)."""
        if self.answer is None or self.tentative or self.answer.superseded:
            return None
        return self.answer

    def as_choices(self) -> Lookup:
        """A tentative answer as the first of the choices; a sure answer or choices stay as they are."""
        if not self.tentative or self.answer is None:
            return self
        return Lookup(None, [self.answer, *self.suggestions], self.best_score)


def region_key(region: str | None) -> str:
    """重庆市 and 重庆 are one region; empty means no region (serve every entry)."""
    return _REGION_SUFFIX.sub("", (region or "").strip())


@dataclass(frozen=True)
class _Indexes:
    everything: FaqIndex
    # One index per region (its entries plus the nationwide ones), so regional entries of elsewhere
    # never take a candidate slot from an entry this resident may be served.
    by_region: dict[str, FaqIndex]

    @classmethod
    def build(cls, documents: dict[int, Document], regions: dict[int, str]) -> _Indexes:
        grouped: dict[str, list[int]] = {}
        for doc_id in documents:
            grouped.setdefault(regions[doc_id], []).append(doc_id)
        national = grouped.get(NATIONWIDE, [])
        by_region = {
            region: FaqIndex.build(documents[i] for i in (ids if region == NATIONWIDE else [*national, *ids]))
            for region, ids in grouped.items()
        }
        return cls(FaqIndex.build(documents.values()), by_region)

    def for_region(self, region: str | None) -> FaqIndex:
        key = region_key(region)
        if not key:
            return self.everything
        return self.by_region.get(key) or self.by_region.get(NATIONWIDE) or FaqIndex.build([])


@dataclass(frozen=True)
class _Snapshot:
    """One consistent generation: readers take the whole object, so entries and indexes always match."""

    entries: dict[int, FaqView] = field(default_factory=dict)
    current: _Indexes = field(default_factory=lambda: _Indexes(FaqIndex.build([]), {}))
    # Superseded entries whose replacement is in force, indexed together with the entries in force, so
    # that an old rule is found only where it beats every current one.
    superseded: dict[int, FaqView] = field(default_factory=dict)
    history: _Indexes | None = None
    regions: dict[int, str] = field(default_factory=dict)  # each entry's region key (NATIONWIDE for all)

    def serves(self, faq_id: int, region: str | None) -> bool:
        """Whether the entry may be served to a resident of ``region`` (empty: every region)."""
        key, own = region_key(region), self.regions.get(faq_id)
        return not key or own in (NATIONWIDE, key)


def _document(faq_id: int, row: FaqEntry) -> Document:
    return Document(id=faq_id, question=row.question, variants=tuple(row.variants), answer=row.answer)


def _view(faq_id: int, row: FaqEntry, replaced_by: int | None = None) -> FaqView:
    note = row.superseded_note if replaced_by is not None else None
    region = region_key(row.region) or NATIONWIDE
    return FaqView(faq_id, row.question, row.answer, row.source, note, replaced_by, region)


Signature = tuple[int, datetime | None, int | None, date]


class KnowledgeBase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._refresh_lock = threading.Lock()
        self._snapshot = _Snapshot()
        self._signature: Signature | None = None
        self._checked_at = 0.0
        self.stale_check_seconds = STALE_CHECK_SECONDS

    def _signature_now(self, session: Session) -> Signature:
        count, updated = session.exec(select(func.count(), func.max(FaqEntry.updated_at))).one()
        revision = session.exec(select(func.max(FaqRevision.id))).one()
        return count, updated, revision, utcnow().date()

    def refresh(self) -> int:
        """Rebuild the indexes from the entries in force now and the old ones they replaced.

        Returns how many entries are served as current.
        """
        # Serialised, so a slow older rebuild can never overwrite a newer one.
        with self._refresh_lock:
            today = utcnow().date()
            with Session(self.engine) as session:
                signature = self._signature_now(session)
                rows = {row.id: row for row in session.exec(select(FaqEntry)).all() if row.id is not None}
            served = {i: row for i, row in rows.items() if in_force(row, today)}
            by_key = {row.key: i for i, row in served.items() if row.key}
            old = {
                i: row for i, row in rows.items() if row.status == FaqStatus.SUPERSEDED and row.superseded_by in by_key
            }
            both = {**served, **old}
            documents = {i: _document(i, row) for i, row in both.items()}
            regions = {i: region_key(row.region) or NATIONWIDE for i, row in both.items()}
            self._snapshot = _Snapshot(
                entries={i: _view(i, row) for i, row in served.items()},
                current=_Indexes.build({i: documents[i] for i in served}, regions),
                superseded={i: _view(i, row, replaced_by=by_key[row.superseded_by or ""]) for i, row in old.items()},
                history=_Indexes.build(documents, regions) if old else None,
                regions=regions,
            )
            self._signature = signature
            self._checked_at = time.monotonic()
            return len(self._snapshot.entries)

    def refresh_if_stale(self) -> bool:
        """Rebuild when the table changed elsewhere or the day turned; checked at most once a second."""
        if time.monotonic() - self._checked_at < self.stale_check_seconds:
            return False
        self._checked_at = time.monotonic()
        try:
            with Session(self.engine) as session:
                stale = self._signature_now(session) != self._signature
        except SQLAlchemyError as error:
            # The index in memory is still good; answering from it beats failing the resident.
            log.warning("knowledge base freshness check failed: %s", error)
            return False
        if stale:
            self.refresh()
        return stale

    def lookup(self, text: str, region: str | None = None) -> Lookup:
        """Answer above the threshold, the closest questions in the middle band, else nothing.

        In the middle band a clearly leading entry (retrieval.is_likely) is answered tentatively, with
        the other close questions as choices. Below a sure answer, a question surely about a superseded
        rule ("封控区的菜谁帮忙买") gets that old entry, marked superseded, with its replacement as the
        one choice: the bot says it is no longer in force, never serves it as current.

        ``region`` is the resident's community region: entries of other regions are not served.
        Empty (not set): the region the text names, if one; else a sure nationwide entry first, and
        only then every region's (the bot names a province's rule as that province's).
        """
        self.refresh_if_stale()
        snapshot = self._snapshot
        if not region_key(region):
            region = self._named_region(snapshot, text)
        index = snapshot.current.for_region(region)
        hits = [hit for hit in index.search(text, k=MAX_SUGGESTIONS) if hit.id in snapshot.entries]
        if not region_key(region) and hits and snapshot.regions.get(hits[0].id) != NATIONWIDE:
            # No region: a sure nationwide entry first, unless a province's own rule is clearly the
            # question's (the bot then names the province: "辽宁的做法是…").
            national = snapshot.current.by_region.get(NATIONWIDE)
            found = national.search(text, k=1) if national is not None else []
            sure = bool(found) and found[0].score >= ANSWER_THRESHOLD and found[0].id in snapshot.entries
            if sure and hits[0].score - found[0].score < NATIONAL_MARGIN:
                return Lookup(snapshot.entries[found[0].id], [], found[0].score)
        if hits and hits[0].score >= ANSWER_THRESHOLD:
            return Lookup(snapshot.entries[hits[0].id], [], hits[0].score)
        old = self._superseded(snapshot, text, region)
        if old is not None:
            return old
        if not hits:
            return Lookup(None, [], None)
        best = hits[0]
        suggestions = [snapshot.entries[hit.id] for hit in hits if hit.score >= SUGGEST_THRESHOLD]
        if is_likely([hit.score for hit in hits]):
            return Lookup(suggestions[0], suggestions[1:], best.score, tentative=True)
        return Lookup(None, suggestions, best.score)

    @staticmethod
    def _named_region(snapshot: _Snapshot, text: str) -> str | None:
        """The one region with entries of its own that the text names ("辽宁那边…"), if any."""
        named = {key for key in snapshot.current.by_region if key != NATIONWIDE and key in text}
        return named.pop() if len(named) == 1 else None

    @staticmethod
    def _superseded(snapshot: _Snapshot, text: str, region: str | None) -> Lookup | None:
        """An old rule the question is surely about, with the entry that replaced it as the one choice."""
        history = snapshot.history.for_region(region) if snapshot.history is not None else None
        hits = history.search(text, k=1) if history is not None else []
        if not hits or hits[0].score < OLD_RULE_THRESHOLD or hits[0].id not in snapshot.superseded:
            return None
        entry = snapshot.superseded[hits[0].id]
        replacement = snapshot.entries.get(entry.replaced_by or 0)
        if replacement is not None and not snapshot.serves(replacement.id, region):
            replacement = None  # replaced by another province's rule: not offered to this resident
        return Lookup(entry, [replacement] if replacement else [], hits[0].score)

    def get(self, faq_id: int) -> FaqView | None:
        return self._snapshot.entries.get(faq_id)

    def __len__(self) -> int:
        return len(self._snapshot.entries)

    @staticmethod
    def log_unanswered(*, session: Session, text: str, openid: str, best: float | None) -> None:
        """Count the question for staff; the same wording is one row with a count."""
        normalized = re.sub(r"[\s\W_]+", "", text.lower())[:300] or text[:300]
        row = session.exec(select(UnansweredQuestion).where(UnansweredQuestion.normalized == normalized)).first()
        if row is None:
            row = UnansweredQuestion(normalized=normalized, text=text[:500], best_score=best)
            try:
                with session.begin_nested():
                    session.add(row)
                return
            except IntegrityError:  # another instance logged it a moment ago
                row = session.exec(select(UnansweredQuestion).where(UnansweredQuestion.normalized == normalized)).one()
        row.count += 1
        row.last_at = utcnow()
        row.resolved = False
        session.add(row)
