"""A red flag only mentioned, not happening now: the 120 advice in conditional words and a one-tap check.

Triage catches red-flag words wherever they stand; :func:`bot.alarm.assess` reads whether one is
happening now to a person. When it is only mentioned (去年中风过, 猫喘得厉害, 电视剧里昏迷, 呼吸困难是不是
新冠的症状), no urgent ticket wakes anyone: the resident is told what to do if it is happening now, the
rest of the message is answered as if it named no red flag, and "1" (or 是的 …) sent next opens the
urgent ticket at once. When unsure, :func:`assess` says PRESENT and the alarm goes as before.
"""

from __future__ import annotations

from datetime import timedelta

import lexicon
from bot import texts
from bot.alarm import assess
from bot.audience import Audience
from bot.engine.emergency import EmergencyMode
from bot.engine.message import Message
from bot.messages import Reply
from bot.state import AlarmCheck
from bot.triage import Triage, triage
from bot.turn import Turn
from core.timeutil import utcnow

# The check is an answer to the very next message; later, "1" means something else.
CHECK_WINDOW = timedelta(minutes=30)
CONFIRM = lexicon.words("alarm_context.confirm_now")
NOT_URGENT = Triage()


def mentioned_only(turn: Turn, message: Message) -> Message | None:
    """When the message's red flag is only mentioned: the message as if it named none (else None)."""
    if not message.triage.urgent or turn.audience is Audience.MEMBER or turn.state.emergency is not None:
        return None
    if assess(message.text, message.triage.flags).present:
        return None
    return Message(message.text, NOT_URGENT, message.prefix)


def with_check(turn: Turn, text: str, reply: Reply, unknown_intent: str) -> Reply:
    """The conditional advice before the rest of the reply (an "I cannot help" rest is left out); the
    check is offered for the next message."""
    turn.state.alarm_check = AlarmCheck(text, utcnow())
    line = texts.alarm_if_now(turn.emergency_phone)
    if not reply.text or reply.intent == unknown_intent:
        return Reply(line, intent=None)
    reply.text = f"{line}\n\n{reply.text}"
    return reply


class AlarmCheckMode:
    """ "1" right after the check: the red flag is happening now, the urgent ticket opens at once."""

    name = "alarm check"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        check, turn.state.alarm_check = turn.state.alarm_check, None
        if check is None or utcnow() - check.at > CHECK_WINDOW:
            return None
        if message.text.strip().rstrip("。.!！").lower() not in CONFIRM:
            return None
        return EmergencyMode().handles(turn, Message(check.text, triage(check.text)))
