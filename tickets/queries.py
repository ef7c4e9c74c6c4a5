"""Ticket listings for the console: filters, search by number or phone tail, what stands out.

Read-only helpers; who may see what comes from :mod:`tickets.access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, or_
from sqlmodel import Session, col, select

from core.timeutil import local_zone, utcnow
from residents.models import Grid, User
from tickets import access
from tickets.models import OPEN_STATUSES, Ticket


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    type: str | None = None
    priority: str | None = None
    overdue: bool | None = None
    grid: str | None = None
    day: date | None = None
    q: str | None = None  # a ticket number (or part of it) or the last digits of a phone


def late_clause(now: datetime | None = None) -> Any:
    """Overdue now or once: the flag the SLA sweep sets, or an open ticket past its deadline."""
    return or_(
        col(Ticket.overdue) == True,  # noqa: E712
        and_(
            col(Ticket.status).in_(OPEN_STATUSES),
            col(Ticket.acknowledged_at).is_(None),
            col(Ticket.ack_due_at) < (now or utcnow()),
        ),
    )


def day_range(day: date, zone: str) -> tuple[datetime, datetime]:
    """The community's local day as a UTC [start, end)."""
    start = datetime.combine(day, time(), tzinfo=local_zone(zone))
    return start, start + timedelta(days=1)


def clauses(*, session: Session, user: User, mine: bool, flt: TicketFilter, zone: str) -> list[Any]:
    where: list[Any] = access.list_filter(session=session, user=user, mine=mine)
    if flt.status == "open":
        where.append(col(Ticket.status).in_(OPEN_STATUSES))
    elif flt.status:
        where.append(col(Ticket.status) == flt.status)
    for column, value in ((Ticket.type, flt.type), (Ticket.priority, flt.priority), (Ticket.grid, flt.grid)):
        if value:
            where.append(column == value)
    if flt.overdue is not None:
        where.append(late_clause() if flt.overdue else ~late_clause())
    if flt.day is not None:
        start, end = day_range(flt.day, zone)
        where.append(and_(col(Ticket.created_at) >= start, col(Ticket.created_at) < end))
    needle = (flt.q or "").strip().replace(" ", "")
    if needle:
        digits = "".join(ch for ch in needle if ch.isdigit())
        by_number = col(Ticket.number).contains(needle)
        # Phone numbers live in the details (JSON): the text form holds them as written.
        by_phone = cast(Ticket.details, String).contains(digits) if len(digits) >= 4 else None
        where.append(or_(by_number, by_phone) if by_phone is not None else by_number)
    return where


def listing(
    *,
    session: Session,
    user: User,
    mine: bool,
    flt: TicketFilter,
    zone: str,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Ticket], int]:
    """Newest first, with the total count (urgent and overdue ones are marked on the page).

    Ordering by the indexed creation time lets the database stop after one page; an "urgent first"
    sort would read every row of the community on each visit.
    """
    where = clauses(session=session, user=user, mine=mine, flt=flt, zone=zone)
    count = session.exec(select(func.count()).select_from(Ticket).where(*where)).one()
    query = (
        select(Ticket)
        .where(*where)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query).all()), int(count)


def is_late(ticket: Ticket, now: datetime | None = None) -> bool:
    if ticket.overdue:
        return True
    if not ticket.is_open or ticket.acknowledged_at is not None or ticket.ack_due_at is None:
        return False
    due = ticket.ack_due_at if ticket.ack_due_at.tzinfo else ticket.ack_due_at.replace(tzinfo=(now or utcnow()).tzinfo)
    return due < (now or utcnow())


def latest_id(*, session: Session, user: User) -> int:
    """The newest visible ticket id: the list page polls it to show new tickets without a reload."""
    where = access.list_filter(session=session, user=user, mine=False)
    return int(session.exec(select(func.max(Ticket.id)).where(*where)).one() or 0)


def grids(*, session: Session, user: User) -> list[str]:
    """The grid names the viewer's tickets can carry (from the grid table, not a scan of tickets)."""
    own = access.scope(session=session, user=user)
    query = select(Grid.name)
    if own is not access.ALL:
        query = query.where(col(Grid.community_id) == own)
    return sorted(set(session.exec(query).all()))
