"""Medicine: which medicines, for whom (age, pregnancy, infant, 65+, chronic illness), how many,
delivery or pick-up, then a confirmation before the ticket.

The vulnerability answers end up as the ticket's priority keys (age, lives_alone, pregnant, infant,
chronic, conditions): key groups are served first (民发〔2023〕5号).
"""

from __future__ import annotations

import re
from typing import Any

import lexicon
from bot.audience import Audience
from bot.flows.base import Flow, Reask, Slot
from bot.flows.contact import (
    ADDRESS,
    AGE_PROMPT,
    DELIVERY_SLOT,
    NAME,
    PHONE,
    SELF,
    WHO_PROMPT,
    ContactValidators,
    display_contact,
    relation_in,
    vulnerability,
)
from bot.flows.tickets import open_ticket, registered
from bot.intents import Intent
from bot.messages import Reply
from bot.parsing import normalize
from bot.turn import Turn
from tickets.models import TicketType

KINDS = ("退烧药", "止痛药", "止咳药", "慢性病常用药")
# Words that name a kind; a specific medicine name is kept as written next to its kind.
_KIND_WORDS = lexicon.replacements("slots.medicine_kinds")
_SPECIFIC = lexicon.pattern("slots.medicine_names")
CONDITIONS = ("怀孕", "独自居住", "慢性病（高血压、糖尿病、心脏病等）", "药物过敏")
_CONDITION_WORDS = lexicon.replacements("slots.medicine_conditions")
_NONE = lexicon.pattern("answers.none")


def _numbers(text: str, high: int) -> list[int] | None:
    """'1 3', '1、3', '13' -> [1, 3] when every digit is a valid option number."""
    digits = re.findall(r"\d", text)
    if not digits or re.search(r"[^\d\s,，、。和及.]", text):
        return None
    values = sorted({int(d) for d in digits})
    return values if all(1 <= v <= high for v in values) else None


def medicines_in(text: str) -> list[str]:
    """The kinds named in ``text``; a specific name is kept: '布洛芬' -> ['退烧药（布洛芬）']."""
    norm = normalize(text)
    specific = _SPECIFIC.findall(norm)
    found = []
    for pattern, kind in _KIND_WORDS:
        if pattern.search(norm):
            names = [s for s in specific if pattern.search(s)]
            found.append(f"{kind}（{'、'.join(dict.fromkeys(names))}）" if names else kind)
    if "连花清瘟" in specific:
        found.append("连花清瘟")
    return found


class MedicineFlow(ContactValidators, Flow):
    name = "medicine"
    title = "买药登记"
    intents = (Intent.MEDICINE,)
    audience = Audience.RESIDENT
    consent_purpose = "登记用药需求、安排送药"
    slots = (
        Slot(
            "medicines",
            "药品",
            "需要哪种药？回复数字，可多选（如 1 3）：\n"
            + "\n".join(f"{i}. {kind}" for i, kind in enumerate(KINDS, 1))
            + "\n也可以直接写药名，如 布洛芬。",
        ),
        Slot("who", "用药人", WHO_PROMPT),
        Slot("age", "年龄", AGE_PROMPT),
        Slot(
            "conditions",
            "特殊情况",
            "{whom}有以下情况吗？可多选，回复数字（如 1 3），都没有回复 0：\n"
            + "\n".join(f"{i}. {c}" for i, c in enumerate(CONDITIONS, 1)),
        ),
        Slot("quantity", "数量", "需要多少？（如 1盒；慢性病药请写药名和数量，如 硝苯地平 2盒）"),
        DELIVERY_SLOT,
        ADDRESS,
        PHONE,
        NAME,
    )

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        who = slots.get("who", SELF)
        whom = "您" if who == SELF else f"您的{who}" if who not in ("家人", "邻居", "亲友") else "用药人"
        return {"who": "用药人" if who != SELF else "您", "whom": whom}

    def extract(self, text: str, turn: Turn) -> dict[str, Any]:
        found: dict[str, Any] = {}
        medicines = medicines_in(text)
        if medicines:
            found["medicines"] = medicines
        relation = relation_in(re.sub(r"^我要|我想|我需要", "", text))
        if relation:
            found["who"] = relation
        return found

    def validate_medicines(self, text: str, turn: Turn, slots: dict[str, Any]) -> list[str]:
        numbers = _numbers(text, len(KINDS))
        if numbers:
            return [KINDS[n - 1] for n in numbers]
        found = medicines_in(text)
        if found:
            return found
        answer = text.strip()
        if answer.isdigit() or len(answer) < 2:
            raise Reask("请回复 1 到 4 的数字（可多选，如 1 3），或直接写药名，如 布洛芬。")
        return [answer]  # a medicine we do not list: the member reads it as written

    def validate_conditions(self, text: str, turn: Turn, slots: dict[str, Any]) -> list[str]:
        answer = text.strip()
        if _NONE.match(answer):
            return []
        numbers = _numbers(answer, len(CONDITIONS))
        if numbers:
            return [CONDITIONS[n - 1].split("（")[0] for n in numbers]
        found = [label for pattern, label in _CONDITION_WORDS if pattern.search(answer)]
        if found:
            # Keep the resident's own words too: "高血压" tells the member more than "慢性病".
            return [*found, answer] if len(answer) <= 20 and answer not in found else found
        raise Reask("请回复数字，如 1 或 1 3；都没有回复 0。")

    def validate_quantity(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip()
        if not re.search(r"\d|[一二两三四五六七八九十半几]", answer):
            raise Reask("请写数量，如 1盒 或 2板。")
        numbers = re.findall(r"\d+", answer)
        if numbers and all(int(n) == 0 for n in numbers) and not re.search(r"[一二两三四五六七八九十半几]", answer):
            raise Reask("数量至少要 1，请写需要多少，如 1盒 或 2板。")
        return answer

    def display(self, slot: Slot, value: Any) -> str:
        shown = display_contact(slot, value)
        return shown if shown is not None else super().display(slot, value)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        details = {**slots, **vulnerability(slots)}
        created = open_ticket(turn, TicketType.MEDICINE, details)
        return Reply(
            f"{registered(turn, created, self.title)}"
            "用药前请看说明书，孕妇、婴幼儿用药请先问医生。回复“查询进度”可查看处理情况。",
            intent=self.name,
            ticket_id=created.ticket.id,
        )
