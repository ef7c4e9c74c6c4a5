"""The console's own dependencies: the signed-in viewer from a server-side session, CSRF, roles.

Sessions live in the database (:mod:`residents.sessions`); the cookie holds a random id only, and
is Secure, HttpOnly and SameSite=Lax. Every form carries the session's CSRF token; a POST without it
is refused (403) and logged, as is any page a role may not see.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request, status
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.deps import SessionDep, SettingsDep
from core.db import session_scope
from core.timeutil import local
from residents import audit, sessions
from residents.models import ConsoleSession, Role, User
from tickets import access

COOKIE = "hotline_session"
LOGIN_CSRF_COOKIE = "hotline_login_csrf"
ROLE_NAMES = {"admin": "管理员", "staff": "工作人员", "member": "网格员", "supervisor": "街道督导"}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES


class LoginRequired(Exception):
    """No live session: the route class sends the browser to the sign-in page, then back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass
class Viewer:
    user: User
    row: ConsoleSession
    community_id: int | None  # None: every community (street-level admin, supervisor)

    @property
    def csrf(self) -> str:
        return self.row.csrf_token

    @property
    def name(self) -> str:
        return self.user.display_name or self.user.username

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.user.role in (Role.ADMIN, Role.STAFF)

    @property
    def read_only(self) -> bool:
        return self.user.role == Role.SUPERVISOR

    @property
    def community_ids(self) -> list[int] | None:
        return None if self.community_id is None else [self.community_id]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def refuse(request: Request, actor: str, detail: str, code: int = status.HTTP_403_FORBIDDEN) -> HTTPException:
    """Log a permission refusal in its own transaction (the request itself fails) and build the error."""
    with session_scope(request.app.state.engine) as session:
        audit.record(
            session=session,
            actor=actor,
            action=audit.AuditAction.REFUSED,
            target=request.url.path,
            detail=detail,
            address=client_address(request),
        )
    return HTTPException(code, detail)


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    found = sessions.lookup(session=session, token=request.cookies.get(COOKIE))
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    row, user = found
    viewer = Viewer(user, row, access.scope(session=session, user=user))
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def checked_form(request: Request, viewer: ViewerDep) -> Viewer:
    """A change: the form's CSRF token must match the session's, and the viewer may change things."""
    form = await request.form()
    sent = str(form.get("csrf_token") or request.headers.get("X-CSRF-Token") or "")
    if not hmac.compare_digest(sent.encode(), viewer.csrf.encode()):
        raise refuse(request, viewer.user.username, "CSRF 校验失败：表单已过期，请刷新页面后重试")
    if viewer.read_only:
        raise refuse(request, viewer.user.username, "街道督导账号只能查看，不能修改")
    return viewer


WriterDep = Annotated[Viewer, Depends(checked_form)]


def require(*roles: Role) -> Callable[..., Viewer]:
    def check(request: Request, viewer: ViewerDep) -> Viewer:
        if viewer.user.role not in roles:
            raise refuse(request, viewer.user.username, "您的账号没有权限查看此页面")
        return viewer

    return check


StaffDep = Annotated[Viewer, Depends(require(Role.ADMIN, Role.STAFF))]
AdminDep = Annotated[Viewer, Depends(require(Role.ADMIN))]
OverseerDep = Annotated[Viewer, Depends(require(Role.ADMIN, Role.STAFF, Role.SUPERVISOR))]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page: the viewer and their CSRF token are in every template's context."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    settings = request.app.state.settings
    base = {"viewer": viewer, "csrf": viewer.csrf if viewer else "", "tz": settings.timezone}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def when(moment: Any, zone: str, fmt: str = "%m-%d %H:%M") -> str:
    """Stored UTC time as the community's local time."""
    if moment is None:
        return ""
    return local(sessions.aware(moment), zone).strftime(fmt)


def pager(params: Any, page: int) -> str:
    """The current query string with another page number."""
    return urlencode({**dict(params), "page": page})


templates.env.filters["when"] = when
templates.env.filters["pager"] = pager

# The shared aliases, re-exported so console routes import their dependencies from one place.
__all__ = ["SessionDep", "SettingsDep"]
