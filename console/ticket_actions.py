"""What a member does on a ticket page: claim, move, note, hand over, reply to the resident.

Each action is one form (no JavaScript needed), checked for CSRF, logged in the audit log, and
answered with a redirect back to the ticket; a refused action shows the page again with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from console.deps import SessionDep, SettingsDep, Viewer, WriterDep, client_address, refuse, render
from console.ticket_page import TicketDep, page_context
from console.web import ConsoleRoute
from core.settings import Settings
from residents import audit
from residents.audit import AuditAction
from tickets import access
from tickets import service as ticket_service
from tickets.exceptions import TicketError
from tickets.models import Ticket, TicketStatus

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
Text = Annotated[str, Form(max_length=1000)]


def _act(
    request: Request,
    session: Session,
    viewer: Viewer,
    ticket: Ticket,
    what: str,
    change: Callable[[], object],
) -> Response:
    if not access.can_act(session=session, user=viewer.user, ticket=ticket):
        raise refuse(request, viewer.user.username, "您不能处理这张工单")
    try:
        change()
    except TicketError as error:
        session.rollback()
        session.refresh(ticket)
        context = page_context(session, viewer, ticket)
        context["error"] = error.message
        return render(request, "ticket.html", context, status_code=409)
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.TICKET,
        target=f"ticket:{ticket.number}",
        detail=what,
        address=client_address(request),
    )
    session.commit()
    return RedirectResponse(f"/console/tickets/{ticket.id}#timeline", status_code=303)


@router.post("/tickets/{ticket_id}/claim")
def claim(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: WriterDep, ticket: TicketDep
) -> Response:
    """接单: the ticket becomes mine and in progress."""
    me = viewer.user.username

    def change() -> None:
        if ticket.assignee != me:
            ticket_service.assign(session=session, ticket=ticket, assignee=me, actor=me, note="接单", settings=settings)
        if ticket.status != TicketStatus.IN_PROGRESS:
            _move(session, settings, ticket, TicketStatus.IN_PROGRESS, me, "")

    return _act(request, session, viewer, ticket, "claim", change)


def _move(session: Session, settings: Settings, ticket: Ticket, to: str, actor: str, note: str) -> None:
    ticket_service.transition(session=session, ticket=ticket, to_status=to, actor=actor, note=note, settings=settings)


@router.post("/tickets/{ticket_id}/status")
def move(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: WriterDep,
    ticket: TicketDep,
    to_status: Annotated[str, Form(max_length=20)],
    note: Text = "",
) -> Response:
    def change() -> None:
        _move(session, settings, ticket, to_status, viewer.user.username, note.strip())

    return _act(request, session, viewer, ticket, f"status {to_status}", change)


@router.post("/tickets/{ticket_id}/note")
def note(request: Request, session: SessionDep, viewer: WriterDep, ticket: TicketDep, note: Text) -> Response:
    def change() -> None:
        if not note.strip():
            raise TicketError("备注不能为空", field="note")
        ticket_service.add_note(session=session, ticket=ticket, actor=viewer.user.username, note=note.strip())

    return _act(request, session, viewer, ticket, "note", change)


@router.post("/tickets/{ticket_id}/assign")
def reassign(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: WriterDep,
    ticket: TicketDep,
    assignee: Annotated[str, Form(max_length=50)],
    note: Text = "",
) -> Response:
    def change() -> None:
        ticket_service.assign(
            session=session,
            ticket=ticket,
            assignee=assignee,
            actor=viewer.user.username,
            note=note.strip(),
            settings=settings,
        )

    return _act(request, session, viewer, ticket, f"assign {assignee}", change)


@router.post("/tickets/{ticket_id}/reply")
def reply(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: WriterDep, ticket: TicketDep, text: Text
) -> Response:
    """Reaches the resident on WeChat through the outbox: in the window, or a template notice outside it."""

    def change() -> None:
        if not text.strip():
            raise TicketError("回复内容不能为空", field="text")
        ticket_service.reply_to_resident(
            session=session, ticket=ticket, actor=viewer.user.username, text=text.strip(), settings=settings
        )

    return _act(request, session, viewer, ticket, "reply", change)
