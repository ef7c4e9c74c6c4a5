"""A resident's place in the conversation: typed data, loaded before a turn and saved after it.

The ``conversation`` table keeps it as a JSON ``context`` column. Every mode a conversation can be
in has its typed field here; :attr:`State.context` is their JSON form (``schema_version`` 3) and
:meth:`State.from_context` reads it, version 2 (no ``offer``, no ``recent``) and the untyped keys rows
were written with before (version 1, no ``schema_version``: ``handoff`` for the consult), so no
migration is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.timeutil import utcnow

SCHEMA_VERSION = 3
# How many of the last replies are remembered (as short hashes) to avoid a fourth identical one.
RECENT_REPLIES = 3


@dataclass
class SuspendedFlow:
    """A request put aside by an emergency, a consult or 取消 ‹单号›; "继续" brings it back."""

    flow: str
    step: str | None
    slots: dict[str, Any]
    at: datetime  # its timeout runs from this moment


@dataclass
class TicketMode:
    """A mode bound to one ticket: an emergency raised, or a consult with a member."""

    ticket_id: int | None
    number: str
    at: datetime  # the last message of the mode (the follow-up window, the consult's idle limit)


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else utcnow()


def _suspended(raw: Any) -> SuspendedFlow | None:
    if not isinstance(raw, dict) or not raw.get("flow"):
        return None
    return SuspendedFlow(raw["flow"], raw.get("step"), dict(raw.get("slots") or {}), _when(raw.get("at")))


def _ticket_mode(raw: Any) -> TicketMode | None:
    if not isinstance(raw, dict) or not raw:
        return None
    return TicketMode(raw.get("ticket_id"), str(raw.get("number") or ""), _when(raw.get("at")))


def _ticket_mode_json(mode: TicketMode) -> dict[str, Any]:
    return {"ticket_id": mode.ticket_id, "number": mode.number, "at": mode.at.isoformat()}


@dataclass
class AlarmCheck:
    """A red flag only mentioned (the past, a pet, a story, a question): "回复 1" opens the urgent ticket."""

    text: str  # the message that mentioned it, triaged again when the resident says it is happening now
    at: datetime


def _alarm_check(raw: Any) -> AlarmCheck | None:
    if not isinstance(raw, dict) or not raw.get("text"):
        return None
    return AlarmCheck(str(raw["text"]), _when(raw.get("at")))


# The keys this module reads; any other key found in a row is kept as it was (State.extra).
_KNOWN = {
    "schema_version",
    "suspended",
    "emergency",
    "consult",
    "handoff",
    "choices",
    "notice",
    "editing",
    "alarm_check",
    "offer",
    "recent",
}


class State:
    """A resident's place in the conversation, saved after every turn."""

    def __init__(
        self,
        openid: str,
        flow: str | None = None,
        step: str | None = None,
        slots: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        updated_at: datetime | None = None,
        version: int = 0,
    ) -> None:
        self.openid = openid
        self.flow = flow
        self.step = step
        self.slots: dict[str, Any] = slots if slots is not None else {}
        self.updated_at = updated_at or utcnow()
        self.version = version  # the row's optimistic-lock counter, not the schema's
        self.suspended: SuspendedFlow | None = None
        self.emergency: TicketMode | None = None  # the last alarm, for the follow-up window
        self.consult: TicketMode | None = None  # the open consult with a member
        self.choices: list[int] = []  # knowledge-base entries offered by number
        self.notice: str | None = None  # a line said before the next reply
        self.editing = False  # a slot is asked again from the confirmation's "2 修改"
        self.alarm_check: AlarmCheck | None = None  # the one-tap check offered after a red flag only mentioned
        self.offer: str | None = None  # the service offered after answering a question about it ("回复1")
        # The last replies' short hashes, oldest first; "?" before one that did not help (bot.engine.conversation).
        self.recent_replies: list[str] = []
        self.extra: dict[str, Any] = {}
        self.load_context(context or {})

    def load_context(self, context: dict[str, Any]) -> None:
        """Read the JSON column, of this schema or of the untyped keys before it."""
        self.suspended = _suspended(context.get("suspended"))
        self.emergency = _ticket_mode(context.get("emergency"))
        self.consult = _ticket_mode(context.get("consult", context.get("handoff")))
        self.choices = [int(choice) for choice in context.get("choices") or []]
        self.notice = context.get("notice") or None
        self.editing = bool(context.get("editing", False))
        self.alarm_check = _alarm_check(context.get("alarm_check"))
        self.offer = context.get("offer") or None
        self.recent_replies = [str(item) for item in context.get("recent") or []][-RECENT_REPLIES:]
        self.extra = {key: value for key, value in context.items() if key not in _KNOWN}

    @property
    def context(self) -> dict[str, Any]:
        """The JSON form for the ``context`` column (a fresh dict: change the fields, not this)."""
        data: dict[str, Any] = {**self.extra, "schema_version": SCHEMA_VERSION}
        if self.suspended is not None:
            s = self.suspended
            data["suspended"] = {"flow": s.flow, "step": s.step, "slots": s.slots, "at": s.at.isoformat()}
        if self.emergency is not None:
            data["emergency"] = _ticket_mode_json(self.emergency)
        if self.consult is not None:
            data["consult"] = _ticket_mode_json(self.consult)
        if self.choices:
            data["choices"] = list(self.choices)
        if self.notice:
            data["notice"] = self.notice
        if self.editing:
            data["editing"] = True
        if self.alarm_check is not None:
            data["alarm_check"] = {"text": self.alarm_check.text, "at": self.alarm_check.at.isoformat()}
        if self.offer:
            data["offer"] = self.offer
        if self.recent_replies:
            data["recent"] = list(self.recent_replies[-RECENT_REPLIES:])
        return data

    def clear_flow(self) -> None:
        self.flow = None
        self.step = None
        self.slots = {}

    def reset(self) -> None:
        """重新开始: no flow, nothing put aside, no mode."""
        self.clear_flow()
        self.load_context({})

    def __repr__(self) -> str:
        return f"State(openid={self.openid!r}, flow={self.flow!r}, step={self.step!r}, context={self.context!r})"
