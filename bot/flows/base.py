"""A flow is one declarative class: its slots, a prompt for each, validators, entry intents, timeout.

The engine (:mod:`bot.engine`) runs flows; a flow never runs the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from bot import texts
from bot.audience import Audience
from bot.flows.facts import facts_in
from bot.messages import Reply
from bot.turn import Turn


class Reask(Exception):
    """A validator's answer to bad input: say what was wrong, with an example."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Stop(Exception):
    """A validator's answer when the resident gives up at the question ("0"): the flow ends, with a word."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Slot:
    name: str
    label: str  # how the slot is named in a summary or an edit menu, e.g. 住址
    prompt: str  # may use {placeholders} from Flow.prompt_vars
    profile: str | None = None  # Resident field remembered across requests (with consent)
    ask_if: Callable[[dict[str, Any]], bool] | None = None


def never(slots: dict[str, Any]) -> bool:
    """For a slot filled only as a by-product of another answer."""
    return False


class Flow:
    name: ClassVar[str]
    title: ClassVar[str]  # e.g. 抗原领取
    intents: ClassVar[tuple[str, ...]]  # intent names: Intent members, or a service of lexicon/services.yaml
    slots: ClassVar[tuple[Slot, ...]]
    # Why personal data is needed; None when the flow collects none (PIPL separate consent).
    consent_purpose: ClassVar[str | None] = None
    # Who may start it: the service flows are for residents; a member's work is done in the console.
    audience: ClassVar[Audience] = Audience.RESIDENT
    # None: HOTLINE_CONVERSATION_TIMEOUT_MINUTES; a flow may set its own.
    timeout: ClassVar[timedelta | None] = None

    def timeout_for(self, turn: Turn) -> timedelta:
        return self.timeout or timedelta(minutes=turn.settings.conversation_timeout_minutes)

    # Whether "2 修改" is offered at the confirmation (not for a yes/no question such as cancelling).
    editable: ClassVar[bool] = True

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        return {}

    def prompt(self, slot: Slot, turn: Turn, slots: dict[str, Any]) -> str:
        return slot.prompt.format(**self.prompt_vars(turn, slots))

    # Slots whose validator takes any words (a symptom, a hospital): a message that states other facts
    # and none of these is no answer to them ("给我自己买" at "需要哪种药").
    free_text: ClassVar[frozenset[str]] = frozenset()

    def extract(self, text: str, turn: Turn) -> dict[str, Any]:
        """Slots any message states in passing ("我妈80多岁了", "我姓李，电话139…"), so they are not asked.

        The facts of :func:`bot.flows.facts.facts_in` this flow has slots for; flows add their own.
        """
        names = {slot.name for slot in self.slots}
        return {name: value for name, value in facts_in(text).items() if name in names}

    def settle(self, turn: Turn, slots: dict[str, Any]) -> None:
        """Drop what cannot stand together (an age no mother can be); called after facts are added."""

    def unavailable(self, turn: Turn) -> str | None:
        """Why the request cannot be made now (the allowance is used up); None when it can."""
        return None

    def validate(self, slot: Slot, text: str, turn: Turn, slots: dict[str, Any]) -> Any:
        validator = getattr(self, f"validate_{slot.name}", None)
        if validator is None:
            if not text.strip():
                raise Reask(self.prompt(slot, turn, slots))
            return text.strip()
        return validator(text, turn, slots)

    def display(self, slot: Slot, value: Any) -> str:
        if isinstance(value, list):
            return "、".join(str(item) for item in value) or "无"
        return str(value)

    def summary(self, turn: Turn, slots: dict[str, Any]) -> str:
        parts = [f"{slot.label}：{self.display(slot, slots[slot.name])}" for slot in self.slots if slot.name in slots]
        return f"请确认{self.title}：\n" + "\n".join(parts)

    def confirm_footer(self) -> str:
        return texts.confirm_footer()

    def aborted(self) -> str:
        """Said when the resident answers 0 at the confirmation."""
        return texts.cancelled()

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        raise NotImplementedError
