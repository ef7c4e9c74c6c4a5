"""查询进度: the resident's open tickets with number, type, status."""

from __future__ import annotations

from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets import service as ticket_service

TYPE_NAMES = {
    "medicine": "买药",
    "antigen": "抗原",
    "referral": "就医转诊",
    "emergency": "紧急求助",
    "consult": "人工咨询",
    "complaint": "投诉",
}
STATUS_NAMES = {
    "new": "已登记，待分派",
    "assigned": "已分派",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已关闭",
    "cancelled": "已取消",
}


def status(turn: Turn) -> Reply:
    tickets = ticket_service.open_for(session=turn.session, openid=turn.resident.openid)
    if not tickets:
        return Reply("您目前没有正在办理的事项。回复“帮助”查看菜单。", intent=Intent.STATUS)
    lines = []
    for ticket in tickets[:5]:
        who = f"，负责人 {ticket.assignee}" if ticket.assignee else ""
        kind = TYPE_NAMES.get(ticket.type, ticket.type)
        lines.append(f"{ticket.number} {kind}：{STATUS_NAMES.get(ticket.status, ticket.status)}{who}")
    return Reply("您正在办理的事项：\n" + "\n".join(lines), intent=Intent.STATUS)
