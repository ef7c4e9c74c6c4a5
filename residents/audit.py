"""The audit log: sign-ins, permission refusals, ticket changes, FAQ edits and exports (admins read it)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.timeutil import utcnow
from residents.models import AuditEntry


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    OAUTH_LOGIN = "oauth_login"
    REFUSED = "refused"
    TICKET = "ticket"
    FAQ = "faq"
    EXPORT = "export"
    SETUP = "setup"
    BIND = "bind"


def record(
    *, session: Session, actor: str, action: str, target: str = "", detail: str = "", address: str = ""
) -> AuditEntry:
    """Append one line; the caller commits (a refusal commits it on its own)."""
    entry = AuditEntry(
        at=utcnow(), actor=actor[:64], action=action, target=target[:120], detail=detail[:500], address=address[:64]
    )
    session.add(entry)
    return entry


def listing(
    *, session: Session, action: str | None = None, actor: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """Newest first, with the total count."""
    clauses = []
    if action:
        clauses.append(col(AuditEntry.action) == action)
    if actor:
        clauses.append(col(AuditEntry.actor) == actor)
    count = session.exec(select(func.count()).select_from(AuditEntry).where(*clauses)).one()
    rows = session.exec(
        select(AuditEntry).where(*clauses).order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), int(count)
