"""/api/tickets: list, read (with timeline), enter a phone call, transition, note, reply to the resident."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from api.deps import CurrentUser, SessionDep, SettingsDep
from core.timeutil import utcnow
from residents.models import User
from tickets import access
from tickets import service as ticket_service
from tickets.exceptions import InvalidTransition, NotReachable, TicketError, UnknownUser
from tickets.models import OPEN_STATUSES, Source, Ticket, TicketStatus
from tickets.schemas import (
    NoteIn,
    ReplyIn,
    TicketCreate,
    TicketDetail,
    TicketEventPublic,
    TicketPublic,
    TicketsPublic,
    TransitionIn,
)


def _no_store(response: Response) -> None:
    # Tickets carry names, phones and health details: never cached by a browser or proxy.
    response.headers["Cache-Control"] = "no-store"


router = APIRouter(prefix="/api/tickets", tags=["tickets"], dependencies=[Depends(_no_store)])


def ticket_for_user(ticket_id: int, session: SessionDep, user: CurrentUser) -> Ticket:
    """The ticket, 404 when there is none, 403 when it belongs to another community."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"ticket {ticket_id} not found")
    if not access.can_act(session=session, user=user, ticket=ticket):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this ticket belongs to another community")
    return ticket


TicketDep = Annotated[Ticket, Depends(ticket_for_user)]


def _error(error: TicketError) -> HTTPException:
    if isinstance(error, UnknownUser):
        loc = ["body", error.field or "assignee"]
        return HTTPException(422, [{"loc": loc, "msg": error.message, "type": error.code}])
    code = status.HTTP_409_CONFLICT if isinstance(error, InvalidTransition | NotReachable) else 400
    return HTTPException(code, {"code": error.code, "message": error.message, "field": error.field})


def _detail(session: Session, ticket: Ticket, merged: bool = False) -> TicketDetail:
    assert ticket.id is not None
    events = ticket_service.timeline(session=session, ticket_id=ticket.id)
    base = TicketPublic.model_validate(ticket).model_dump()
    timeline = [TicketEventPublic.model_validate(event) for event in events]
    return TicketDetail(**base, timeline=timeline, merged=merged)


@router.get("", response_model=TicketsPublic)
def list_tickets(
    session: SessionDep,
    user: CurrentUser,
    status_: Annotated[TicketStatus | None, Query(alias="status")] = None,
    type: str | None = None,
    openid: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    mine: Annotated[bool | None, Query(description="members default to their own tickets")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TicketsPublic:
    clauses: list[Any] = access.list_filter(session=session, user=user, mine=mine)
    if status_ is not None:
        clauses.append(col(Ticket.status) == status_)
    for column, value in ((Ticket.type, type), (Ticket.openid, openid), (Ticket.assignee, assignee)):
        if value is not None:
            clauses.append(column == value)
    if overdue is not None:
        late = or_(
            col(Ticket.overdue) == True,  # noqa: E712
            and_(
                col(Ticket.status).in_(OPEN_STATUSES),
                col(Ticket.acknowledged_at).is_(None),
                col(Ticket.ack_due_at) < utcnow(),
            ),
        )
        clauses.append(late if overdue else ~late)
    count = session.exec(select(func.count()).select_from(Ticket).where(*clauses)).one()
    rows = session.exec(
        select(Ticket).where(*clauses).order_by(col(Ticket.created_at).desc()).offset(offset).limit(limit)
    ).all()
    return TicketsPublic(data=[TicketPublic.model_validate(row) for row in rows], count=count)


@router.get("/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket: TicketDep, session: SessionDep) -> TicketDetail:
    return _detail(session, ticket)


@router.post("", response_model=TicketDetail, status_code=status.HTTP_201_CREATED)
def create_ticket(
    body: TicketCreate, session: SessionDep, user: CurrentUser, settings: SettingsDep, response: Response
) -> TicketDetail:
    """Staff enter a phone call or a visit; it is routed and notified like a WeChat request."""
    own = access.scope(session=session, user=user)
    community_id = body.community_id if body.community_id is not None else own
    if own is not access.ALL and community_id != own:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may only enter tickets for your own community")
    details = dict(body.details)
    for key in ("name", "phone", "address", "building"):
        if (value := getattr(body, key)) is not None:
            details[key] = value
    created = ticket_service.create_or_merge(
        session=session,
        type=body.type,
        openid=body.openid,
        details=details,
        source=Source(body.source),
        priority=body.priority,
        community_id=community_id,
        actor=user.username,
        settings=settings,
    )
    session.commit()
    if created.merged:
        response.status_code = status.HTTP_200_OK
    return _detail(session, created.ticket, merged=created.merged)


@router.post("/{ticket_id}/transition", response_model=TicketDetail)
def transition_ticket(
    body: TransitionIn, ticket: TicketDep, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> TicketDetail:
    if body.assignee:
        _check_assignee(session, body.assignee, ticket)
    try:
        ticket_service.transition(
            session=session,
            ticket=ticket,
            to_status=body.to_status,
            actor=user.username,
            note=body.note,
            assignee=body.assignee,
            settings=settings,
        )
    except TicketError as error:
        session.rollback()
        raise _error(error) from error
    session.commit()
    return _detail(session, ticket)


@router.post("/{ticket_id}/notes", response_model=TicketDetail, status_code=status.HTTP_201_CREATED)
def add_note(body: NoteIn, ticket: TicketDep, session: SessionDep, user: CurrentUser) -> TicketDetail:
    ticket_service.add_note(session=session, ticket=ticket, actor=user.username, note=body.note)
    session.commit()
    return _detail(session, ticket)


@router.post("/{ticket_id}/reply", response_model=TicketDetail, status_code=status.HTTP_201_CREATED)
def reply(
    body: ReplyIn, ticket: TicketDep, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> TicketDetail:
    """Sent to the resident: a customer-service message in WeChat's window, else a template message."""
    try:
        ticket_service.reply_to_resident(
            session=session, ticket=ticket, actor=user.username, text=body.text, settings=settings
        )
    except TicketError as error:
        session.rollback()
        raise _error(error) from error
    session.commit()
    return _detail(session, ticket)


def _check_assignee(session: Session, username: str, ticket: Ticket) -> None:
    """An assignee must be an active user of the ticket's community (422 names the field)."""
    target = session.exec(select(User).where(col(User.username) == username)).first()
    if target is None or not target.active or not access.can_act(session=session, user=target, ticket=ticket):
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "assignee"],
                    "msg": f"no active user {username} in this community",
                    "type": "unknown_user",
                }
            ],
        )
