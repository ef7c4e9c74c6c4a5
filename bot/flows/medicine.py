"""Medicine: which medicines, for whom (age, pregnancy, infant, 65+, chronic illness), how many,
delivery or pick-up, then a confirmation before the ticket.

The vulnerability answers end up as the ticket's priority keys (age, lives_alone, pregnant, infant,
chronic, conditions): key groups are served first (民发〔2023〕5号). What the resident said in passing
(an age, an illness, a medicine's name, how many) fills its slot and is only confirmed.
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
    WHO_PROMPT,
    ContactValidators,
    display_contact,
    implausible_age,
    may_be_pregnant,
    vulnerability,
    whose,
)
from bot.flows.facts import SELF, conditions_in
from bot.flows.tickets import open_ticket, registered
from bot.intents import Intent
from bot.messages import Reply
from bot.parsing import counts_in, normalize, parse_count
from bot.turn import Turn
from tickets.models import TicketType

KINDS = ("退烧药", "止痛药", "止咳药", "慢性病常用药")
# Words that name a kind; a specific medicine name is kept as written next to its kind.
_KIND_WORDS = lexicon.replacements("slots.medicine_kinds")
_SPECIFIC = lexicon.pattern("slots.medicine_names")
CONDITIONS = ("怀孕", "独自居住", "慢性病（高血压、糖尿病、心脏病等）", "药物过敏")
_NONE = lexicon.pattern("answers.none")
# A medicine written in words we do not list still reads like one (…片, …胶囊, …颗粒).
_LOOKS_LIKE_MEDICINE = re.compile(r"药|片|胶囊|颗粒|丸|液|膏|散|糖浆|冲剂|素|林|芬|平|沙坦|地平|针|贴")


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
    specific = [name.replace("的", "") for name in _SPECIFIC.findall(norm)]
    found, placed = [], set()
    for pattern, kind in _KIND_WORDS:
        if pattern.search(norm):
            names = [s for s in specific if pattern.search(s)]
            placed.update(names)
            found.append(f"{kind}（{'、'.join(dict.fromkeys(names))}）" if names else kind)
    # A name no kind covers (连花清瘟, 感冒药, 阿莫西林) is kept as it is.
    found += [name for name in dict.fromkeys(specific) if name not in placed]
    return found


def quantity_of(text: str, units: bool = False) -> str | None:
    """'两盒' -> '2盒', '布洛芬一盒，降压药两盒' -> '1盒、2盒'; with ``units`` a count needs its unit."""
    counts = [(n, unit) for n, unit in counts_in(text) if n > 0 and (unit != "个" or not units)]
    if counts:
        return "、".join(f"{n}{unit}" for n, unit in counts)
    if units:
        return None
    count = parse_count(text)
    return f"{count}盒" if count is not None and count > 0 else None


def condition_options(slots: dict[str, Any]) -> list[str]:
    """The choices that fit the person: no pregnancy for an 80-year-old mother or a father."""
    return [c for c in CONDITIONS if c != "怀孕" or may_be_pregnant(slots)]


class MedicineFlow(ContactValidators, Flow):
    name = "medicine"
    title = "买药登记"
    intents = (Intent.MEDICINE,)
    audience = Audience.RESIDENT
    consent_purpose = "登记用药需求、安排送药"
    free_text = frozenset({"medicines"})
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
        Slot("conditions", "特殊情况", "{whom}有以下情况吗？可多选，回复数字（如 1 3），都没有回复 0：\n{options}"),
        Slot("quantity", "数量", "需要多少？（如 1盒；慢性病药请写药名和数量，如 硝苯地平 2盒）"),
        DELIVERY_SLOT,
        ADDRESS,
        PHONE,
        NAME,
    )

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        who = slots.get("who", SELF)
        options = "\n".join(f"{i}. {c}" for i, c in enumerate(condition_options(slots), 1))
        return {
            "who": "用药人" if who != SELF else "您",
            "whose": whose(who) if who != SELF else "您",
            "whom": whose(who),
            "options": options,
        }

    def extract(self, text: str, turn: Turn) -> dict[str, Any]:
        found = super().extract(text, turn)
        medicines = medicines_in(text)
        if medicines:
            found["medicines"] = medicines
        quantity = quantity_of(text, units=True)
        if quantity:
            found["quantity"] = quantity
        return found

    def settle(self, turn: Turn, slots: dict[str, Any]) -> None:
        if isinstance(slots.get("age"), int) and implausible_age(slots.get("who"), slots["age"]):
            del slots["age"]
        if "conditions" in slots and not may_be_pregnant(slots):
            slots["conditions"] = [c for c in slots["conditions"] if c != "怀孕"]

    def validate_medicines(self, text: str, turn: Turn, slots: dict[str, Any]) -> list[str]:
        numbers = _numbers(text, len(KINDS))
        if numbers:
            return [KINDS[n - 1] for n in numbers]
        found = medicines_in(text)
        if found:
            return found
        answer = text.strip().rstrip("。.!！")
        if answer.isdigit() or len(answer) < 2 or not _LOOKS_LIKE_MEDICINE.search(answer):
            raise Reask("请回复 1 到 4 的数字（可多选，如 1 3），或直接写药名，如 布洛芬。")
        return [answer]  # a medicine we do not list: the member reads it as written

    def validate_conditions(self, text: str, turn: Turn, slots: dict[str, Any]) -> list[str]:
        answer = text.strip()
        if _NONE.match(answer):
            return []
        options = condition_options(slots)
        numbers = _numbers(answer, len(options))
        if numbers:
            return [options[n - 1].split("（")[0] for n in numbers]
        found = conditions_in(answer)
        if found:
            return found
        if re.search(r"\d", answer) or len(answer) > 20:
            raise Reask(f"请回复数字，如 1 或 1 {len(options)}；都没有回复 0。")
        return [answer.rstrip("。.!！")]  # an illness we do not list, in the resident's words

    def validate_quantity(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        quantity = quantity_of(text)
        if quantity is None:
            if re.search(r"(?<!\d)0(?!\d)|零", text):
                raise Reask("数量至少要 1，请写需要多少，如 1盒 或 2板。")
            raise Reask("请写数量，如 1盒 或 2板。")
        return quantity

    def display(self, slot: Slot, value: Any) -> str:
        shown = display_contact(slot, value)
        return shown if shown is not None else super().display(slot, value)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        details = {**slots, **vulnerability(slots)}
        created = open_ticket(turn, TicketType.MEDICINE, details)
        return Reply(
            f"{registered(turn, created, self.title)}{_advice(details)}回复“查询进度”可查看处理情况。",
            intent=self.name,
            ticket_id=created.ticket.id,
        )


def _advice(details: dict[str, Any]) -> str:
    """A word of care that fits the person: pregnancy, a small child, an older adult."""
    age = details.get("age")
    if details.get("pregnant"):
        return "用药前请看说明书，孕期用药请先问医生。"
    if isinstance(age, int) and age < 12:
        return "用药前请看说明书，儿童用药要按年龄和体重，请先问医生。"
    if isinstance(age, int) and age >= 65:
        return "用药前请看说明书，老人同时吃几种药时请先问医生。"
    return "用药前请看说明书。"
