"""Slots every request shares: who it is for, the address and the contact, remembered with consent."""

from __future__ import annotations

import re
from typing import Any

import lexicon
from bot.flows.base import Reask, Slot
from bot.flows.facts import DELIVERY, PICKUP, SELF, delivery_in, is_chronic, name_in, who_in
from bot.parsing import age_in, find_phone, parse_address, parse_count
from bot.turn import Turn
from core.logs import mask_phone

# Family words as residents write them are in lexicon/dialect.yaml; facts said in passing in bot.flows.facts.
_SELF_WORDS = lexicon.words("answers.self")
_PICK_UP = lexicon.pattern("answers.pick_up")
_NO_NAME = lexicon.words("answers.no_name")
NO_NAME = "未留"

WHO_PROMPT = "是给谁办？\n1. 本人\n2. 家人或邻居（可直接写关系，如 母亲）"
AGE_PROMPT = "{whose}多大年纪？（回复数字，如 72；婴儿可回复 8个月）"
ADDRESS_PROMPT = "请告诉我住址（楼栋-单元-门牌，如 3栋2单元501）"
PHONE_PROMPT = "请留下联系人和电话（如 张阿姨 13812345678）"

ADDRESS = Slot("address", "住址", ADDRESS_PROMPT, profile="address")
PHONE = Slot("phone", "联系电话", PHONE_PROMPT, profile="phone")
# Asked only when the phone came without a name: a committee member calls someone by name.
NAME = Slot("name", "联系人", "怎么称呼您？（如 张阿姨、李先生；不想留回复 0）", profile="name")
DELIVERY_SLOT = Slot("delivery", "领取方式", f"怎么领取？\n1. {DELIVERY}\n2. {PICKUP}\n请回复 1 或 2。")

# Whose age cannot be a child's: "1" to "您的母亲多大年纪" is surely no age but a slip.
_ELDERS = ("母亲", "父亲", "外婆", "外公", "奶奶", "爷爷", "婆婆", "公公", "岳母", "岳父")
_ADULTS = (*_ELDERS, SELF, "丈夫", "妻子", "老伴", "爱人", "儿媳")
_MEN = ("父亲", "外公", "爷爷", "公公", "岳父", "丈夫", "儿子", "孙子", "外孙", "哥哥", "弟弟")


def parse_who(text: str) -> str | None:
    answer = text.strip().rstrip("。.!！")
    if answer in _SELF_WORDS or answer.startswith("1"):
        return SELF
    who = who_in(answer)
    if who:
        return who
    if answer.startswith("2") or "家人" in answer or "家里" in answer:
        return "家人"
    return None


def parse_age(text: str) -> int | None:
    """Years; an infant's age in months ('8个月', '刚满月') counts as 0."""
    if re.search(r"个?月|满月|刚出生|新生儿|婴儿", text) and "岁" not in text:
        return 0
    age = age_in(text)
    if age is None:
        age = parse_count(re.sub(r"多|来|几|岁|了|左右|出头", "", text))
    return age if age is not None and 0 <= age <= 120 else None


def implausible_age(who: str | None, age: int) -> bool:
    """An age that cannot be this person's (a mother of 1): asked about, not taken."""
    if who in _ELDERS:
        return age < 30
    return who in _ADULTS and age < 12


def whose(who: str | None) -> str:
    """'您' for oneself, '您的母亲' for a relative, '用药人' when the relation says little."""
    if who in (None, SELF):
        return "您"
    return "用药人" if who in ("家人", "邻居", "亲戚", "朋友") else f"您的{who}"


def may_be_pregnant(slots: dict[str, Any]) -> bool:
    """Whether pregnancy is a choice worth offering: not for a man, a child or someone past 55."""
    age, who = slots.get("age"), slots.get("who")
    if who in _MEN or who in _ELDERS:
        return False
    return not isinstance(age, int) or 14 <= age <= 55


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
        who = slots.get("who")
        if implausible_age(who, age) and who == SELF:
            raise Reask(f"{age}岁？请回复您的年龄，如 45。")
        if implausible_age(who, age):
            raise Reask(f"{age}岁？您是说{whose(who)}吗？请回复{whose(who)}的年龄，如 78。")
        return age

    def validate_delivery(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip()
        if answer.startswith("1"):
            return DELIVERY
        # Pick-up words first: "不用送，我自己来拿" mentions 送 too.
        if answer.startswith("2") or _PICK_UP.search(answer):
            return PICKUP
        said = delivery_in(answer)
        if said is not None:
            return said
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
        # The name often comes with the number ("张阿姨 138…", "我姓李，电话139…"): taken as the
        # runner takes every fact of an answer (bot.flows.facts.name_in), never the leftover words.
        return phone

    def validate_name(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip().rstrip("。.!！")
        if answer in _NO_NAME:
            return NO_NAME
        name = name_in(answer) or re.sub(r"^(?:我是|我叫|叫我|就叫|称呼|我姓|姓)", "", answer)
        if not 1 <= len(name) <= 20 or re.search(r"\d", name):
            raise Reask("请回复一个称呼，如 张阿姨；不想留回复 0。")
        return name


def display_contact(slot: Slot, value: Any) -> str | None:
    """The masked way a summary shows shared slots (PIPL: never a full phone on screen)."""
    if slot.name == "phone":
        return mask_phone(str(value))
    if slot.name == "age":
        return "不满1岁" if value == 0 else f"{value} 岁"
    return None


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
        "chronic": any(is_chronic(c) for c in conditions) or any("慢性病" in m for m in slots.get("medicines", [])),
        "conditions": conditions,
    }
