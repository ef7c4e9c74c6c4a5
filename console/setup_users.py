"""设置 · 人员: users and roles (admin, staff, member, street-office supervisor). Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from console.deps import AdminDep, SessionDep, WriterDep, client_address, refuse, render
from console.web import ConsoleRoute
from residents import accounts, audit, sessions
from residents.audit import AuditAction
from residents.models import Community, Role, User

router = APIRouter(prefix="/console", route_class=ConsoleRoute)


def _page(request: Request, session: SessionDep, error: str = "", status_code: int = 200) -> Response:
    users = list(session.exec(select(User).order_by(col(User.username))))
    communities = {c.id: c.name for c in session.exec(select(Community))}
    roles = [(r.value, r.value) for r in Role]
    context = {"users": users, "communities": communities, "roles": roles, "error": error}
    return render(request, "setup_users.html", context, status_code)


@router.get("/setup/users")
def users_page(request: Request, session: SessionDep, viewer: AdminDep) -> Response:
    return _page(request, session)


@router.post("/setup/users")
def add_user(
    request: Request,
    session: SessionDep,
    viewer: WriterDep,
    username: Annotated[str, Form(max_length=50)],
    role: Annotated[str, Form(max_length=12)],
    password: Annotated[str, Form(max_length=200)],
    display_name: Annotated[str, Form(max_length=50)] = "",
    community_id: Annotated[str, Form()] = "",
) -> Response:
    if not viewer.is_admin:
        raise refuse(request, viewer.user.username, "只有管理员可以添加账号")
    try:
        user = accounts.add_user(
            session=session,
            username=username.strip(),
            role=role,
            password=password,
            display_name=display_name,
            community_id=int(community_id) if community_id.isdigit() else None,
        )
    except accounts.AccountError as error:
        session.rollback()
        return _page(request, session, str(error), 422)
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.SETUP,
        target=f"user:{user.username}",
        detail=f"add {role}",
        address=client_address(request),
    )
    session.commit()
    return RedirectResponse("/console/setup/users", status_code=303)


@router.post("/setup/users/{user_id}/active")
def set_active(
    request: Request, session: SessionDep, viewer: WriterDep, user_id: int, active: Annotated[str, Form()] = ""
) -> Response:
    """Deactivate (its sessions end at once) or reactivate an account."""
    if not viewer.is_admin:
        raise refuse(request, viewer.user.username, "只有管理员可以停用账号")
    user = session.get(User, user_id)
    if user is not None and user.id != viewer.user.id:
        user.active = active == "1"
        session.add(user)
        if not user.active:
            sessions.end_all(session=session, user_id=user_id)
        audit.record(
            session=session,
            actor=viewer.user.username,
            action=AuditAction.SETUP,
            target=f"user:{user.username}",
            detail="activate" if user.active else "deactivate",
            address=client_address(request),
        )
        session.commit()
    return RedirectResponse("/console/setup/users", status_code=303)
