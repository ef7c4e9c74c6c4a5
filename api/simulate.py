"""POST /api/simulate: a text message through the very same pipeline as /wechat."""

from __future__ import annotations

import itertools
import time

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from api.deps import CurrentUser, PipelineDep, SettingsDep
from bot.messages import Inbound, InboundKind
from core.timeutil import utcnow

router = APIRouter(prefix="/api", tags=["simulator"])
_sequence = itertools.count()


class SimulateIn(BaseModel):
    openid: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    text: str = Field(max_length=2000)


class SimulateOut(BaseModel):
    reply: str
    intent: str | None
    faq_id: int | None
    ticket_id: int | None


@router.post("/simulate", response_model=SimulateOut)
def simulate(body: SimulateIn, pipeline: PipelineDep, settings: SettingsDep, user: CurrentUser) -> SimulateOut:
    """Tickets it creates are marked simulated and notify nobody."""
    if not settings.simulator_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the simulator is disabled (HOTLINE_SIMULATOR_ENABLED)")
    inbound = Inbound(
        sender=body.openid,
        kind=InboundKind.TEXT,
        created_at=utcnow(),
        msg_id=f"sim-{time.time_ns()}-{next(_sequence)}",
        text=body.text,
        simulated=True,
    )
    reply = pipeline.process(inbound)
    return SimulateOut(reply=reply.text or "", intent=reply.intent, faq_id=reply.faq_id, ticket_id=reply.ticket_id)
