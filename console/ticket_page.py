"""One ticket: the resident (to who may see them), the timeline or the consult chat, and every action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlmodel import Session, col, or_, select
from starlette.responses import Response

from console.deps import SessionDep, Viewer, ViewerDep, refuse, render
from console.web import ConsoleRoute
from residents import canned
from residents.models import Resident, Role, User
from tickets import access
from tickets import service as ticket_service
from tickets.models import STATUS_NAMES, TYPE_NAMES, Ticket, TicketStatus, TicketType
from tickets.notify import PRIORITY_NAMES
from tickets.queries import is_late
from tickets.workflow import ALLOWED

router = APIRouter(prefix="/console", route_class=ConsoleRoute)

ACTION_NAMES = {
    "created": "登记",
    "assigned": "分派",
    "unrouted": "待分派",
    "status": "状态",
    "note": "备注",
    "reply": "回复居民",
    "reassigned": "转交",
    "merged": "合并",
    "escalated": "升级",
}
# What a member may set from the page (assigned goes through 转交).
STATUS_BUTTONS = {
    TicketStatus.IN_PROGRESS: "开始处理",
    TicketStatus.RESOLVED: "办结",
    TicketStatus.CLOSED: "关闭",
    TicketStatus.CANCELLED: "取消",
}


def ticket_for_viewer(ticket_id: int, request: Request, session: SessionDep, viewer: ViewerDep) -> Ticket:
    """The ticket, or 404 when there is none or it belongs to another community (its existence is not told)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise HTTPException(404, "找不到这张工单")
    if not access.can_see(session=session, user=viewer.user, ticket=ticket):
        # Answered as if it did not exist, and logged as the refusal it is.
        raise refuse(request, viewer.user.username, "找不到这张工单", 404)
    return ticket


TicketDep = Annotated[Ticket, Depends(ticket_for_viewer)]


def colleagues(session: Session, ticket: Ticket) -> list[User]:
    """Who a ticket can be handed to: active users of its community (and street-level admins)."""
    community = access.ticket_community(session, ticket)
    query = select(User).where(col(User.active) == True, col(User.role) != Role.SUPERVISOR)  # noqa: E712
    users = session.exec(query.where(or_(col(User.community_id) == community, col(User.community_id).is_(None))))
    return sorted(users, key=lambda u: u.username)


def page_context(session: Session, viewer: Viewer, ticket: Ticket) -> dict[str, Any]:
    assert ticket.id is not None
    events = ticket_service.timeline(session=session, ticket_id=ticket.id)
    may_act = access.can_act(session=session, user=viewer.user, ticket=ticket)
    resident = (
        session.exec(select(Resident).where(col(Resident.openid) == ticket.openid)).first() if ticket.openid else None
    )
    details = dict(ticket.details) if may_act else {}
    phone = details.get("phone") or (resident.phone if resident and may_act else None)
    chat = [e for e in events if (e.actor == "resident" and e.action == "note") or e.action == "reply"]
    return {
        "ticket": ticket,
        "events": events,
        "chat": chat if ticket.type == TicketType.CONSULT else [],
        "may_act": may_act,
        "resident": resident if may_act else None,
        "details": {k: v for k, v in details.items() if k not in ("repeats",)},
        "phone": str(phone).replace(" ", "") if phone else None,
        "late": is_late(ticket),
        "buttons": {s.value: label for s, label in STATUS_BUTTONS.items() if s in ALLOWED[TicketStatus(ticket.status)]},
        "claimable": ticket.is_open and ticket.assignee != viewer.user.username,
        "colleagues": colleagues(session, ticket) if may_act else [],
        "canned": canned.for_community(session=session, community_id=access.ticket_community(session, ticket)),
        "types": TYPE_NAMES,
        "STATUS_NAMES": STATUS_NAMES,
        "PRIORITY_NAMES": {k.value: v for k, v in PRIORITY_NAMES.items()},
        "ACTION_NAMES": ACTION_NAMES,
        "error": "",
    }


@router.get("/tickets/{ticket_id}")
def ticket_page(request: Request, session: SessionDep, viewer: ViewerDep, ticket: TicketDep) -> Response:
    context = page_context(session, viewer, ticket)
    session.commit()  # the default canned replies, the first time
    return render(request, "ticket.html", context)
