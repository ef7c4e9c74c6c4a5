"""转人工: a consult ticket, and the open-consult mode that follows.

While the consult is open the bot steps aside: what the resident writes goes onto the ticket's
timeline for the member, who answers from the console. The mode ends when the member closes the
ticket or the resident sends 结束. Emergencies are still caught first (the interrupt before this one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.flows.tickets import add_note, find_open, handled_by, move, open_ticket
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from hotline.timeutil import utcnow
from tickets.models import TicketStatus, TicketType

END_WORDS = {
    "结束",
    "结束人工",
    "结束对话",
    "结束咨询",
    "退出",
    "退出人工",
    "不聊了",
    "取消",
    "没事了",
    "好了谢谢",
    "重新开始",
}
# Words that still reach the bot in the mode: status is harmless, a second 转人工 is already served.
PASS_THROUGH = {"查询进度", "查进度", "进度"}
# A resident who walks away mid-consult must not find the bot deaf days later; the ticket stays
# open for the member either way.
IDLE_LIMIT = timedelta(hours=24)
HANDOFF = "handoff"


def human(turn: Turn, text: str = "") -> Reply:
    """Open a consult ticket and enter the open-consult mode."""
    current = find_open(turn, (turn.state.context.get(HANDOFF) or {}).get("ticket_id"))
    if current is not None:
        return Reply(_already(current.number), intent=Intent.HUMAN, ticket_id=current.id)
    details = {"message": text} if text and text not in ("转人工", "人工") else {}
    if turn.resident.phone:
        details["phone"] = turn.resident.phone
    ticket = open_ticket(turn, TicketType.CONSULT, details).ticket
    turn.state.context[HANDOFF] = {"ticket_id": ticket.id, "number": ticket.number, "at": utcnow().isoformat()}
    return Reply(
        f"已为您转人工，单号 {ticket.number}。{handled_by(turn, ticket)}会在这里回复您。\n"
        f"接下来您发的消息都会转给工作人员；回复“结束”结束人工服务。急事请拨打 {turn.office_phone}。",
        intent=Intent.HUMAN,
        ticket_id=ticket.id,
    )


def _already(number: str) -> str:
    return f"您已在人工服务中（单号 {number}），请直接留言，工作人员会回复您。回复“结束”结束人工服务。"


def interrupt(turn: Turn, text: str) -> Reply | None:
    """In the open-consult mode, messages go to the member; None when the mode is not (or no longer) on."""
    mode = turn.state.context.get(HANDOFF)
    if not mode:
        return None
    ticket = find_open(turn, mode.get("ticket_id"))
    idle = utcnow() - datetime.fromisoformat(mode["at"]) > IDLE_LIMIT
    if ticket is None or idle:
        # The member closed it (or the resident left long ago): the bot answers again.
        turn.state.context.pop(HANDOFF, None)
        turn.state.context["notice"] = "人工服务已结束，现在由我为您服务。"
        return None
    answer = text.strip().rstrip("。.!！")
    if answer in END_WORDS:
        move(turn, ticket, TicketStatus.CLOSED, "居民结束了人工服务")
        turn.state.context.pop(HANDOFF, None)
        return Reply("好的，人工服务已结束。还需要什么帮助？回复“帮助”查看菜单。", intent=Intent.HUMAN)
    if answer in PASS_THROUGH:
        return None
    if answer in ("转人工", "人工", "人工服务"):
        return Reply(_already(ticket.number), intent=Intent.HUMAN, ticket_id=ticket.id)
    add_note(turn, ticket, text)
    mode["at"] = utcnow().isoformat()
    return Reply(
        f"已转给工作人员（单号 {ticket.number}），请稍候。回复“结束”可结束人工服务。",
        intent=Intent.HUMAN,
        ticket_id=ticket.id,
    )
