"""One text turn: the message is cleaned and triaged once, then the modes answer it in their order."""

from __future__ import annotations

import hashlib

from bot import texts
from bot.engine import alarm_check
from bot.engine.message import Message
from bot.engine.modes import MODES
from bot.engine.runner import runner
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
        turn.red_flag_not_now = True
        mode, reply = _first(turn, mentioned)
        reply = alarm_check.with_check(turn, cleaned, reply, Intent.UNKNOWN)
    else:
        mode, reply = _first(turn, message)
    notice, turn.state.notice = turn.state.notice, None
    if notice and reply.text:
        reply.text = f"{notice}\n{reply.text}"
    honest_dead_ends(turn, reply, commanded=mode == "command")
    return reply


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def honest_dead_ends(turn: Turn, reply: Reply, commanded: bool = False) -> None:
    """Never the same reply four times running; after two replies that did not help, a person.

    Both are offers of 转人工 and the office phone. An alarm and an open consult (where the member
    answers) are never changed, nor the reply to a command word (帮助, 继续 …): it is what was asked.
    The last replies are kept as short hashes (``State.recent_replies``), marked "?" when they did
    not help: nothing understood, or only numbered choices.
    """
    state = turn.state
    if not reply.text or reply.intent == Intent.EMERGENCY or state.consult is not None:
        return
    unhelpful = reply.intent == Intent.UNKNOWN or (
        reply.intent == Intent.POLICY and reply.faq_id is None and bool(state.choices)
    )
    recent = [digest.lstrip("?") for digest in state.recent_replies]
    if not commanded and len(recent) >= 3 and all(digest == _digest(reply.text) for digest in recent[-3:]):
        reply.text = texts.stuck(turn.office_phone, _flow_title(turn))
    elif not commanded and unhelpful and state.recent_replies and state.recent_replies[-1].startswith("?"):
        if state.choices:
            reply.text = f"{reply.text}\n{texts.not_helped(turn.office_phone)}"
        else:
            lead = reply.text.split("。", 1)[0] + "。"
            reply.text = f"{lead}\n{texts.not_helped(turn.office_phone)}"
    state.recent_replies = [*state.recent_replies, ("?" if unhelpful else "") + _digest(reply.text)][-3:]


def _flow_title(turn: Turn) -> str | None:
    flow = runner.flows.get(turn.state.flow or "")
    return flow.title if flow is not None else None


def answer(turn: Turn, message: Message) -> Reply:
    """The reply of the first mode that takes the message (the last one takes everything)."""
    return _first(turn, message)[1]


def _first(turn: Turn, message: Message) -> tuple[str, Reply]:
    for mode in MODES:
        reply = mode.handles(turn, message)
        if reply is not None:
            return mode.name, reply
    raise AssertionError("RouteMode answers every message")
