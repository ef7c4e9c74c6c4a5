"""Who handles a ticket: building → grid → responsible member, with the on-duty roster as fallback.

分区包干、责任到人: a request goes to the member of the resident's building's grid. The on-duty
member covers unknown buildings, night hours, and members who are inactive (absent); urgent tickets
go to whoever is on duty first. The backup (who an overdue ticket escalates to) is the on-duty
member, or the community's admin.
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
from tickets.models import DutyShift


@dataclass(frozen=True)
class Route:
    community_id: int | None
    building: str | None
    grid: str | None
    assignee: str | None
    backup: str | None
    reason: str  # grid | duty | night | urgent | unrouted: said on the timeline


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


def is_night(at: datetime, settings: Settings) -> bool:
    hour = local(at, settings.timezone).hour
    start, end = settings.duty_night_start_hour, settings.duty_night_end_hour
    return (hour >= start or hour < end) if start > end else start <= hour < end


def route(
    *, session: Session, settings: Settings, community_id: int | None, building: str | None, at: datetime, urgent: bool
) -> Route:
    """Decide assignee and backup for a new ticket."""
    grid: Grid | None = None
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
        assignee, reason = None, "unrouted"

    backup = duty if duty and duty != assignee else None
    if backup is None and urgent and member and member.username != assignee:
        backup = member.username
    if backup is None:
        backup = community_admin(session=session, community_id=community_id, exclude=assignee)
    return Route(community_id, building, grid.name if grid else None, assignee, backup, reason)
