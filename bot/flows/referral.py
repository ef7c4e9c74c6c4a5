"""Hospital referral (转诊): patient, age, symptoms, conditions, preferred hospital, when.

Red flags in any answer (symptoms especially) are caught by the emergency mode before this
flow sees them: a referral is for what can wait hours, not minutes.
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
from bot.flows.tickets import handled_by, open_ticket, registered
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets.models import TicketType

CONDITIONS = ("怀孕", "透析", "慢性肺病（慢阻肺、哮喘等）", "心脏病", "糖尿病", "肿瘤放化疗", "行动不便")
_NONE = lexicon.pattern("answers.none_referral")
_WHEN = {"1": "今天", "2": "明天", "3": "近几天"}
_ANY_HOSPITAL = re.compile(r"^(0|没有|没|无|都行|随便|不知道|不晓得|就近|近的|听安排)")


def condition_options(slots: dict[str, Any]) -> list[str]:
    """The choices that fit the patient: no pregnancy for a father or an 80-year-old mother."""
    return [c for c in CONDITIONS if c != "怀孕" or may_be_pregnant(slots)]


class ReferralFlow(ContactValidators, Flow):
    name = "referral"
    title = "就医转诊"
    intents = (Intent.REFERRAL,)
    audience = Audience.RESIDENT
    consent_purpose = "联系医院、安排就医"
    slots = (
        Slot("who", "就医人", WHO_PROMPT),
        Slot("age", "年龄", AGE_PROMPT),
        Slot("symptoms", "主要症状", "主要哪里不舒服？（如 发烧3天、咳嗽）"),
        Slot(
            "conditions",
            "基础病/特殊情况",
            "{whom}有以下情况吗？可多选，回复数字（如 2 5），都没有回复 0：\n{options}\n其他情况可直接写。",
        ),
        Slot("hospital", "想去的医院", "想去哪家医院？没有要求回复 0，社区帮您联系就近的。"),
        Slot("when", "就医时间", "希望什么时候去？\n1. 今天\n2. 明天\n3. 近几天\n或直接写时间，如 周五上午。"),
        ADDRESS,
        PHONE,
        NAME,
    )

    free_text = frozenset({"symptoms", "hospital", "when"})

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        who = slots.get("who", SELF)
        options = "\n".join(f"{i}. {c}" for i, c in enumerate(condition_options(slots), 1))
        return {
            "who": "您" if who == SELF else "就医人",
            "whose": whose(who) if who != SELF else "您",
            "whom": whose(who),
            "options": options,
        }

    def settle(self, turn: Turn, slots: dict[str, Any]) -> None:
        if isinstance(slots.get("age"), int) and implausible_age(slots.get("who"), slots["age"]):
            del slots["age"]
        if "conditions" in slots and not may_be_pregnant(slots):
            slots["conditions"] = [c for c in slots["conditions"] if c != "怀孕"]

    def validate_symptoms(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip().rstrip("。.!！")
        if len(answer) < 2 or answer.isdigit():
            raise Reask("请简单说说哪里不舒服，如 发烧3天、咳嗽；要复查或透析也可以直接写。")
        return answer

    def validate_conditions(self, text: str, turn: Turn, slots: dict[str, Any]) -> list[str]:
        answer = text.strip()
        if _NONE.match(answer):
            return []
        options = condition_options(slots)
        digits = re.findall(r"\d", answer)
        if digits and not re.search(r"[^\d\s,，、。和及.]", answer):
            numbers = sorted({int(d) for d in digits})
            if all(1 <= n <= len(options) for n in numbers):
                return [options[n - 1].split("（")[0] for n in numbers]
            raise Reask(f"请回复 1 到 {len(options)} 的数字，如 2 5；都没有回复 0。")
        found = conditions_in(answer)
        return found if found else [answer.rstrip("。.!！")]

    def validate_hospital(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip()
        if _ANY_HOSPITAL.match(answer):
            return "无要求，就近安排"
        if len(answer) < 2:
            raise Reask("请写医院名称，如 区人民医院；没有要求回复 0。")
        return answer

    def validate_when(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        answer = text.strip()
        if answer in _WHEN:
            return _WHEN[answer]
        if len(answer) < 2 and not answer.isdigit():
            raise Reask("请回复 1（今天）、2（明天）、3（近几天），或写时间，如 周五上午。")
        if answer.isdigit():
            raise Reask("请回复 1（今天）、2（明天）、3（近几天），或写时间，如 周五上午。")
        return answer

    def display(self, slot: Slot, value: Any) -> str:
        shown = display_contact(slot, value)
        return shown if shown is not None else super().display(slot, value)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        details = {**slots, **vulnerability(slots)}
        created = open_ticket(turn, TicketType.REFERRAL, details)
        who = handled_by(turn, created.ticket)
        first = (
            registered(turn, created, self.title)
            if created.merged
            else f"已登记，单号 {created.ticket.number}。{who}会帮您联系医院并回电。"
        )
        return Reply(
            f"{first}如病情突然加重（喘不上气、胸痛、意识不清），请立即拨打 120。",
            intent=self.name,
            ticket_id=created.ticket.id,
        )
