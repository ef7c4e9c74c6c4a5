"""未答问题: what the bot could not answer, and what it answered only with numbered choices.

Both grouped by wording and counted, most asked first; "写答案" opens a new entry pre-filled, and
"已处理" takes a group off the list once the base covers it (it comes back if asked again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session, col, select
from starlette.responses import RedirectResponse, Response

from bot.models import InboundMessage
from console.deps import SessionDep, StaffDep, WriterDep, render
from console.web import ConsoleRoute
from core.timeutil import utcnow
from knowledge import service as faq_service
from knowledge.models import UnansweredQuestion
from residents.sessions import aware

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
CHOICE_DAYS = 30
CHOICE_SCAN = 5000


def normalized(text: str) -> str:
    """The same key the bot counts unanswered questions by (knowledge.base.log_unanswered)."""
    return re.sub(r"[\s\W_]+", "", text.lower())[:300] or text[:300]


@dataclass
class ChoiceGroup:
    text: str
    count: int
    last_at: datetime


def choice_groups(session: Session, limit: int = 50) -> list[ChoiceGroup]:
    """Questions answered only with numbered choices (policy intent, no entry), last 30 days."""
    since = utcnow() - timedelta(days=CHOICE_DAYS)
    rows = session.exec(
        select(InboundMessage.content, InboundMessage.received_at)
        .where(
            col(InboundMessage.intent) == "policy",
            col(InboundMessage.faq_id).is_(None),
            col(InboundMessage.simulated) == False,  # noqa: E712
            col(InboundMessage.received_at) >= since,
        )
        .order_by(col(InboundMessage.id).desc())
        .limit(CHOICE_SCAN)
    ).all()
    groups: dict[str, ChoiceGroup] = {}
    for content, at in rows:
        if not content or content.strip().isdigit():
            continue
        key = normalized(content)
        group = groups.setdefault(key, ChoiceGroup(content, 0, aware(at)))
        group.count += 1
    handled = {
        row.normalized: aware(row.last_at)
        for row in session.exec(select(UnansweredQuestion).where(col(UnansweredQuestion.normalized).in_(list(groups))))
        if row.resolved
    }
    fresh = [g for key, g in groups.items() if key not in handled or g.last_at > handled[key]]
    return sorted(fresh, key=lambda g: (-g.count, -g.last_at.timestamp()))[:limit]


@router.get("/unanswered")
def unanswered(request: Request, session: SessionDep, viewer: StaffDep) -> Response:
    rows, count = faq_service.unanswered(session=session, limit=100)
    context = {"rows": rows, "count": count, "choices": choice_groups(session)}
    return render(request, "unanswered.html", context)


@router.post("/unanswered/{row_id}/done")
def mark_done(session: SessionDep, viewer: WriterDep, row_id: int) -> Response:
    if viewer.is_staff and faq_service.mark_handled(session=session, question_id=row_id) is not None:
        session.commit()
    return RedirectResponse("/console/unanswered", status_code=303)


@router.post("/unanswered/choices/done")
def choices_done(session: SessionDep, viewer: WriterDep, text: Annotated[str, Form(max_length=500)]) -> Response:
    """A choices-only question is handled: recorded as a resolved question so it leaves the list."""
    if not viewer.is_staff:
        return RedirectResponse("/console/unanswered", status_code=303)
    key = normalized(text)
    row = session.exec(select(UnansweredQuestion).where(col(UnansweredQuestion.normalized) == key)).first()
    if row is None:
        row = UnansweredQuestion(normalized=key, text=text[:500], count=0)
    row.resolved, row.last_at = True, utcnow()
    session.add(row)
    session.commit()
    return RedirectResponse("/console/unanswered", status_code=303)
