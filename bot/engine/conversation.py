"""One text turn: the message is cleaned and triaged once, then the modes answer it in their order."""

from __future__ import annotations

from bot.engine import alarm_check
from bot.engine.message import Message
from bot.engine.modes import MODES
from bot.intents import Intent
from bot.messages import Reply
from bot.parsing import clean
from bot.triage import triage
from bot.turn import Turn


def converse(turn: Turn, text: str) -> Reply:
    """Answer one text (typed, spoken or a menu key's meaning) from a resident or a member."""
    cleaned = clean(text)
    message = Message(cleaned, triage(cleaned))
    mentioned = alarm_check.mentioned_only(turn, message)
    if mentioned is not None:
        reply = alarm_check.with_check(turn, cleaned, answer(turn, mentioned), Intent.UNKNOWN)
    else:
        reply = answer(turn, message)
    notice, turn.state.notice = turn.state.notice, None
    if notice and reply.text:
        reply.text = f"{notice}\n{reply.text}"
    return reply


def answer(turn: Turn, message: Message) -> Reply:
    """The reply of the first mode that takes the message (the last one takes everything)."""
    for mode in MODES:
        reply = mode.handles(turn, message)
        if reply is not None:
            return reply
    raise AssertionError("RouteMode answers every message")
