"""Who handles a ticket: building → grid → responsible member, with the on-duty roster as fallback.

分区包干、责任到人: a request goes to the member of the resident's building's grid. The on-duty
member covers unknown buildings, night hours, and members who are inactive (absent); urgent tickets
go to whoever is on duty first. The backup (who an overdue ticket escalates to) is the on-duty
member, or the community's admin.

No ticket is left without an owner: with no grid member and nobody on duty, the community's first
active admin (else staff) holds it and must dispatch it ("fallback"); when grids or the roster change,
such tickets are routed again (:func:`tickets.workflow.reroute_open`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from core.settings import Settings
from core.timeutil import local
from residents.models import Building, Community, Grid, Resident, Role, User
from residents.service import building_name
from tickets.models import DutyShift, Ticket, TicketEvent, TicketStatus


@dataclass(frozen=True)
class Route:
    community_id: int | None
    building: str | None
    grid: str | None
    assignee: str | None
    backup: str | None
    # grid | duty | night | urgent: said on the timeline; unrouted: no member found, ``assignee`` is
    # then the community's fallback owner (an admin or staff, None only when there is none at all).
    reason: str


def normalise_building(text: str | None) -> str | None:
    """'8栋1单元302', '8号楼', ' 8栋 ' -> '8栋'; other names are kept as written."""
    if not text or not text.strip():
        return None
    return building_name(text) or text.strip()


def building_of(*, details: dict[str, object], resident: Resident | None) -> str | None:
    """The building named in the request, else the one the resident gave before."""
    for value in (details.get("building"), details.get("address")):
        if isinstance(value, str) and (name := normalise_building(value)):
            return name
    if resident is not None:
        return normalise_building(resident.building) or normalise_building(resident.address)
    return None


def community_for(
    *, session: Session, building: str | None, resident: Resident | None, fallback: int | None
) -> int | None:
    """The resident's community, else the one community that has this building, else ``fallback``."""
    if resident is not None and resident.community_id is not None:
        return resident.community_id
    if building:
        ids = set(session.exec(select(Building.community_id).where(col(Building.name) == building)).all())
        if len(ids) == 1:
            return ids.pop()
    if fallback is not None:
        return fallback
    first = session.exec(select(Community.id).order_by(col(Community.id))).first()
    return first


def active_user(*, session: Session, username: str | None) -> User | None:
    if not username:
        return None
    user = session.exec(select(User).where(col(User.username) == username)).first()
    return user if user is not None and user.active else None


def on_duty(*, session: Session, community_id: int | None, at: datetime) -> str | None:
    """The active member on duty at ``at`` (the shift that started last wins)."""
    if community_id is None:
        return None
    shifts = session.exec(
        select(DutyShift)
        .where(col(DutyShift.community_id) == community_id, col(DutyShift.starts_at) <= at, col(DutyShift.ends_at) > at)
        .order_by(col(DutyShift.starts_at).desc())
    ).all()
    for shift in shifts:
        if active_user(session=session, username=shift.username) is not None:
            return shift.username
    return None


def community_admin(*, session: Session, community_id: int | None, exclude: str | None = None) -> str | None:
    """An active admin of the community (an admin with no community serves every community)."""
    query = select(User).where(col(User.role) == Role.ADMIN, col(User.active) == True)  # noqa: E712
    if community_id is not None:
        query = query.where(or_(col(User.community_id) == community_id, col(User.community_id).is_(None)))
    for user in session.exec(query.order_by(col(User.community_id).is_(None), col(User.id))).all():
        if user.username != exclude:
            return user.username
    return None


def _default_community(session: Session) -> int | None:
    return session.exec(select(Community.id).order_by(col(Community.id))).first()


def community_people(
    *, session: Session, community_id: int | None, roles: tuple[Role, ...] = tuple(Role)
) -> list[User]:
    """Active users of the community with one of ``roles``, admins first, then staff, then members.

    As in :mod:`tickets.access`: a user without a community works in the first one, except an admin
    without one, who serves every community.
    """
    users = session.exec(select(User).where(col(User.active) == True, col(User.role).in_(roles))).all()  # noqa: E712
    default = _default_community(session)
    order = {Role.ADMIN: 0, Role.STAFF: 1, Role.MEMBER: 2}

    def belongs(user: User) -> bool:
        if user.community_id is not None:
            return community_id is None or user.community_id == community_id
        return user.role == Role.ADMIN or community_id is None or community_id == default

    found = [user for user in users if belongs(user)]
    return sorted(found, key=lambda u: (order.get(Role(u.role), 3), u.community_id is None, u.id or 0))


def fallback_owner(*, session: Session, community_id: int | None, exclude: str | None = None) -> str | None:
    """Who holds a ticket nobody else can take: the community's first active admin, else staff."""
    people = community_people(session=session, community_id=community_id, roles=(Role.ADMIN, Role.STAFF))
    return next((user.username for user in people if user.username != exclude), None)


def is_night(at: datetime, settings: Settings) -> bool:
    hour = local(at, settings.timezone).hour
    start, end = settings.duty_night_start_hour, settings.duty_night_end_hour
    return (hour >= start or hour < end) if start > end else start <= hour < end


def route(
    *, session: Session, settings: Settings, community_id: int | None, building: str | None, at: datetime, urgent: bool
) -> Route:
    """Decide assignee and backup for a new ticket."""
    grid: Grid | None = None
    assignee: str | None
    if building and community_id is not None:
        found = session.exec(
            select(Building).where(col(Building.community_id) == community_id, col(Building.name) == building)
        ).first()
        grid = session.get(Grid, found.grid_id) if found is not None else None
    member = active_user(session=session, username=grid.member if grid else None)
    duty = on_duty(session=session, community_id=community_id, at=at)

    if urgent and duty:
        assignee, reason = duty, "urgent"
    elif member and not (duty and is_night(at, settings)):
        assignee, reason = member.username, "grid"
    elif duty:
        assignee, reason = duty, "night" if member else "duty"
    elif member:
        assignee, reason = member.username, "grid"
    else:
        assignee, reason = fallback_owner(session=session, community_id=community_id), "unrouted"

    backup = duty if duty and duty != assignee else None
    if backup is None and urgent and member and member.username != assignee:
        backup = member.username
    if backup is None:
        backup = community_admin(session=session, community_id=community_id, exclude=assignee)
    if backup is None and reason == "unrouted":
        backup = fallback_owner(session=session, community_id=community_id, exclude=assignee)
    return Route(community_id, building, grid.name if grid else None, assignee, backup, reason)


def grid_member(*, session: Session, ticket: Ticket) -> str | None:
    """The member of the ticket's grid as the map stands now (active or not)."""
    if not ticket.building or ticket.community_id is None:
        return None
    found = session.exec(
        select(Building).where(col(Building.community_id) == ticket.community_id, col(Building.name) == ticket.building)
    ).first()
    grid = session.get(Grid, found.grid_id) if found is not None else None
    return grid.member if grid is not None else None


def held_by_fallback(*, session: Session, ticket: Ticket) -> bool:
    """Open, not yet taken on, and held by nobody or by an admin/staff only because no member was found.

    A person who assigned it (the console's 分派 / 转交) or acknowledged it has decided: not re-routed.
    """
    if not ticket.is_open or ticket.acknowledged_at is not None:
        return False
    chosen = session.exec(
        select(TicketEvent.id).where(
            col(TicketEvent.ticket_id) == ticket.id,
            col(TicketEvent.actor).not_in(("system", "resident")),
            or_(col(TicketEvent.action) == "reassigned", col(TicketEvent.to_status) == TicketStatus.ASSIGNED),
        )
    ).first()
    if chosen is not None:
        return False
    if ticket.assignee is None:
        return True
    user = session.exec(select(User).where(col(User.username) == ticket.assignee)).first()
    if user is None or not user.active:
        return True
    return user.role != Role.MEMBER and ticket.assignee != grid_member(session=session, ticket=ticket)


def escalation_backup(*, session: Session, ticket: Ticket, at: datetime) -> str | None:
    """Whom an overdue ticket goes to, chosen at the deadline (the roster may have filled since it was made).

    Whoever is on duty now, else the backup chosen at creation, else the grid's member, else an admin
    or staff of the community — never the assignee themself.
    """
    candidates = [
        on_duty(session=session, community_id=ticket.community_id, at=at),
        ticket.backup,
        grid_member(session=session, ticket=ticket),
    ]
    for username in candidates:
        if username and username != ticket.assignee and active_user(session=session, username=username):
            return username
    return fallback_owner(session=session, community_id=ticket.community_id, exclude=ticket.assignee)


def backup_takes_over(*, session: Session, ticket: Ticket) -> bool:
    """At escalation: the backup takes the ticket when nobody holds it, or an admin/staff holds it for
    want of a member and the backup is a member (an on-duty member who came on since)."""
    if ticket.backup is None:
        return False
    if ticket.assignee is None:
        return True
    backup = active_user(session=session, username=ticket.backup)
    return backup is not None and backup.role == Role.MEMBER and held_by_fallback(session=session, ticket=ticket)
