"""Creating tickets and recording every change on their timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from hotline.timeutil import utcnow
from tickets.models import OPEN_STATUSES, Priority, Source, Ticket, TicketCounter, TicketEvent, TicketStatus


def next_number(*, session: Session) -> str:
    """A human ticket number such as 20260122-0007, unique across instances."""
    day = utcnow().strftime("%Y%m%d")
    result = session.execute(
        update(TicketCounter).where(TicketCounter.day == day).values(last=TicketCounter.last + 1)  # type: ignore[arg-type]
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(TicketCounter(day=day, last=1))
        session.flush()
        last = 1
    else:
        counter = session.get(TicketCounter, day, populate_existing=True)
        assert counter is not None
        last = counter.last
    return f"{day}-{last:04d}"


def create(
    *,
    session: Session,
    type: str,
    openid: str | None,
    details: dict[str, Any],
    source: str = Source.WECHAT,
    priority: str = Priority.NORMAL,
    community_id: int | None = None,
    actor: str = "resident",
) -> Ticket:
    """Store a new ticket with its first timeline entry."""
    ticket = Ticket(
        number=next_number(session=session),
        type=type,
        openid=openid,
        details=details,
        source=source,
        priority=priority,
        community_id=community_id,
    )
    session.add(ticket)
    session.flush()
    assert ticket.id is not None
    record(session=session, ticket=ticket, actor=actor, action="created", to_status=TicketStatus.NEW)
    return ticket


def record(
    *,
    session: Session,
    ticket: Ticket,
    actor: str,
    action: str,
    note: str = "",
    from_status: str | None = None,
    to_status: str | None = None,
) -> TicketEvent:
    """Append one line to the ticket's timeline."""
    assert ticket.id is not None
    event = TicketEvent(
        ticket_id=ticket.id, actor=actor, action=action, note=note, from_status=from_status, to_status=to_status
    )
    session.add(event)
    ticket.updated_at = utcnow()
    session.add(ticket)
    return event


def open_for(*, session: Session, openid: str) -> list[Ticket]:
    """A resident's open tickets, newest first."""
    query = (
        select(Ticket)
        .where(Ticket.openid == openid, Ticket.status.in_(OPEN_STATUSES))  # type: ignore[attr-defined]
        .order_by(Ticket.created_at.desc())  # type: ignore[attr-defined]
    )
    return list(session.exec(query))


def timeline(*, session: Session, ticket_id: int) -> list[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)  # type: ignore[arg-type]
    return list(session.exec(query))
