"""The few ticket operations flows need, in one place over :mod:`tickets.service`.

Flows say *what* happened (a request, a note, a cancellation); routing, SLA, notifications and
the timeline are the ticket service's business.
"""

from __future__ import annotations

from typing import Any

from bot.turn import Turn
from tickets import priority as ticket_priority
from tickets import service as ticket_service
from tickets.models import Source, Ticket, TicketStatus

RESIDENT = "resident"


def source(turn: Turn) -> str:
    return Source.SIMULATED if turn.simulated else Source.WECHAT


def open_ticket(turn: Turn, type: str, details: dict[str, Any], priority: str | None = None) -> Ticket:
    """Create the ticket for a completed request, prioritised from need and vulnerability."""
    return ticket_service.create(
        session=turn.session,
        type=type,
        openid=turn.resident.openid,
        details=details,
        source=source(turn),
        community_id=turn.community.id,
        priority=priority or ticket_priority.assess(type=type, details=details),
    )


def add_note(turn: Turn, ticket: Ticket, text: str) -> None:
    """A resident's message on the ticket's timeline, for the member handling it."""
    add = getattr(ticket_service, "add_note", None)
    if add is not None:
        add(session=turn.session, ticket=ticket, actor=RESIDENT, note=text)
        return
    ticket_service.record(session=turn.session, ticket=ticket, actor=RESIDENT, action="note", note=text)


def move(turn: Turn, ticket: Ticket, to_status: str, note: str) -> None:
    """Cancel or close from the resident's side, through the service's own state machine when present."""
    transition = getattr(ticket_service, "transition", None)
    if transition is not None:
        transition(session=turn.session, ticket=ticket, to_status=to_status, actor=RESIDENT, note=note)
        return
    previous, ticket.status = ticket.status, to_status
    ticket_service.record(
        session=turn.session,
        ticket=ticket,
        actor=RESIDENT,
        action=str(to_status),
        note=note,
        from_status=previous,
        to_status=to_status,
    )


def find_open(turn: Turn, ticket_id: int | None) -> Ticket | None:
    """The resident's own ticket, when it is still open."""
    if ticket_id is None:
        return None
    ticket = turn.session.get(Ticket, ticket_id)
    if ticket is None or ticket.openid != turn.resident.openid or not ticket.is_open:
        return None
    return ticket


def display_name(turn: Turn, username: str | None) -> str | None:
    """The member's name as residents know them, from the ticket service (None until it offers one)."""
    if not username:
        return None
    name_of = getattr(ticket_service, "display_name", None)
    return name_of(session=turn.session, username=username) if name_of is not None else None


def handled_by(turn: Turn, ticket: Ticket) -> str:
    """'8栋网格员王伟' when the service has routed and named the member, else a plain phrase."""
    name = display_name(turn, ticket.assignee)
    if not name:
        return "社区工作人员"
    return f"{ticket.grid}网格员{name}" if ticket.grid else f"社区工作人员{name}"


def cancelled_status() -> str:
    return TicketStatus.CANCELLED
