"""Acknowledgement deadlines and the escalation sweep.

A ticket must be acknowledged (a member claims it, notes, replies or resolves) before ``ack_due_at``.
The sweep claims each overdue row with one conditional UPDATE (… WHERE escalated_at IS NULL AND
ack_due_at < now), so when several instances sweep at once exactly one escalates each ticket (on
PostgreSQL a peer's UPDATE waits on the row lock, then finds the condition false and skips the ticket).
On SQLite each escalation takes the process's write lock (core.db.write_lock) like the message path.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.db import write_lock
from core.settings import Settings
from core.timeutil import utcnow
from tickets import notify, routing
from tickets.models import OPEN_STATUSES, Priority, Ticket, TicketEvent

log = logging.getLogger(__name__)


def ack_minutes(priority: str, settings: Settings) -> int:
    return {
        Priority.URGENT: settings.sla_urgent_minutes,
        Priority.HIGH: settings.sla_high_minutes,
    }.get(Priority(priority), settings.sla_normal_minutes)


def deadline(priority: str, start: datetime, settings: Settings) -> datetime:
    return start + timedelta(minutes=ack_minutes(priority, settings))


def _overdue(now: datetime) -> list[ColumnElement[bool]]:
    return [
        col(Ticket.escalated_at).is_(None),
        col(Ticket.acknowledged_at).is_(None),
        col(Ticket.ack_due_at) < now,
        col(Ticket.status).in_(OPEN_STATUSES),
    ]


def sweep(*, engine: Engine, settings: Settings, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Escalate every overdue, unacknowledged open ticket once; returns the ids this caller escalated."""
    now = now or utcnow()
    escalated: list[int] = []
    with Session(engine, expire_on_commit=False) as session:
        candidates = session.exec(
            select(Ticket.id).where(*_overdue(now)).order_by(col(Ticket.ack_due_at)).limit(limit)
        ).all()
    for ticket_id in candidates:
        assert ticket_id is not None
        with write_lock(engine), Session(engine, expire_on_commit=False) as session:
            claimed = session.execute(
                update(Ticket)
                .where(col(Ticket.id) == ticket_id, *_overdue(now))
                .values(escalated_at=now, overdue=True, updated_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()  # another instance escalated it, or it was acknowledged meanwhile
                continue
            ticket = session.get(Ticket, ticket_id, populate_existing=True)
            assert ticket is not None
            _escalate(session, ticket, settings)
            session.commit()
            escalated.append(ticket_id)
    if escalated:
        log.info("escalated %d overdue tickets", len(escalated))
    return escalated


def _escalate(session: Session, ticket: Ticket, settings: Settings) -> None:
    # An unassigned ticket (or one an admin holds for want of a member) is handed to the backup
    # outright; an assigned one stays, with the backup told. The backup is chosen now, not at
    # creation: someone may have come on duty since.
    ticket.backup = routing.escalation_backup(session=session, ticket=ticket, at=ticket.escalated_at or utcnow())
    to = ticket.backup
    if routing.backup_takes_over(session=session, ticket=ticket):
        ticket.assignee, ticket.backup = ticket.backup, None
        session.add(ticket)
    note = f"超过受理时限未受理，已升级至 {to}" if to else "超过受理时限未受理（没有可升级的备份人员）"
    assert ticket.id is not None
    session.add(TicketEvent(ticket_id=ticket.id, actor="system", action="escalated", note=note))
    notify.on_escalated(session=session, ticket=ticket, to=to, settings=settings)
