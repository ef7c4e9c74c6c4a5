"""模拟: a chat window on the real pipeline, as a test resident (tickets are marked simulated)."""

from __future__ import annotations

import itertools
import time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from sqlmodel import col, select
from starlette.responses import Response

from api.deps import PipelineDep
from bot.messages import Inbound, InboundKind
from bot.models import InboundMessage
from console.deps import SessionDep, SettingsDep, ViewerDep, WriterDep, render
from console.web import ConsoleRoute
from core.timeutil import utcnow

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
_sequence = itertools.count()
HISTORY = 30


def _openid(username: str) -> str:
    """Each staff member talks as their own test resident."""
    return f"sim-console-{username}"[:64]


def _page(request: Request, session: SessionDep, openid: str) -> Response:
    rows = session.exec(
        select(InboundMessage)
        .where(col(InboundMessage.openid) == openid)
        .order_by(col(InboundMessage.id).desc())
        .limit(HISTORY)
    ).all()
    return render(request, "simulator.html", {"messages": list(reversed(rows)), "openid": openid})


@router.get("/simulator")
def simulator_page(request: Request, session: SessionDep, settings: SettingsDep, viewer: ViewerDep) -> Response:
    if not settings.simulator_enabled:
        raise HTTPException(404, "模拟器未开启（HOTLINE_SIMULATOR_ENABLED）")
    return _page(request, session, _openid(viewer.user.username))


@router.post("/simulator")
def say(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: PipelineDep,
    viewer: WriterDep,
    text: Annotated[str, Form(max_length=2000)],
) -> Response:
    if not settings.simulator_enabled:
        raise HTTPException(404, "模拟器未开启（HOTLINE_SIMULATOR_ENABLED）")
    openid = _openid(viewer.user.username)
    pipeline.process(
        Inbound(
            sender=openid,
            kind=InboundKind.TEXT,
            created_at=utcnow(),
            msg_id=f"console-{time.time_ns()}-{next(_sequence)}",
            text=text,
            simulated=True,
        )
    )
    session.expire_all()
    return _page(request, session, openid)
