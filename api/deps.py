"""Dependencies as aliases, in one place: sessions, the current staff user, the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from bot.pipeline import Pipeline
from core.settings import Settings
from knowledge.base import KnowledgeBase
from residents import accounts
from residents.models import Role, User

_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_pipeline(request: Request) -> Pipeline:
    return request.app.state.pipeline


def get_knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]


def current_user(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", {"WWW-Authenticate": "Bearer"})
    user = accounts.user_for_token(session=session, token=credentials.credentials)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", {"WWW-Authenticate": "Bearer"})
    session.commit()
    return user


def staff_user(user: Annotated[User, Depends(current_user)]) -> User:
    """Admins and staff: they edit the knowledge base and see all tickets of their community."""
    if user.role not in (Role.ADMIN, Role.STAFF):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "staff or admin role required")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
CurrentStaff = Annotated[User, Depends(staff_user)]
