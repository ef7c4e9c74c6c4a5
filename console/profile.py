"""我的: who I am, and the one-time code that binds my WeChat account (绑定 <code> to the account)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.deps import SessionDep, ViewerDep, WriterDep, render
from console.web import ConsoleRoute
from residents import binding

router = APIRouter(prefix="/console", route_class=ConsoleRoute)


@router.get("/profile")
def profile(request: Request, viewer: ViewerDep) -> Response:
    return render(request, "profile.html", {"user": viewer.user, "code": None, "minutes": binding.CODE_MINUTES})


@router.post("/profile/code")
def new_code(request: Request, session: SessionDep, viewer: WriterDep) -> Response:
    user = session.merge(viewer.user)
    code = binding.issue_code(session=session, user=user)
    session.commit()
    return render(request, "profile.html", {"user": user, "code": code, "minutes": binding.CODE_MINUTES})
