"""The live knowledge base: entries in force, their retrieval index, and the decision to answer.

The index is rebuilt off to the side and swapped in whole, so readers never see a half-built one
and a staff edit is served within a second without a restart.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hotline.timeutil import utcnow
from knowledge.models import FaqEntry, FaqStatus, UnansweredQuestion
from knowledge.retrieval import ANSWER_THRESHOLD, SUGGEST_THRESHOLD, Document, FaqIndex

MAX_SUGGESTIONS = 3


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
    suggestions: list[FaqView]
    best_score: float | None


def in_force(entry: FaqEntry, today: date) -> bool:
    """Published and within its effective dates: only such entries are ever served as current."""
    if entry.status != FaqStatus.PUBLISHED:
        return False
    if entry.effective_from and entry.effective_from > today:
        return False
    return not (entry.effective_to and entry.effective_to < today)


class KnowledgeBase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._index = FaqIndex.build([])
        self._entries: dict[int, FaqView] = {}

    def refresh(self) -> int:
        """Rebuild the index from the entries in force now; returns how many are served."""
        today = utcnow().date()
        with Session(self.engine) as session:
            rows = [row for row in session.exec(select(FaqEntry)).all() if in_force(row, today)]
        entries = {row.id: FaqView(row.id, row.question, row.answer, row.source) for row in rows if row.id}
        index = FaqIndex.build(
            Document(id=row.id, question=row.question, variants=tuple(row.variants), answer=row.answer)
            for row in rows
            if row.id
        )
        with self._lock:
            self._index, self._entries = index, entries
        return len(entries)

    def lookup(self, text: str) -> Lookup:
        """Answer above the threshold, the closest questions in the middle band, else nothing."""
        index, entries = self._index, self._entries
        hits = [hit for hit in index.search(text, k=MAX_SUGGESTIONS) if hit.id in entries]
        if not hits:
            return Lookup(None, [], None)
        best = hits[0]
        if best.score >= ANSWER_THRESHOLD:
            return Lookup(entries[best.id], [], best.score)
        suggestions = [entries[hit.id] for hit in hits if hit.score >= SUGGEST_THRESHOLD]
        return Lookup(None, suggestions, best.score)

    def get(self, faq_id: int) -> FaqView | None:
        return self._entries.get(faq_id)

    def __len__(self) -> int:
        return len(self._entries)

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
