"""Images, videos, links and shared locations: kindly steer the resident to words."""

from __future__ import annotations

from bot import texts
from bot.handlers.router import Router
from bot.messages import InboundKind, Reply
from bot.turn import Turn

router = Router("media")


@router.on(InboundKind.IMAGE)
def image(turn: Turn) -> Reply:
    return Reply(texts.media_received("图片", turn.office_phone))


@router.on(InboundKind.VIDEO)
def video(turn: Turn) -> Reply:
    return Reply(texts.media_received("视频", turn.office_phone))


@router.on(InboundKind.LINK)
def link(turn: Turn) -> Reply:
    return Reply(texts.media_received("链接", turn.office_phone))


@router.on(InboundKind.LOCATION)
def location(turn: Turn) -> Reply:
    return Reply(texts.location_received(turn.inbound.extra.get("label", "")))


@router.on(InboundKind.UNKNOWN)
def unknown(turn: Turn) -> Reply:
    return Reply(texts.help_text(turn.office_phone))
