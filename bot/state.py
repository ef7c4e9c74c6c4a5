"""A resident's place in the conversation: plain data, loaded before a turn and saved after it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.timeutil import utcnow


@dataclass
class State:
    """A resident's place in the conversation; plain data, saved after every turn."""

    openid: str
    flow: str | None = None
    step: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime = field(default_factory=utcnow)
    version: int = 0

    def clear_flow(self) -> None:
        self.flow = None
        self.step = None
        self.slots = {}
