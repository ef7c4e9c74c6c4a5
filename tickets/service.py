"""Creating tickets — routed, prioritised, deadlined, merged when repeated — and reading them.

Callers write ``from tickets import service as ticket_service``. Changes after creation (transition,
assign, notes, replies) live in :mod:`tickets.workflow` and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from core.settings import Settings
from core.timeutil import utcnow
from residents.accounts import shown_name
from residents.models import Grid, Resident, User
from tickets import notify, routing, sla
from tickets import priority as _priority  # the name ``priority`` is create()'s argument
from tickets.models import OPEN_STATUSES, Priority, Source, Ticket, TicketEvent, TicketStatus
from tickets.numbering import next_number
from tickets.workflow import add_note, assign, record, reply_to_resident, transition

__all__ = [
    "STAFF_WORD",
    "Created",
    "Responsible",
    "add_note",
    "allowance_used",
    "assign",
    "create",
    "create_or_merge",
    "display_name",
    "next_number",
    "open_for",
    "record",
    "reply_to_resident",
    "responsible",
    "timeline",
    "transition",
]


# Requests counted against a household allowance (每户最多 N 份): their quantities add up when merged.
ALLOWANCE_TYPES = frozenset({"antigen"})


@dataclass(frozen=True)
class Created:
    ticket: Ticket
    merged: bool  # True: the resident already had this request open; it was added to that ticket


def create(
    *,
    session: Session,
    type: str,
    openid: str | None,
    details: dict[str, Any],
    source: str = Source.WECHAT,
    priority: str | None = None,
    community_id: int | None = None,
    actor: str = "resident",
    building: str | None = None,
    settings: Settings,
) -> Ticket:
    """Store a new ticket — or return the resident's open one of the same type, with the request added.

    See :func:`create_or_merge` (which also says whether it merged) for what each argument does.
    """
    return create_or_merge(
        session=session,
        type=type,
        openid=openid,
        details=details,
        source=source,
        priority=priority,
        community_id=community_id,
        actor=actor,
        building=building,
        settings=settings,
    ).ticket


def create_or_merge(
    *,
    session: Session,
    type: str,
    openid: str | None,
    details: dict[str, Any],
    source: str = Source.WECHAT,
    priority: str | None = None,
    community_id: int | None = None,
    actor: str = "resident",
    building: str | None = None,
    settings: Settings,
) -> Created:
    """Route, prioritise, set the acknowledgement deadline and notify (unless simulated).

    - ``details``: the flow's slots, stored as they are. Priority reads ``age``, ``lives_alone``,
      ``pregnant``, ``infant``, ``chronic``, ``dialysis``, ``disabled``, ``conditions`` (list of str),
      ``symptoms``, ``spo2``, ``red_flags`` (see :func:`tickets.priority.assess`); routing reads
      ``building`` or ``address`` (e.g. "8栋1单元302"), else the resident's saved building/address.
    - ``priority``: a floor; the assessed priority wins when higher. ``emergency`` is always urgent.
    - ``community_id``: used when neither the resident's community nor a unique building decides it.
    - ``source``: ``simulated`` tickets are stored and routed but notify nobody.
    - The same ``openid`` with an open ticket of the same ``type`` → that ticket, with a timeline note.
    The caller commits.
    """

    assessed = _priority.assess(type=type, details=details)
    wanted = _priority.higher(priority or Priority.NORMAL, assessed)
    if openid:
        existing = _open_same(session=session, openid=openid, type=type, simulated=source == Source.SIMULATED)
        if existing is not None:
            _merge(session=session, ticket=existing, details=details, wanted=wanted, actor=actor, settings=settings)
            return Created(existing, merged=True)

    resident = session.exec(select(Resident).where(Resident.openid == openid)).first() if openid else None
    building = routing.normalise_building(building) or routing.building_of(details=details, resident=resident)
    community = routing.community_for(session=session, building=building, resident=resident, fallback=community_id)
    now = utcnow()
    route = routing.route(
        session=session,
        settings=settings,
        community_id=community,
        building=building,
        at=now,
        urgent=wanted == Priority.URGENT,
    )
    ticket = Ticket(
        number=next_number(session=session, settings=settings),
        type=type,
        openid=openid,
        details=dict(details),
        source=source,
        priority=wanted,
        community_id=community,
        building=building,
        grid=route.grid,
        assignee=route.assignee,
        backup=route.backup,
        ack_due_at=sla.deadline(wanted, now, settings),
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    record(session=session, ticket=ticket, actor=actor, action="created", to_status=TicketStatus.NEW)
    if route.assignee:
        ticket.status = TicketStatus.ASSIGNED
        record(
            session=session,
            ticket=ticket,
            actor="system",
            action="assigned",
            from_status=TicketStatus.NEW,
            to_status=TicketStatus.ASSIGNED,
            note=_ROUTE_NOTES[route.reason].format(who=route.assignee),
        )
    else:
        record(session=session, ticket=ticket, actor="system", action="unrouted", note=_ROUTE_NOTES["unrouted"])
    notify.on_created(session=session, ticket=ticket, settings=settings)
    return Created(ticket, merged=False)


_ROUTE_NOTES = {
    "grid": "按楼栋网格分派给 {who}",
    "duty": "楼栋未登记或网格员不在岗，分派给值班人员 {who}",
    "night": "夜间时段，分派给值班人员 {who}",
    "urgent": "紧急求助，分派给值班人员 {who}",
    "unrouted": "未找到网格员或值班人员，等待人工分派",
}


def _open_same(*, session: Session, openid: str, type: str, simulated: bool) -> Ticket | None:
    query = select(Ticket).where(
        col(Ticket.openid) == openid, col(Ticket.type) == type, col(Ticket.status).in_(OPEN_STATUSES)
    )
    for ticket in session.exec(query.order_by(col(Ticket.created_at).desc())):
        if ticket.simulated == simulated:
            return ticket
    return None


def _merge(
    *, session: Session, ticket: Ticket, details: dict[str, Any], wanted: Priority, actor: str, settings: Settings
) -> None:
    ticket.merged_count += 1
    # Keep what was asked first; add what is new, so nothing the resident said is lost.
    merged = dict(ticket.details)
    for key, value in details.items():
        merged.setdefault(key, value)
    # Kits under an allowance add up (3 then 2 more: 5 asked for), so the allowance is read off one ticket.
    old, new = ticket.details.get("quantity"), details.get("quantity")
    if ticket.type in ALLOWANCE_TYPES and isinstance(old, int) and isinstance(new, int):
        merged["quantity"] = old + new
    merged.setdefault("repeats", [])
    merged["repeats"] = [*merged["repeats"], {"at": utcnow().isoformat(), **details}][-10:]
    ticket.details = merged
    note = "居民再次提交同类请求，已合并到本工单"
    if _priority.higher(ticket.priority, wanted) != Priority(ticket.priority):
        note += f"；优先级由 {ticket.priority} 提升为 {wanted}"
        ticket.priority = wanted
        due = sla.deadline(wanted, utcnow(), settings)
        if ticket.acknowledged_at is None and (ticket.ack_due_at is None or due < ticket.ack_due_at):
            ticket.ack_due_at = due
    # The system merges on the resident's behalf; ``actor`` (who asked again) is named in the note.
    record(session=session, ticket=ticket, actor="system", action="merged", note=f"{note}（{actor}）")
    notify.on_merged(session=session, ticket=ticket, settings=settings)


def allowance_used(
    *, session: Session, type: str, openid: str, since: datetime, address: str | None = None, simulated: bool = False
) -> int:
    """How many of an allowance (the ``quantity`` of ``type`` tickets) a household has asked for since ``since``.

    A household is the resident and anyone who gave the same address; cancelled requests do not count,
    merged ones count in full (their quantities are added up).
    """
    building = routing.building_of(details={"address": address}, resident=None) if address else None
    # Only the resident's tickets and those of their building are read, not the whole community's.
    mine = col(Ticket.openid) == openid
    query = select(Ticket).where(
        col(Ticket.type) == type,
        col(Ticket.created_at) >= since,
        col(Ticket.status) != TicketStatus.CANCELLED,
        or_(mine, col(Ticket.building) == building) if building else mine,
    )
    used = 0
    for ticket in session.exec(query):
        if ticket.simulated != simulated:
            continue
        details = ticket.details or {}
        same_home = address is not None and details.get("address") == address
        quantity = details.get("quantity")
        if (ticket.openid == openid or same_home) and isinstance(quantity, int) and not isinstance(quantity, bool):
            used += quantity
    return used


def open_for(*, session: Session, openid: str) -> list[Ticket]:
    """A resident's open tickets, newest first."""
    query = (
        select(Ticket)
        .where(col(Ticket.openid) == openid, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(col(Ticket.created_at).desc())
    )
    return list(session.exec(query))


def timeline(*, session: Session, ticket_id: int) -> list[TicketEvent]:
    query = select(TicketEvent).where(col(TicketEvent.ticket_id) == ticket_id).order_by(col(TicketEvent.id))
    return list(session.exec(query))


STAFF_WORD = "社区工作人员"  # a member residents cannot be told the name of


@dataclass(frozen=True)
class Responsible:
    username: str
    display_name: str | None  # None: the account has no name a resident may see
    grid: str | None
    building: str | None
    is_grid_member: bool  # False: the on-duty member or an admin covers

    @property
    def phrase(self) -> str:
        """How the resident's reply names them: 8栋网格员王伟 / 社区值班人员李娜 / 社区工作人员."""
        if self.is_grid_member:
            return f"{self.building or self.grid or ''}网格员{self.display_name or ''}"
        return f"社区值班人员{self.display_name}" if self.display_name else STAFF_WORD


def display_name(*, session: Session, username: str) -> str | None:
    """The member's name as residents know them; None when the account has none (never the username)."""
    return shown_name(session.exec(select(User).where(col(User.username) == username)).first())


def responsible(*, session: Session, ticket: Ticket) -> Responsible | None:
    """Who handles ``ticket``, named for the resident; None while it is unassigned."""
    if not ticket.assignee:
        return None
    name = display_name(session=session, username=ticket.assignee)
    grid = None
    if ticket.grid and ticket.community_id is not None:
        grid = session.exec(
            select(Grid).where(col(Grid.community_id) == ticket.community_id, col(Grid.name) == ticket.grid)
        ).first()
    return Responsible(
        ticket.assignee, name, ticket.grid, ticket.building, grid is not None and grid.member == ticket.assignee
    )
