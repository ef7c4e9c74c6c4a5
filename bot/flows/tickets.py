"""The few ticket operations flows and the engine need, in one place over :mod:`tickets.service`.

Flows say *what* happened (a request, a note, a cancellation); routing, priority, SLA,
duplicate merging, notifications and the timeline are the ticket service's business.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets import notify, routing, workflow
from tickets import service as ticket_service
from tickets.models import STATUS_NAMES, TYPE_NAMES, Source, Ticket, TicketEvent
from tickets.service import Created

RESIDENT = "resident"
SHOWN = 5  # open tickets listed by 查询进度 and offered for cancelling


def source(turn: Turn) -> str:
    return Source.SIMULATED if turn.simulated else Source.WECHAT


def open_ticket(turn: Turn, type: str, details: dict[str, Any], priority: str | None = None) -> Created:
    """The ticket for a completed request; an open one of the same type gets this request added."""
    if turn.red_flag_not_now:
        details = {**details, "red_flag_not_now": True}  # its red-flag words wake nobody (bot/alarm.py)
    return ticket_service.create_or_merge(
        session=turn.session,
        type=type,
        openid=turn.resident.openid,
        details=details,
        source=source(turn),
        community_id=turn.community.id,
        priority=priority,
        settings=turn.settings,
    )


def registered(turn: Turn, created: Created, title: str) -> str:
    """What the resident is told: the number and who handles it, or that it joined an open request."""
    ticket, who = created.ticket, handled_by(turn, created.ticket)
    if created.merged:
        return f"您的{title}登记（单号 {ticket.number}）还在办理中，这次的内容已补充进去，{who}会一并处理。"
    return f"已登记，单号 {ticket.number}。{who}会尽快联系您。"


def add_note(turn: Turn, ticket: Ticket, text: str) -> None:
    """A resident's message on the ticket's timeline, for the member handling it."""
    workflow.add_note(session=turn.session, ticket=ticket, actor=RESIDENT, note=text)


def move(turn: Turn, ticket: Ticket, to_status: str, note: str) -> None:
    """Cancel or close from the resident's side, through the ticket state machine."""
    workflow.transition(
        session=turn.session, ticket=ticket, to_status=to_status, actor=RESIDENT, note=note, settings=turn.settings
    )


def cancel(turn: Turn, ticket: Ticket) -> bool:
    """The resident's cancellation: False when the ticket stays open for the member (an emergency)."""
    return workflow.cancel_for_resident(session=turn.session, ticket=ticket, settings=turn.settings)


def find_open(turn: Turn, ticket_id: int | None) -> Ticket | None:
    """The resident's own ticket, when it is still open."""
    if ticket_id is None:
        return None
    ticket = turn.session.get(Ticket, ticket_id)
    if ticket is None or ticket.openid != turn.resident.openid or not ticket.is_open:
        return None
    return ticket


def display_name(turn: Turn, username: str | None) -> str | None:
    """The member's name as residents know them; None when unassigned or the account has no name."""
    return ticket_service.display_name(session=turn.session, username=username) if username else None


def on_duty_people(turn: Turn, usernames: list[str | None], title: str = "值班人员") -> str:
    """'值班人员王伟和李芳', '值班人员王伟和一位社区工作人员', '社区工作人员主任等 4 人', or plain '社区值班人员'."""
    people = [username for username in dict.fromkeys(usernames) if username]
    names = [name for name in (display_name(turn, username) for username in people) if name]
    if not names:
        return f"社区{title}"
    if len(people) > 2:
        return f"{title}{names[0]}等 {len(people)} 人"
    unnamed = "和一位社区工作人员" if len(names) < len(people) else ""
    return f"{title}{'和'.join(names)}{unnamed}"


def held_by_fallback(turn: Turn, ticket: Ticket) -> bool:
    """No grid member or on-duty member holds it: an admin or staff does, until someone can."""
    return routing.held_by_fallback(session=turn.session, ticket=ticket)


def reached(turn: Turn, ticket: Ticket) -> notify.Reached:
    """Who was actually sent a notice about ``ticket`` (for a simulated one: who would have been)."""
    return notify.reached_by(session=turn.session, ticket=ticket, settings=turn.settings)


def told(turn: Turn, ticket: Ticket, whom: notify.Reached) -> str | None:
    """'值班人员王伟' / '社区工作群' for the reply's "已通知…"; None when nobody was sent anything."""
    if whom.people:
        title = "社区工作人员" if held_by_fallback(turn, ticket) else "值班人员"
        return on_duty_people(turn, list(whom.people), title)
    return "社区工作群" if whom.group else None


def handled_by(turn: Turn, ticket: Ticket) -> str:
    """'8栋网格员王伟' or '社区值班人员李娜'; plain '社区工作人员' while an admin or staff holds it."""
    person = ticket_service.responsible(session=turn.session, ticket=ticket)
    if person is None or held_by_fallback(turn, ticket):
        return ticket_service.STAFF_WORD
    return person.phrase


def has_question(turn: Turn, ticket: Ticket) -> bool:
    """Whether the resident left anything for the member on ``ticket`` (its opening message or a note)."""
    if ticket.details.get("message"):
        return True
    query = select(TicketEvent.id).where(
        col(TicketEvent.ticket_id) == ticket.id, col(TicketEvent.actor) == RESIDENT, col(TicketEvent.action) == "note"
    )
    return turn.session.exec(query).first() is not None


def open_tickets(turn: Turn) -> list[Ticket]:
    return ticket_service.open_for(session=turn.session, openid=turn.inbound.sender)


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
