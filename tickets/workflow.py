"""Changing a ticket after creation: status transitions, (re)assignment, notes, replies to the resident.

Every change is a timeline line with its actor (a username, ``resident`` or ``system``). The first
action of a person (not ``system``/``resident``) counts as the acknowledgement that stops the SLA clock.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.settings import Settings
from core.timeutil import utcnow
from residents.models import User
from tickets import notify, routing, sla
from tickets.exceptions import InvalidTransition, NotReachable, UnknownUser
from tickets.models import OPEN_STATUSES, Priority, Ticket, TicketEvent, TicketStatus, TicketType

S = TicketStatus
ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.CANCELLED}),
    # assigned → assigned: dispatched again to someone else (a ticket an admin holds for want of a member)
    S.ASSIGNED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.RESOLVED, S.CLOSED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),  # reopened when the resident says it is not done
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
NOT_A_PERSON = frozenset({"system", "resident"})
RESIDENT_MAY = frozenset({S.CANCELLED, S.CLOSED})  # closing: "结束" ends a consult they opened
# An emergency must not vanish at a word: the member closes it after calling to make sure.
KEPT_OPEN_FOR_MEMBER = frozenset({TicketType.EMERGENCY})
WITHDRAWN = "居民说已不需要了，请电话确认后再关闭"


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
    now = utcnow()
    event = TicketEvent(
        ticket_id=ticket.id, actor=actor, action=action, note=note, from_status=from_status, to_status=to_status, at=now
    )
    session.add(event)
    ticket.updated_at = now
    session.add(ticket)
    return event


def _acknowledge(ticket: Ticket, actor: str) -> None:
    if ticket.acknowledged_at is None and actor not in NOT_A_PERSON:
        ticket.acknowledged_at = utcnow()


def transition(
    *,
    session: Session,
    ticket: Ticket,
    to_status: str,
    actor: str,
    note: str = "",
    assignee: str | None = None,
    settings: Settings,
) -> Ticket:
    """Move ``ticket`` to ``to_status`` (InvalidTransition when not allowed) and tell the resident.

    ``actor="resident"`` may only cancel or close (end a consult) an open ticket. ``assigned`` needs
    an assignee (given, or the current one). The caller commits.
    """

    try:
        target, source = TicketStatus(to_status), TicketStatus(ticket.status)
    except ValueError as error:
        raise InvalidTransition(f"unknown status {to_status}", field="to_status") from error
    if target not in ALLOWED[source]:
        raise InvalidTransition(f"cannot go from {source} to {target}", field="to_status")
    if actor == "resident" and target not in RESIDENT_MAY:
        raise InvalidTransition("a resident may only cancel or close", field="to_status")
    if actor == "resident" and ticket.type in KEPT_OPEN_FOR_MEMBER:
        raise InvalidTransition("a member closes an emergency after calling", field="to_status")
    if target is S.ASSIGNED:
        if source is S.ASSIGNED and not assignee:
            raise InvalidTransition("already assigned: name the new assignee", field="assignee")
        if assignee:
            _set_assignee(session, ticket, assignee)
        if not ticket.assignee:
            raise InvalidTransition("assigning needs an assignee", field="assignee")
    now = utcnow()
    ticket.status = target
    if target is S.RESOLVED:
        ticket.resolved_at = now
    if target in (S.CLOSED, S.CANCELLED):
        ticket.closed_at = now
    if target is not S.ASSIGNED:
        _acknowledge(ticket, actor)
    record(
        session=session,
        ticket=ticket,
        actor=actor,
        action="status",
        from_status=source,
        to_status=target,
        note=note if target is not S.ASSIGNED else f"分派给 {ticket.assignee}" + (f"；{note}" if note else ""),
    )
    seq = len(notify_events(session, ticket))
    if target is S.ASSIGNED:
        notify.on_assigned(session=session, ticket=ticket, settings=settings, seq=seq)
    # The resident hears of every change they did not make themselves (closing a resolved one is filing).
    if actor != "resident" and not (target is S.CLOSED and source is S.RESOLVED):
        notify.notify_resident(
            session=session,
            ticket=ticket,
            text=notify.status_text(ticket, note),
            event=f"status-{seq}",
            settings=settings,
        )
    return ticket


def cancel_for_resident(*, session: Session, ticket: Ticket, settings: Settings) -> bool:
    """The resident's 取消: True when cancelled; an emergency stays open, noted, its member told (False)."""
    if ticket.type not in KEPT_OPEN_FOR_MEMBER:
        transition(
            session=session, ticket=ticket, to_status=S.CANCELLED, actor="resident", note="居民取消", settings=settings
        )
        return True
    said = session.exec(
        select(TicketEvent).where(col(TicketEvent.ticket_id) == ticket.id, col(TicketEvent.note) == WITHDRAWN)
    ).first()
    if said is None:  # asked twice, told once
        record(session=session, ticket=ticket, actor="resident", action="note", note=WITHDRAWN)
        notify.on_withdrawn(session=session, ticket=ticket, settings=settings)
    return False


def notify_events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    """Timeline lines so far: their count makes each notification's dedup key unique and stable."""
    session.flush()
    return list(session.exec(select(TicketEvent).where(col(TicketEvent.ticket_id) == ticket.id)))


def _set_assignee(session: Session, ticket: Ticket, username: str) -> None:
    user = session.exec(select(User).where(col(User.username) == username)).first()
    if user is None or not user.active:
        raise UnknownUser(f"no active user {username}", field="assignee")
    if ticket.backup == username:
        ticket.backup = None
    ticket.assignee = username


def assign(
    *, session: Session, ticket: Ticket, assignee: str, actor: str, note: str = "", settings: Settings
) -> Ticket:
    """Hand ``ticket`` to ``assignee`` (status becomes ``assigned`` when it was new or in progress)."""
    if ticket.status in (S.NEW, S.IN_PROGRESS):
        return transition(
            session=session,
            ticket=ticket,
            to_status=S.ASSIGNED,
            actor=actor,
            note=note,
            assignee=assignee,
            settings=settings,
        )
    if not ticket.is_open:
        raise InvalidTransition(f"ticket is {ticket.status}", field="assignee")
    previous = ticket.assignee
    _set_assignee(session, ticket, assignee)
    record(
        session=session,
        ticket=ticket,
        actor=actor,
        action="reassigned",
        note=f"由 {previous or '无'} 转交 {assignee}" + (f"；{note}" if note else ""),
    )
    notify.on_assigned(session=session, ticket=ticket, settings=settings, seq=len(notify_events(session, ticket)))
    return ticket


def add_note(*, session: Session, ticket: Ticket, actor: str, note: str) -> TicketEvent:
    """An internal note (not sent to the resident); a member's note acknowledges the ticket."""
    _acknowledge(ticket, actor)
    return record(session=session, ticket=ticket, actor=actor, action="note", note=note)


def reply_to_resident(*, session: Session, ticket: Ticket, actor: str, text: str, settings: Settings) -> TicketEvent:
    """Send ``text`` to the resident (customer-service message, else template) and log it."""
    if not ticket.openid:
        raise NotReachable("该工单没有微信联系人，请电话联系居民", field="text")
    if ticket.simulated:
        raise NotReachable("模拟工单不会发送消息", field="text")
    seq = len(notify_events(session, ticket)) + 1
    message = notify.notify_resident(
        session=session,
        ticket=ticket,
        text=f"社区回复（单号 {ticket.number}）：{text}",
        event=f"reply-{seq}",
        settings=settings,
    )
    if message is None:
        raise NotReachable("居民不在微信客服消息时限内，且未配置状态通知模板，请电话联系居民", field="text")
    _acknowledge(ticket, actor)
    return record(session=session, ticket=ticket, actor=actor, action="reply", note=text)


def reroute_open(*, session: Session, settings: Settings) -> int:
    """After the grid map or the roster changed: route again each open ticket nobody has taken on.

    Only tickets without an assignee, or held by an admin/staff for want of a member, and not yet
    acknowledged; each move is a timeline line and a notice to the new holder. Returns how many moved.
    """
    query = select(Ticket).where(col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.acknowledged_at).is_(None))
    moved = 0
    for ticket in session.exec(query.order_by(col(Ticket.id))).all():
        if not routing.held_by_fallback(session=session, ticket=ticket):
            continue
        route = routing.route(
            session=session,
            settings=settings,
            community_id=ticket.community_id,
            building=ticket.building,
            at=utcnow(),
            urgent=ticket.priority == Priority.URGENT,
        )
        if route.assignee in (None, ticket.assignee) or (route.reason == "unrouted" and ticket.assignee):
            continue
        previous, source = ticket.assignee, TicketStatus(ticket.status)
        ticket.assignee, ticket.backup, ticket.grid = route.assignee, route.backup, route.grid or ticket.grid
        if source is S.NEW:
            ticket.status = S.ASSIGNED
        record(
            session=session,
            ticket=ticket,
            actor="system",
            action="rerouted",
            from_status=source,
            to_status=ticket.status,
            note=f"网格或值班表已更新，由 {previous or '无'} 改派给 {route.assignee}",
        )
        notify.on_assigned(session=session, ticket=ticket, settings=settings, seq=len(notify_events(session, ticket)))
        moved += 1
    return moved


def downgrade(*, session: Session, ticket: Ticket, said: str, settings: Settings) -> notify.Reached:
    """The resident says the alarm was no emergency: urgent becomes high, noted, the member told.

    The ticket is never deleted or closed here: the member calls to make sure, then closes it.
    """
    if ticket.priority != Priority.URGENT:
        record(session=session, ticket=ticket, actor="resident", action="note", note=said)
        return notify.Reached()
    ticket.priority = Priority.HIGH
    if ticket.acknowledged_at is None and ticket.escalated_at is None:
        ticket.ack_due_at = sla.deadline(Priority.HIGH, ticket.created_at, settings)
    record(
        session=session,
        ticket=ticket,
        actor="resident",
        action="downgraded",
        note=f"居民说不是紧急情况：{said}（优先级由紧急改为优先，请电话确认后再关闭）",
    )
    return notify.on_downgraded(
        session=session, ticket=ticket, settings=settings, seq=len(notify_events(session, ticket))
    )


def nudge(*, session: Session, ticket: Ticket, said: str, settings: Settings) -> notify.Reached:
    """The resident asks where help is ("人呢"): their words on the timeline, the holders told again."""
    record(session=session, ticket=ticket, actor="resident", action="nudged", note=said)
    return notify.on_nudged(session=session, ticket=ticket, settings=settings, seq=len(notify_events(session, ticket)))
