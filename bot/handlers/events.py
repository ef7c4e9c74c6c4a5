"""Events: subscribe, unsubscribe, menu CLICK / VIEW, SCAN, reported location and the rest."""

from __future__ import annotations

from bot import texts
from bot.engine import start_menu_key
from bot.handlers.router import Router
from bot.intents import MenuKey
from bot.messages import EventType, InboundKind, Reply
from bot.turn import Turn

router = Router("events")


@router.on(InboundKind.EVENT, EventType.SUBSCRIBE)
def subscribe(turn: Turn) -> Reply:
    turn.resident.subscribed = True
    turn.session.add(turn.resident)
    return Reply(texts.welcome(turn.community.name, turn.office_phone))


@router.on(InboundKind.EVENT, EventType.UNSUBSCRIBE)
def unsubscribe(turn: Turn) -> Reply:
    turn.resident.subscribed = False
    turn.session.add(turn.resident)
    return Reply(None)


@router.on(InboundKind.EVENT, EventType.CLICK)
def click(turn: Turn) -> Reply:
    key = turn.inbound.event_key or ""
    if key == MenuKey.HELP:
        return Reply(texts.help_text(turn.office_phone))
    return start_menu_key(turn, key)


@router.on(InboundKind.EVENT, EventType.SCAN)
def scan(turn: Turn) -> Reply:
    return Reply(texts.welcome(turn.community.name, turn.office_phone))


@router.on(InboundKind.EVENT)
def other_event(turn: Turn) -> Reply:
    """VIEW, reported LOCATION, delivery reports and any future event: acknowledge quietly."""
    return Reply(None)
