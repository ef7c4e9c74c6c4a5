"""Who may see and act on which tickets (checked per object: ASVS, a member sees their community only).

A user's community is ``User.community_id``; a user without one belongs to the first (default)
community — so a single-community setup needs no step — except an admin without one, who serves the
whole street office (every community), as does a supervisor (read-only) without one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from residents.models import Community, Role, User
from tickets.models import Ticket

ALL = None


def default_community_id(session: Session) -> int | None:
    return session.exec(select(Community.id).order_by(col(Community.id))).first()


def scope(*, session: Session, user: User) -> int | None:
    """The community id the user works in, or ``ALL`` (None) for a street-level admin."""
    if user.community_id is not None:
        return user.community_id
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return ALL
    return default_community_id(session)


def ticket_community(session: Session, ticket: Ticket) -> int | None:
    return ticket.community_id if ticket.community_id is not None else default_community_id(session)


def can_see(*, session: Session, user: User, ticket: Ticket) -> bool:
    own = scope(session=session, user=user)
    return own is ALL or ticket_community(session, ticket) == own


def can_act(*, session: Session, user: User, ticket: Ticket) -> bool:
    """Seeing and changing: a street-office supervisor reads, never changes."""
    return user.role != Role.SUPERVISOR and can_see(session=session, user=user, ticket=ticket)


def list_filter(*, session: Session, user: User, mine: bool | None) -> list[Any]:
    """WHERE clauses for a listing: the user's community; a member's own tickets unless ``mine=False``."""
    clauses: list[Any] = []
    own = scope(session=session, user=user)
    if own is not ALL:
        if own == default_community_id(session):
            clauses.append(or_(col(Ticket.community_id) == own, col(Ticket.community_id).is_(None)))
        else:
            clauses.append(col(Ticket.community_id) == own)
    if mine is None:
        mine = user.role == Role.MEMBER
    if mine:
        clauses.append(or_(col(Ticket.assignee) == user.username, col(Ticket.backup) == user.username))
    return clauses
