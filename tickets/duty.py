"""The on-duty roster: shifts with a start and an end, per community."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from core.settings import Settings, get_settings
from tickets import workflow
from tickets.exceptions import TicketError, UnknownUser
from tickets.models import DutyShift
from tickets.routing import active_user


def set_shift(
    *,
    session: Session,
    username: str,
    starts_at: datetime,
    ends_at: datetime,
    community_id: int,
    note: str = "",
    settings: Settings | None = None,
) -> DutyShift:
    """Put ``username`` on duty for [starts_at, ends_at); overlapping shifts are allowed (the latest start wins).

    Open tickets without an owner, or held by an admin for want of a member, are then routed again
    (``settings``: night hours; the process's settings when not given).
    """
    if active_user(session=session, username=username) is None:
        raise UnknownUser(f"no active user {username}", field="username")
    if ends_at <= starts_at:
        raise TicketError("the shift must end after it starts", field="to")
    shift = DutyShift(community_id=community_id, username=username, starts_at=starts_at, ends_at=ends_at, note=note)
    session.add(shift)
    session.flush()
    workflow.reroute_open(session=session, settings=settings or get_settings())
    return shift


def shifts(
    *, session: Session, community_id: int | None = None, ending_after: datetime | None = None
) -> list[DutyShift]:
    query = select(DutyShift)
    if community_id is not None:
        query = query.where(col(DutyShift.community_id) == community_id)
    if ending_after is not None:
        query = query.where(col(DutyShift.ends_at) > ending_after)
    return list(session.exec(query.order_by(col(DutyShift.starts_at))))


def remove_shift(*, session: Session, shift_id: int) -> bool:
    shift = session.get(DutyShift, shift_id)
    if shift is None:
        return False
    session.delete(shift)
    return True
