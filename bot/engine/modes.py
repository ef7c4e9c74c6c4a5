"""The modes a conversation can be in, and :data:`MODES`: the one place that says which comes first.

Each mode looks at the message (cleaned, triaged once) and the state, and answers it or lets it
through (None) to the next. A mode may leave a line for the reply (``message.prefix``: the flow that
timed out) when it lets a message through.
"""

from __future__ import annotations

from typing import Protocol

import lexicon
from bot import policy, texts
from bot.engine import commands
from bot.engine.alarm_check import AlarmCheckMode
from bot.engine.binding import BindMode
from bot.engine.cancel import by_number, cancel_by_number
from bot.engine.consult import ConsultMode
from bot.engine.emergency import EmergencyMode, FollowUpMode
from bot.engine.flow_step import FlowStepMode
from bot.engine.message import Message
from bot.engine.starting import accept_offer, route_of, start_menu_item, start_routed
from bot.intents import Intent, negation_in_question
from bot.messages import Reply
from bot.turn import Turn


class Mode(Protocol):
    name: str

    def handles(self, turn: Turn, message: Message) -> Reply | None: ...


class BlankMode:
    """An empty message (only punctuation or spaces): the menu."""

    name = "blank"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        return None if message.text else Reply(texts.help_text(turn.office_phone), intent=None)


class CommandMode:
    """A global command word (:mod:`bot.engine.commands`), mid-flow too."""

    name = "command"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        if negation_in_question(message.text):
            return None  # "唔使登记咩" asks; it cancels nothing
        command = commands.find(message.text)
        if command is None:
            return None
        turn.state.offer = None  # the offer was for the message right after it
        return command(turn)


class CancelByNumberMode:
    """取消 ‹单号›: straight to that ticket's yes/no; a request being filled in is put aside."""

    name = "cancel by number"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        number = by_number(message.text)
        return cancel_by_number(turn, number) if number is not None else None


# "1", "好", "可以" … take the offer to start a request made after an answer (as they give consent).
_YES = lexicon.words("answers.consent_yes")


class ChoicesMode:
    """A number picking one of the knowledge base's offered questions, or taking the offered request.

    Either offer lasts one message.
    """

    name = "choices"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        choices, turn.state.choices = turn.state.choices, []
        offered, turn.state.offer = turn.state.offer, None
        text = message.text
        if offered and text.lower() in _YES:
            return accept_offer(turn, offered)
        if choices and text.isdigit() and 1 <= int(text) <= len(choices):
            return policy.choose(turn, choices[int(text) - 1])
        return None


class DigitMenuMode:
    """A number outside any question: the menu item of that number."""

    name = "digit menu"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        if not message.text.isdigit():
            return None
        if message.prefix:
            # A number meant for the expired question must not start some other menu item.
            return Reply(message.prefix + texts.help_text(turn.office_phone), intent=None)
        return start_menu_item(turn, message.text)


class RouteMode:
    """Free text: the rules' intent or the knowledge base (:mod:`bot.routing`). Answers everything."""

    name = "route"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        routed = route_of(turn, message)
        if routed.intent == Intent.POLICY:
            reply = policy.answer(turn, message.text, lookup=routed.lookup, request=routed.request)
        else:
            reply = start_routed(turn, routed, message.text)
        if message.prefix and reply.text:
            reply.text = message.prefix + reply.text
        return reply


# The order of precedence. Nothing may delay a red flag; an open consult sends messages to the member
# before any command is read (it gives the commands its own meaning); the commands work mid-flow; the
# active flow's question comes before numbered choices, and those before the numbered menu.
MODES: tuple[Mode, ...] = (
    BlankMode(),
    BindMode(),
    AlarmCheckMode(),
    EmergencyMode(),
    FollowUpMode(),
    ConsultMode(),
    CommandMode(),
    CancelByNumberMode(),
    FlowStepMode(),
    ChoicesMode(),
    DigitMenuMode(),
    RouteMode(),
)
