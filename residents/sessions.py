"""Console sign-ins kept server-side, and the throttle on failed sign-ins and bindings.

The browser holds only a random session id (its SHA-256 is stored); ending a session is a row
update, so a signed-out cookie is worthless even if copied. Throttling counts failures in the
database so it holds across instances.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from core.timeutil import utcnow
from residents.models import Attempt, ConsoleSession, User

SESSION_HOURS = 12
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(*, session: Session, user: User, via: str = "password") -> tuple[str, ConsoleSession]:
    """A new session for ``user``: the cookie value (shown once) and its row. The caller commits."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ConsoleSession(
        token_hash=_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS),
        via=via,
    )
    session.add(row)
    session.flush()
    return token, row


def lookup(*, session: Session, token: str | None) -> tuple[ConsoleSession, User] | None:
    """The live session behind a cookie value and its active user; None when ended, expired or unknown."""
    if not token:
        return None
    row = session.exec(select(ConsoleSession).where(col(ConsoleSession.token_hash) == _hash(token))).first()
    if row is None or row.ended_at is not None or aware(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def end(*, session: Session, token: str | None) -> None:
    """Sign out: the session stops working at once, whatever copies of the cookie exist."""
    found = lookup(session=session, token=token)
    if found is not None:
        found[0].ended_at = utcnow()
        session.add(found[0])


def end_all(*, session: Session, user_id: int) -> None:
    """End every session of a user (deactivated, password changed)."""
    rows = session.exec(
        select(ConsoleSession).where(col(ConsoleSession.user_id) == user_id, col(ConsoleSession.ended_at).is_(None))
    )
    for row in rows:
        row.ended_at = utcnow()
        session.add(row)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- throttling --------------------------------------------------------------------------------------
def failures(*, session: Session, kind: str, keys: list[str]) -> int:
    """The most failures any of ``keys`` had in the window (5 on one account or one address blocks)."""
    since = utcnow() - THROTTLE_WINDOW
    worst = 0
    for key in keys:
        count = session.exec(
            select(func.count())
            .select_from(Attempt)
            .where(col(Attempt.kind) == kind, col(Attempt.key) == key, col(Attempt.at) >= since)
        ).one()
        worst = max(worst, int(count))
    return worst


def throttled(*, session: Session, kind: str, keys: list[str]) -> bool:
    return failures(session=session, kind=kind, keys=keys) >= THROTTLE_LIMIT


def fail(*, session: Session, kind: str, keys: list[str]) -> None:
    """Count one failure against each key; old rows are pruned as we go."""
    now = utcnow()
    for key in keys:
        session.add(Attempt(kind=kind, key=key, at=now))
    session.exec(delete(Attempt).where(col(Attempt.at) < now - THROTTLE_WINDOW * 4))
