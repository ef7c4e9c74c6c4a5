"""One page of FAQ entries, filtered in the database (the service's listing filters in Python).

Variants are stored as JSON whose non-ASCII characters are escaped (``\\u6297``), so a search also
looks for the needle in that escaped form.
"""

from __future__ import annotations

import json

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from knowledge.models import FaqEntry


def page(*, session: Session, q: str | None, status: str | None, limit: int, offset: int) -> tuple[list[FaqEntry], int]:
    clauses = []
    if status:
        clauses.append(col(FaqEntry.status) == status)
    needle = (q or "").strip()
    if needle:
        escaped = json.dumps(needle)[1:-1]
        texts = (col(FaqEntry.question), col(FaqEntry.answer), col(FaqEntry.source), col(FaqEntry.key))
        clauses.append(
            or_(
                *(func.lower(column).contains(needle.lower(), autoescape=True) for column in texts),
                cast(FaqEntry.variants, String).contains(needle, autoescape=True),
                cast(FaqEntry.variants, String).contains(escaped, autoescape=True),
            )
        )
    count = session.exec(select(func.count()).select_from(FaqEntry).where(*clauses)).one()
    rows = session.exec(select(FaqEntry).where(*clauses).order_by(col(FaqEntry.id)).offset(offset).limit(limit)).all()
    return list(rows), int(count)
