"""Antigen kits: household size, a quantity within the community's allowance, pick-up or delivery.

Message budget (CONVERSATIONS.md): a new resident finishes in 8 messages (ask, consent, household,
quantity, delivery, address, contact, confirm); a returning one in 4 (ask, quantity, delivery,
confirm) because household size, address and contact are remembered.

The allowance (每户最多 N 份) holds over a period (lexicon ``slots.antigen_allowance_days``): what
the household asked for in it — merged requests included — is counted, and the resident is told how
many they can still have.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import lexicon
from bot.audience import Audience
from bot.flows.base import Flow, Reask, Slot, Stop
from bot.flows.contact import ADDRESS, DELIVERY_SLOT, NAME, PHONE, ContactValidators, display_contact
from bot.flows.facts import household_in
from bot.flows.tickets import open_ticket, registered
from bot.intents import Intent
from bot.messages import Reply
from bot.parsing import counts_in, parse_count
from bot.turn import Turn
from core.timeutil import utcnow
from tickets import service as ticket_service
from tickets.models import TicketType

ALLOWANCE_DAYS = int(lexicon.value("slots.antigen_allowance_days"))
_KIT_UNITS = ("个", "份", "盒", "人份", "支", "套", "管")


class AntigenFlow(ContactValidators, Flow):
    name = "antigen"
    title = "抗原领取"
    intents = (Intent.ANTIGEN,)
    audience = Audience.RESIDENT
    consent_purpose = "安排抗原配送"
    slots = (
        Slot("household_size", "家庭人数", "家里一共几口人？（回复数字，如 3）", profile="household_size"),
        Slot("quantity", "数量", "按社区规定每户{days}天内最多可领 {allowance} 份{used}。您要几份？"),
        DELIVERY_SLOT,
        ADDRESS,
        PHONE,
        NAME,
    )

    def used(self, turn: Turn, slots: dict[str, Any] | None = None) -> int:
        """Kits this household asked for within the allowance period (this request not included)."""
        address = (slots or {}).get("address") or turn.resident.address
        return ticket_service.allowance_used(
            session=turn.session,
            type=TicketType.ANTIGEN,
            openid=turn.resident.openid,
            since=utcnow() - timedelta(days=ALLOWANCE_DAYS),
            address=address,
            simulated=turn.simulated,
        )

    def remaining(self, turn: Turn, slots: dict[str, Any] | None = None) -> int:
        return max(turn.community.antigen_allowance - self.used(turn, slots), 0)

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        used = self.used(turn, slots)
        note = f"，您家已登记 {used} 份，还可以领 {self.remaining(turn, slots)} 份" if used else ""
        return {"allowance": turn.community.antigen_allowance, "days": ALLOWANCE_DAYS, "used": note}

    def unavailable(self, turn: Turn, slots: dict[str, Any] | None = None) -> str | None:
        if self.remaining(turn, slots) > 0:
            return None
        allowance = turn.community.antigen_allowance
        return (
            f"按社区规定每户{ALLOWANCE_DAYS}天内最多可领 {allowance} 份，您家这段时间已登记 {allowance} 份，"
            "这次不能再领了。回复“查询进度”可查看办理情况；确有特殊需要，可回复“转人工”说明。"
        )

    def extract(self, text: str, turn: Turn) -> dict[str, Any]:
        found = super().extract(text, turn)
        kits = [n for n, unit in counts_in(text) if unit in _KIT_UNITS]
        if kits and 1 <= kits[-1] <= self.remaining(turn):
            found["quantity"] = kits[-1]
        return found

    def settle(self, turn: Turn, slots: dict[str, Any]) -> None:
        # Once the address is known, kits asked for by others of the household count too: asked again.
        quantity = slots.get("quantity")
        if isinstance(quantity, int) and "address" in slots and quantity > self.remaining(turn, slots):
            del slots["quantity"]

    def validate_household_size(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        count = household_in(text) or parse_count(text)
        if count is None or not 1 <= count <= 30:
            raise Reask("请回复家里的人数，如 3。")
        return count

    def validate_quantity(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        allowance, left = turn.community.antigen_allowance, self.remaining(turn, slots)
        if left == 0:
            raise Stop(self.unavailable(turn, slots) or "")
        kits = [n for n, unit in counts_in(text) if unit in _KIT_UNITS]
        count = kits[-1] if kits else parse_count(text)
        if count is None or count < 1:
            raise Reask(f"请回复要领的份数，1 到 {left} 之间的数字，如 {min(2, left)}。")
        if count > left:
            already = f"您家已登记 {allowance - left} 份，还可以领 {left} 份" if left < allowance else ""
            raise Reask(
                f"按社区规定每户{ALLOWANCE_DAYS}天内最多可领 {allowance} 份，{already or f'{count} 份超出了'}。"
                f"请回复 1 到 {left} 之间的数字；确有特殊需要，可回复“转人工”说明。"
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
        left = self.remaining(turn, slots)
        total = created.ticket.details.get("quantity")
        together = f"合计 {total} 份，" if created.merged else ""
        return Reply(
            f"{registered(turn, created, self.title)}{together}{ALLOWANCE_DAYS}天内您家还可以再领 {left} 份。"
            "回复“查询进度”可查看处理情况。",
            intent=self.name,
            ticket_id=created.ticket.id,
        )
