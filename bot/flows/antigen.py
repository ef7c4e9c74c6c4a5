"""Antigen kits: household size, a quantity within the community's allowance, pick-up or delivery."""

from __future__ import annotations

from typing import Any

from bot.flows.base import Flow, Reask, Slot
from bot.intents import Intent
from bot.messages import Reply
from bot.parsing import parse_address, parse_count, parse_phone
from bot.turn import Turn
from hotline.logs import mask_phone
from tickets import service as ticket_service
from tickets.models import Source, TicketType

DELIVERY = "送货上门"
PICKUP = "到社区自取"


class AntigenFlow(Flow):
    name = "antigen"
    title = "抗原领取"
    intents = (Intent.ANTIGEN,)
    consent_purpose = "安排抗原配送"
    slots = (
        Slot("household_size", "家庭人数", "家里一共几口人？（回复数字，如 3）", profile="household_size"),
        Slot("quantity", "数量", "按社区规定每户最多可领 {allowance} 份。您要几份？"),
        Slot("delivery", "领取方式", f"1. {DELIVERY}\n2. {PICKUP}\n请回复 1 或 2。"),
        Slot("address", "住址", "请告诉我住址（楼栋-单元-门牌，如 3栋2单元501）", profile="address"),
        Slot("phone", "联系电话", "联系电话？（如 13812345678）", profile="phone"),
    )

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        return {"allowance": turn.community.antigen_allowance}

    def validate_household_size(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        count = parse_count(text)
        if count is None or not 1 <= count <= 30:
            raise Reask("请回复家里的人数，如 3。")
        return count

    def validate_quantity(self, text: str, turn: Turn, slots: dict[str, Any]) -> int:
        allowance = turn.community.antigen_allowance
        count = parse_count(text)
        if count is None or count < 1:
            raise Reask(f"请回复要领的份数，1 到 {allowance} 之间的数字。")
        if count > allowance:
            raise Reask(f"按社区规定每户最多可领 {allowance} 份，请回复 1 到 {allowance} 之间的数字。")
        return count

    def validate_delivery(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        if text.strip().startswith("1") or "送" in text:
            return DELIVERY
        if text.strip().startswith("2") or "取" in text or "自己" in text:
            return PICKUP
        raise Reask(f"请回复 1（{DELIVERY}）或 2（{PICKUP}）。")

    def validate_address(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        address = parse_address(text)
        if address is None:
            raise Reask("没看懂这个地址。请按“楼栋-单元-门牌”回复，如 3栋2单元501。")
        return address

    def validate_phone(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        phone = parse_phone(text)
        if phone is None:
            raise Reask("电话号码好像不对。请回复手机号，如 13812345678，或座机带区号，如 023-61234567。")
        return phone

    def display(self, slot: Slot, value: Any) -> str:
        if slot.name == "phone":
            return mask_phone(str(value))
        if slot.name in ("quantity",):
            return f"{value} 份"
        if slot.name == "household_size":
            return f"{value} 人"
        return str(value)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        ticket = ticket_service.create(
            session=turn.session,
            type=TicketType.ANTIGEN,
            openid=turn.resident.openid,
            details=slots,
            source=Source.SIMULATED if turn.simulated else Source.WECHAT,
            community_id=turn.community.id,
        )
        return Reply(
            f"已登记，单号 {ticket.number}。社区工作人员会尽快联系您。回复“查询进度”可查看处理情况。",
            intent=self.name,
            ticket_id=ticket.id,
        )
