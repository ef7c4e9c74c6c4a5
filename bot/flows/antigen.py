"""Antigen kits: household size, a quantity within the community's allowance, pick-up or delivery.

Message budget (CONVERSATIONS.md): a new resident finishes in 8 messages (ask, consent, household,
quantity, delivery, address, contact, confirm); a returning one in 4 (ask, quantity, delivery,
confirm) because household size, address and contact are remembered.
"""

from __future__ import annotations

import re
from typing import Any

from bot.audience import Audience
from bot.flows.base import Flow, Reask, Slot
from bot.flows.contact import ADDRESS, DELIVERY_SLOT, NAME, PHONE, ContactValidators, display_contact
from bot.flows.tickets import open_ticket, registered
from bot.intents import Intent
from bot.messages import Reply
from bot.parsing import cn_to_digits, parse_count
from bot.turn import Turn
from tickets.models import TicketType

_QUANTITY_IN_TEXT = re.compile(r"(\d{1,2})\s*(个|份|盒|人份|支|套)")


class AntigenFlow(ContactValidators, Flow):
    name = "antigen"
    title = "抗原领取"
    intents = (Intent.ANTIGEN,)
    audience = Audience.RESIDENT
    consent_purpose = "安排抗原配送"
    slots = (
        Slot("household_size", "家庭人数", "家里一共几口人？（回复数字，如 3）", profile="household_size"),
        Slot("quantity", "数量", "按社区规定每户最多可领 {allowance} 份。您要几份？"),
        DELIVERY_SLOT,
        ADDRESS,
        PHONE,
        NAME,
    )

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        return {"allowance": turn.community.antigen_allowance}

    def extract(self, text: str, turn: Turn) -> dict[str, Any]:
        match = _QUANTITY_IN_TEXT.search(cn_to_digits(text))
        if match and 1 <= int(match.group(1)) <= turn.community.antigen_allowance:
            return {"quantity": int(match.group(1))}
        return {}

    def validate_household_size(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        count = parse_count(text)
        if count is None or not 1 <= count <= 30:
            raise Reask("请回复家里的人数，如 3。")
        return count

    def validate_quantity(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        allowance = turn.community.antigen_allowance
        count = parse_count(text)
        if count is None or count < 1:
            raise Reask(f"请回复要领的份数，1 到 {allowance} 之间的数字，如 2。")
        if count > allowance:
            raise Reask(
                f"按社区规定每户最多可领 {allowance} 份，{count} 份超出了。请回复 1 到 {allowance} 之间的数字；"
                "确有特殊需要，可回复“转人工”说明。"
            )
        return count

    def display(self, slot: Slot, value: Any) -> str:
        shown = display_contact(slot, value)
        if shown is not None:
            return shown
        if slot.name == "quantity":
            return f"{value} 份"
        if slot.name == "household_size":
            return f"{value} 人"
        return super().display(slot, value)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        created = open_ticket(turn, TicketType.ANTIGEN, dict(slots))
        return Reply(
            f"{registered(turn, created, self.title)}回复“查询进度”可查看处理情况。",
            intent=self.name,
            ticket_id=created.ticket.id,
        )
