"""Slots every request shares: who it is for, the address and the contact, remembered with consent."""

from __future__ import annotations

import re
from typing import Any

import lexicon
from bot.flows.base import Reask, Slot, never
from bot.parsing import find_phone, parse_address, parse_count
from bot.turn import Turn
from core.logs import mask_phone

SELF = "本人"
DELIVERY = "送货上门"
PICKUP = "到社区自取"

# Family words as residents write them; the value is how a committee member reads it on the ticket.
_RELATIONS = lexicon.replacements("dialect.relations")
_SELF_WORDS = lexicon.words("answers.self")
_PICK_UP = lexicon.pattern("answers.pick_up")

WHO_PROMPT = "是给谁办？\n1. 本人\n2. 家人或邻居（可直接写关系，如 母亲）"
AGE_PROMPT = "{who}多大年纪？（回复数字，如 72；婴儿可回复 8个月）"
ADDRESS_PROMPT = "请告诉我住址（楼栋-单元-门牌，如 3栋2单元501）"
PHONE_PROMPT = "请留下联系人和电话（如 张阿姨 13812345678）"

ADDRESS = Slot("address", "住址", ADDRESS_PROMPT, profile="address")
PHONE = Slot("phone", "联系电话", PHONE_PROMPT, profile="phone")
NAME = Slot("name", "联系人", "怎么称呼您？（如 张阿姨）", profile="name", ask_if=never)
DELIVERY_SLOT = Slot("delivery", "领取方式", f"怎么领取？\n1. {DELIVERY}\n2. {PICKUP}\n请回复 1 或 2。")


def relation_in(text: str) -> str | None:
    """'帮我妈登记一下药' -> '母亲'; None when no family member is named."""
    for pattern, relation in _RELATIONS:
        if pattern.search(text):
            return relation
    return None


def parse_who(text: str) -> str | None:
    answer = text.strip().rstrip("。.!！")
    if answer in _SELF_WORDS or answer.startswith("1"):
        return SELF
    relation = relation_in(answer)
    if relation:
        return relation
    if answer.startswith("2") or "家人" in answer or "家里" in answer:
        return "家人"
    return None


def parse_age(text: str) -> int | None:
    """Years; an infant's age in months ('8个月', '刚满月') counts as 0."""
    if re.search(r"个?月|满月|刚出生|新生儿|婴儿", text) and "岁" not in text:
        return 0
    age = parse_count(text)
    return age if age is not None and 0 <= age <= 120 else None


class ContactValidators:
    """validate_* for the shared slots; mixed into flows that use them."""

    def validate_who(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        who = parse_who(text)
        if who is None:
            raise Reask("请回复 1（本人）或 2（家人或邻居），也可以直接写关系，如 母亲。")
        return who

    def validate_age(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        age = parse_age(text)
        if age is None:
            raise Reask("请回复年龄数字，如 72；婴儿可回复 8个月。")
        return age

    def validate_delivery(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip()
        if answer.startswith("1"):
            return DELIVERY
        # Pick-up words first: "不用送，我自己来拿" mentions 送 too.
        if answer.startswith("2") or _PICK_UP.search(answer):
            return PICKUP
        if "送" in answer:
            return DELIVERY
        raise Reask(f"请回复 1（{DELIVERY}）或 2（{PICKUP}）。")

    def validate_address(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        address = parse_address(text)
        if address is None:
            raise Reask("没看懂这个地址。请按“楼栋-单元-门牌”回复，如 3栋2单元501 或 3-2-501。")
        return address

    def validate_phone(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        phone = find_phone(text)
        if phone is None:
            raise Reask("电话号码好像不对。请回复手机号，如 13812345678，或座机带区号，如 023-61234567。")
        # The name often comes with the number ("张阿姨 138…"); a committee member needs both.
        name = re.sub(r"[\d\s\-+()（）—,，。、:：电话手机号码是叫我]", "", text).strip()
        if 1 <= len(name) <= 10:
            slots["name"] = name
        return phone

    def validate_name(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        name = text.strip()
        if not 1 <= len(name) <= 20:
            raise Reask("请回复一个称呼，如 张阿姨。")
        return name


def display_contact(slot: Slot, value: Any) -> str | None:
    """The masked way a summary shows shared slots (PIPL: never a full phone on screen)."""
    if slot.name == "phone":
        return mask_phone(str(value))
    if slot.name == "age":
        return "不满1岁" if value == 0 else f"{value} 岁"
    return None


CHRONIC = ("慢性病", "透析", "慢性肺病", "心脏病", "糖尿病", "肿瘤放化疗", "高血压")


def vulnerability(slots: dict[str, Any]) -> dict[str, Any]:
    """The keys tickets.priority reads (age, lives_alone, pregnant, infant, dialysis, chronic, conditions)."""
    conditions = list(slots.get("conditions", []))
    age = slots.get("age")
    return {
        "age": age,
        "lives_alone": "独自居住" in conditions,
        "pregnant": "怀孕" in conditions,
        "infant": isinstance(age, int) and age < 3,
        "dialysis": "透析" in conditions,
        "chronic": any(c in conditions for c in CHRONIC) or any("慢性病" in m for m in slots.get("medicines", [])),
        "conditions": conditions,
    }
