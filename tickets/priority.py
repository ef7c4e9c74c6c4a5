"""Priority from need and vulnerability: key groups (65+ living alone, pregnancy, infants, chronic
illness) go first, emergencies above all (民发〔2023〕5号: find and follow key groups)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tickets.models import PRIORITY_RANK, Priority, TicketType

# Words a flow's free text or conditions list may carry; matching is by substring.
URGENT_WORDS = ("呼吸困难", "嘴唇发紫", "意识不清", "昏迷", "抽搐", "胸痛", "大出血", "急危重症")
HIGH_WORDS = (
    "孕",
    "怀孕",
    "孕妇",
    "婴儿",
    "婴幼儿",
    "新生儿",
    "透析",
    "慢性",
    "慢病",
    "慢阻肺",
    "哮喘",
    "糖尿病",
    "高血压",
    "心脏病",
    "冠心病",
    "肿瘤",
    "癌",
    "残疾",
    "失能",
    "行动不便",
)
HIGH_FLAGS = ("lives_alone_elderly", "pregnant", "infant", "chronic", "dialysis", "disabled")
ELDERLY_AGE = 65
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
        key-group words → high, red-flag words (呼吸困难, 嘴唇发紫 …) → urgent;
      - ``spo2`` (blood oxygen, %) below 93 → urgent; ``red_flags`` (non-empty) → urgent.
    The ticket type ``emergency`` is always urgent.
    """
    if type == TicketType.EMERGENCY or details.get("red_flags"):
        return Priority.URGENT
    spo2 = _age(details.get("spo2"))
    if spo2 is not None and 0 < spo2 < 93:
        return Priority.URGENT
    texts = list(_texts(details))
    if any(word in text for text in texts for word in URGENT_WORDS):
        return Priority.URGENT
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
