"""Typed text and voice: voice is answered from WeChat's own speech recognition."""

from __future__ import annotations

from bot import texts
from bot.engine import converse
from bot.handlers.router import Router
from bot.messages import InboundKind, Reply
from bot.turn import Turn

router = Router("text")


@router.on(InboundKind.TEXT)
def text(turn: Turn) -> Reply:
    return converse(turn, turn.inbound.text or "")


@router.on(InboundKind.VOICE)
def voice(turn: Turn) -> Reply:
    recognised = (turn.inbound.text or "").strip()
    if not recognised:
        return Reply(texts.voice_unrecognised(turn.office_phone))
    return converse(turn, recognised)
