"""Priority from need and vulnerability: key groups (65+ living alone, pregnancy, infants, chronic
illness) go first, emergencies above all (民发〔2023〕5号: find and follow key groups)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import lexicon
from tickets.models import PRIORITY_RANK, Priority, TicketType

# Words a flow's free text or conditions list may carry (lexicon/priority.yaml). Urgent: every red
# flag triage reads (lexicon/red_flags.yaml, the same entries) and a few words of its own; high: the
# key groups' words, matched as substrings.
RED_FLAGS = tuple(lexicon.patterns("red_flags").values())
URGENT_WORDS = lexicon.words("priority.urgent_words")
HIGH_WORDS = lexicon.words("priority.high_words")
SPO2_THRESHOLD: int = lexicon.value("readings.spo2_threshold")
HIGH_FLAGS = ("lives_alone_elderly", "pregnant", "infant", "chronic", "dialysis", "disabled")
ELDERLY_AGE: int = lexicon.value("priority.elderly_age")
_AGE = re.compile(r"(\d{1,3})")


def _age(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        match = _AGE.search(value)
        return int(match.group(1)) if match else None
    return None


def _texts(details: dict[str, Any]) -> Iterable[str]:
    for key in ("conditions", "condition", "symptoms", "message", "notes", "who", "patient"):
        value = details.get(key)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list | tuple):
            yield from (str(item) for item in value)


def assess(*, type: str, details: dict[str, Any]) -> Priority:
    """The priority a request deserves.

    Keys read from ``details`` (all optional):
      - ``age`` (int or "70岁") with ``lives_alone`` (bool): 65+ and alone → high;
      - ``pregnant``, ``infant``, ``chronic``, ``dialysis``, ``disabled`` (bool) → high;
      - ``conditions`` (list of str, e.g. ["孕妇", "透析", "慢阻肺"]), ``symptoms``, ``message``:
        key-group words → high, a red flag of triage's (呼吸困难, 嘴唇发紫 …) → urgent;
      - ``spo2`` (blood oxygen, %) below 93 → urgent; ``red_flags`` (non-empty) → urgent;
      - ``red_flag_not_now`` (bool): the words name a red flag that is not happening now (the past, a
        story, someone already in hospital: bot/alarm.py), so they make the request high, not urgent.
    The ticket type ``emergency`` is always urgent.
    """
    if type == TicketType.EMERGENCY or details.get("red_flags"):
        return Priority.URGENT
    spo2 = _age(details.get("spo2"))
    if spo2 is not None and 0 < spo2 < SPO2_THRESHOLD:
        return Priority.URGENT
    texts = list(_texts(details))
    named = any(word in text for text in texts for word in URGENT_WORDS) or any(
        flag.search(text) for text in texts for flag in RED_FLAGS
    )
    if named:
        return Priority.HIGH if details.get("red_flag_not_now") else Priority.URGENT
    age = _age(details.get("age"))
    if age is not None and age >= ELDERLY_AGE and details.get("lives_alone"):
        return Priority.HIGH
    if any(details.get(flag) for flag in HIGH_FLAGS):
        return Priority.HIGH
    if any(word in text for text in texts for word in HIGH_WORDS):
        return Priority.HIGH
    return Priority.NORMAL


def higher(a: str, b: str) -> Priority:
    """The more pressing of two priorities."""
    pa, pb = Priority(a), Priority(b)
    return pa if PRIORITY_RANK[pa] >= PRIORITY_RANK[pb] else pb
