"""One inbound text as the modes see it: cleaned, triaged once, and what the reply must start with."""

from __future__ import annotations

from dataclasses import dataclass

from bot.triage import Triage


@dataclass
class Message:
    text: str  # cleaned (bot.parsing.clean)
    triage: Triage  # made once, at the top of the turn; every mode reads this one
    # A line the reply starts with, set by a mode that let the message through: the flow that timed out.
    prefix: str = ""
