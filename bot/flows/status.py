"""查询进度 (the resident's open tickets) and cancelling one of them by number, after a yes/no."""

from __future__ import annotations

import re
from typing import Any

from bot.flows.base import Flow, Reask, Slot, Stop
from bot.flows.tickets import cancel, display_name
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets import service as ticket_service
from tickets.models import STATUS_NAMES, TYPE_NAMES, Ticket

SHOWN = 5
# "取消 20260122-0031", "取消单号0031", "撤销 31": the number may be typed in full or its tail.
CANCEL_BY_NUMBER = re.compile(r"^(?:取消|撤销|撤回)\s*(?:单号|订单|登记|第)?\s*(\d{8}-\d{1,4}|\d{1,4})\s*号?$")
# "不取消了回复 0" at the which-one question: these end the cancellation, nothing is cancelled.
KEEP_ALL = {"0", "不取消", "不取消了", "不用取消", "不用了"}
KEPT = "好的，不取消了，您的事项照常办理。"


def open_tickets(turn: Turn) -> list[Ticket]:
    return ticket_service.open_for(session=turn.session, openid=turn.resident.openid)


def describe(turn: Turn, ticket: Ticket) -> str:
    name = display_name(turn, ticket.assignee) or (ticket_service.STAFF_WORD if ticket.assignee else None)
    who = f"，负责人 {name}" if name else ""
    kind = TYPE_NAMES.get(ticket.type, ticket.type)
    return f"单号 {ticket.number} {kind}：{STATUS_NAMES.get(ticket.status, ticket.status)}{who}"


def status(turn: Turn) -> Reply:
    """The resident's open tickets, and how to cancel one (in the consult mode too)."""
    tickets = open_tickets(turn)
    if not tickets:
        return Reply("您目前没有正在办理的事项。回复“帮助”查看菜单。", intent=Intent.STATUS)
    lines = [f"{i}. {describe(turn, t)}" for i, t in enumerate(tickets[:SHOWN], 1)]
    more = f"\n（另有 {len(tickets) - SHOWN} 项未列出）" if len(tickets) > SHOWN else ""
    tail = tickets[0].number.split("-")[-1]
    hint = f"\n要取消某一项，回复“取消 单号”，如 取消 {tail}。"
    return Reply("您正在办理的事项：\n" + "\n".join(lines) + more + hint, intent=Intent.STATUS)


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


def start_cancel(turn: Turn, runner: Any, text: str = "", number: str | None = None) -> Reply:
    """Cancel a ticket: by the number given, the only open one, or the one of the kind named."""
    tickets = open_tickets(turn)
    flow = runner.flows[CancelFlow.name]
    if not tickets:
        return Reply("您目前没有可以取消的事项。回复“帮助”查看菜单。", intent=Intent.CANCEL)
    chosen: Ticket | None = None
    if number is not None:
        chosen = match_ticket(tickets, number)
        if chosen is None:
            runner.start(turn, flow)
            return Reply(f"没有找到单号 {number} 的在办事项。\n{runner.resume(turn).text}", intent=Intent.CANCEL)
    elif len(tickets) == 1:
        chosen = tickets[0]
    else:
        kinds = [kind for kind, name in TYPE_NAMES.items() if name in text or (kind == "medicine" and "药" in text)]
        same_kind = [t for t in tickets if t.type in kinds]
        chosen = same_kind[0] if len(same_kind) == 1 else None
    initial = {"ticket": chosen.number} if chosen else None
    return runner.start(turn, flow, initial=initial)
