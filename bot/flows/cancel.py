"""Cancelling one of the resident's open tickets: which one, then a yes/no (started by the engine)."""

from __future__ import annotations

import re
from typing import Any

import lexicon
from bot.audience import Audience
from bot.flows.base import Flow, Reask, Slot, Stop
from bot.flows.tickets import SHOWN, cancel, describe, open_tickets
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets.models import Ticket

# "不取消了回复 0" at the which-one question: these end the cancellation, nothing is cancelled.
KEEP_ALL = lexicon.words("answers.keep_all")
KEPT = "好的，不取消了，您的事项照常办理。"


def match_ticket(tickets: list[Ticket], text: str) -> Ticket | None:
    """By list position (1, 2 …), full number or its last digits."""
    answer = text.strip().rstrip("。.").replace("单号", "").replace("第", "").strip()
    if not re.fullmatch(r"\d{8}-\d{1,4}|\d{1,4}", answer):
        return None
    if "-" in answer:
        return next((t for t in tickets if t.number == answer), None)
    by_tail = [t for t in tickets if t.number.split("-")[-1].lstrip("0") == answer.lstrip("0")]
    if len(answer) >= 3 and len(by_tail) == 1:
        return by_tail[0]
    if 1 <= int(answer) <= min(len(tickets), SHOWN):
        return tickets[int(answer) - 1]
    return by_tail[0] if len(by_tail) == 1 else None


class CancelFlow(Flow):
    """Which ticket, then "确认取消吗？1/0". Collects no personal data, so no consent step."""

    name = "cancel"
    title = "取消登记"
    intents = (Intent.CANCEL,)
    audience = Audience.RESIDENT
    editable = False
    slots = (Slot("ticket", "要取消的事项", "要取消哪一项？请回复序号或单号：\n{choices}\n不取消了回复 0。"),)

    def prompt_vars(self, turn: Turn, slots: dict[str, Any]) -> dict[str, Any]:
        lines = [f"{i}. {describe(turn, t)}" for i, t in enumerate(open_tickets(turn)[:SHOWN], 1)]
        return {"choices": "\n".join(lines)}

    def validate_ticket(self, text: str, turn: Turn, slots: dict[str, Any]) -> str:
        if text.strip().rstrip("。.!！").strip() in KEEP_ALL:
            raise Stop(KEPT)
        ticket = match_ticket(open_tickets(turn), text)
        if ticket is None:
            raise Reask("没有找到这一项。请回复列表里的序号（如 1）或单号（如 0031）；不取消了回复 0。")
        return ticket.number

    def summary(self, turn: Turn, slots: dict[str, Any]) -> str:
        ticket = self._ticket(turn, slots)
        shown = describe(turn, ticket) if ticket else f"单号 {slots.get('ticket')}"
        return f"确认取消这一项吗？\n{shown}"

    def confirm_footer(self) -> str:
        return "回复 1 确认取消，0 不取消。"

    def aborted(self) -> str:
        return "好的，不取消，这一项继续为您办理。"

    @staticmethod
    def _ticket(turn: Turn, slots: dict[str, Any]) -> Ticket | None:
        return next((t for t in open_tickets(turn) if t.number == slots.get("ticket")), None)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        ticket = self._ticket(turn, slots)
        if ticket is None:
            return Reply(f"单号 {slots.get('ticket')} 已经办结或取消了，不用再取消。", intent=Intent.CANCEL)
        if not cancel(turn, ticket):
            return Reply(
                "好的，已告诉工作人员您说不需要了。为了安全，工作人员还会打电话和您确认"
                f"（紧急单号 {ticket.number}）。如情况有变，请立即拨打 120。",
                intent=Intent.CANCEL,
                ticket_id=ticket.id,
            )
        return Reply(
            f"已取消单号 {ticket.number}。还需要什么帮助？回复“帮助”查看菜单。",
            intent=Intent.CANCEL,
            ticket_id=ticket.id,
        )
