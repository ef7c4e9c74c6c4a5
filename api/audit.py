"""GET /api/audit: the audit log, newest first. Admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict

from api.deps import CurrentUser, SessionDep
from residents import audit
from residents.models import Role, User


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str
    address: str


class AuditsPublic(BaseModel):
    data: list[AuditPublic]
    count: int


def admin_user(user: CurrentUser, session: SessionDep) -> User:
    if user.role != Role.ADMIN:
        audit.record(session=session, actor=user.username, action=audit.AuditAction.REFUSED, target="/api/audit")
        session.commit()
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin role required")
    return user


router = APIRouter(prefix="/api", tags=["audit"])


@router.get("/audit", response_model=AuditsPublic)
def list_audit(
    session: SessionDep,
    user: Annotated[User, Depends(admin_user)],
    action: str | None = None,
    actor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditsPublic:
    rows, count = audit.listing(session=session, action=action, actor=actor, limit=limit, offset=offset)
    return AuditsPublic(data=[AuditPublic.model_validate(row) for row in rows], count=count)
