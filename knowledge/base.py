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

from hotline.timeutil import utcnow
from knowledge.models import FaqEntry, FaqRevision, UnansweredQuestion, in_force
from knowledge.retrieval import ANSWER_THRESHOLD, SUGGEST_THRESHOLD, Document, FaqIndex, is_likely

__all__ = ["FaqView", "KnowledgeBase", "Lookup", "in_force", "region_key"]

MAX_SUGGESTIONS = 3
NATIONWIDE = "全国"
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


@dataclass(frozen=True)
class Lookup:
    answer: FaqView | None
    suggestions: list[FaqView]  # the choices offered; with a tentative answer, the other candidates
    best_score: float | None
    tentative: bool = False  # the answer is likely, not sure: shown with the other choices after it

    def as_choices(self) -> Lookup:
        """A tentative answer as the first of the choices; a sure answer or choices stay as they are."""
        if not self.tentative or self.answer is None:
            return self
        return Lookup(None, [self.answer, *self.suggestions], self.best_score)


def region_key(region: str | None) -> str:
    """重庆市 and 重庆 are one region; empty means no region (serve every entry)."""
    return _REGION_SUFFIX.sub("", (region or "").strip())


@dataclass(frozen=True)
class _Snapshot:
    """One consistent generation: readers take the whole object, so entries and indexes always match."""

    entries: dict[int, FaqView] = field(default_factory=dict)
    everything: FaqIndex = field(default_factory=lambda: FaqIndex.build([]))
    # One index per region (its entries plus the nationwide ones), so regional entries of elsewhere
    # never take a candidate slot from an entry this resident may be served.
    by_region: dict[str, FaqIndex] = field(default_factory=dict)

    def index_for(self, region: str | None) -> FaqIndex:
        key = region_key(region)
        if not key:
            return self.everything
        return self.by_region.get(key) or self.by_region.get(NATIONWIDE) or FaqIndex.build([])


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
        """Rebuild the indexes from the entries in force now; returns how many are served."""
        # Serialised, so a slow older rebuild can never overwrite a newer one.
        with self._refresh_lock:
            today = utcnow().date()
            with Session(self.engine) as session:
                signature = self._signature_now(session)
                rows = [row for row in session.exec(select(FaqEntry)).all() if row.id and in_force(row, today)]
            documents = {
                row.id: Document(id=row.id, question=row.question, variants=tuple(row.variants), answer=row.answer)
                for row in rows
                if row.id
            }
            regions: dict[str, list[int]] = {}
            for row in rows:
                regions.setdefault(region_key(row.region) or NATIONWIDE, []).append(row.id or 0)
            national = regions.get(NATIONWIDE, [])
            by_region = {
                region: FaqIndex.build(documents[i] for i in (ids if region == NATIONWIDE else [*national, *ids]))
                for region, ids in regions.items()
            }
            self._snapshot = _Snapshot(
                entries={row.id: FaqView(row.id, row.question, row.answer, row.source) for row in rows if row.id},
                everything=FaqIndex.build(documents.values()),
                by_region=by_region,
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
        the other close questions as choices.

        ``region`` is the resident's community region: entries of other regions are not served;
        empty serves every region.
        """
        self.refresh_if_stale()
        snapshot = self._snapshot
        hits = [hit for hit in snapshot.index_for(region).search(text, k=MAX_SUGGESTIONS) if hit.id in snapshot.entries]
        if not hits:
            return Lookup(None, [], None)
        best = hits[0]
        if best.score >= ANSWER_THRESHOLD:
            return Lookup(snapshot.entries[best.id], [], best.score)
        suggestions = [snapshot.entries[hit.id] for hit in hits if hit.score >= SUGGEST_THRESHOLD]
        if is_likely([hit.score for hit in hits]):
            return Lookup(suggestions[0], suggestions[1:], best.score, tentative=True)
        return Lookup(None, suggestions, best.score)

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
