"""转人工: a consult ticket, and the open-consult mode that follows (:class:`ConsultMode`).

While the consult is open the bot steps aside: what the resident writes goes onto the ticket's
timeline for the member, who answers from the console. The mode ends when the member closes the
ticket or the resident sends 结束; a question left stays open for the member. The global commands
still work (see below). Emergencies are still caught first (the mode before this one in
:data:`bot.engine.modes.MODES`); 转人工 during an emergency joins the emergency ticket instead.

A request in progress when the consult opens is put aside, as an emergency does, on the same clock
(its timeout runs from that moment): when the consult ends, one line says whether "继续" still
finishes it. No request flow is active in the mode, except a cancellation by number.
"""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from bot.audience import Audience
from bot.engine import emergency, words
from bot.engine.cancel import by_number, start_cancel
from bot.engine.message import Message
from bot.engine.runner import runner
from bot.flows.cancel import CancelFlow
from bot.flows.tickets import add_note, find_open, handled_by, has_question, move, open_ticket, status
from bot.intents import Intent
from bot.messages import Reply
from bot.state import TicketMode
from bot.turn import Turn
from core.timeutil import utcnow
from tickets import workflow
from tickets.models import Ticket, TicketStatus, TicketType

# The global commands keep working in the mode, each with the meaning it can have here:
# - 结束 (and the like): end the chat; a question the resident left stays open until a member
#   answers and closes it (an empty consult is closed);
# - 取消: end the consult and withdraw it (closed for the member); the resident is then told how to
#   cancel a request, as 取消 now means that again;
# - 重新开始: end the consult and start over, as everywhere (the pending request is dropped too);
# - 转人工: already served, no second ticket;
# - 查询进度: the listing, then a reminder that the consult goes on;
# - 帮助: what this mode is and how to leave it. No numbered menu: a "1" is a message for the member;
# - 取消 <单号>: as outside the mode, after the same yes/no; the consult goes on unless it was the one
#   cancelled. Only an answer to that yes/no goes to it: anything else drops it and is forwarded.
# None of them is forwarded to the member. Greetings (你好, 在吗) are: they are meant for a person.
END_WORDS = words.END | words.GOODBYES
# A resident who walks away mid-consult must not find the bot deaf days later; the ticket stays
# open for the member either way.
IDLE_LIMIT = timedelta(hours=24)


def human(turn: Turn, text: str = "") -> Reply:
    """Open a consult ticket and enter the open-consult mode; a request in progress is put aside."""
    if turn.audience is Audience.MEMBER:
        return Reply(texts.member_no_resident_ticket(turn.office_phone), intent=None)
    current = find_open(turn, turn.state.consult.ticket_id if turn.state.consult else None)
    if current is not None:
        return Reply(_already(current.number), intent=Intent.HUMAN, ticket_id=current.id)
    urgent = emergency.live_ticket(turn)
    if urgent is not None:
        return emergency.join(turn, urgent, "" if text in ("转人工", "人工") else text)
    runner.suspend(turn)
    details = {"message": text} if text and text not in ("转人工", "人工") else {}
    if turn.resident.phone:
        details["phone"] = turn.resident.phone
    ticket = open_ticket(turn, TicketType.CONSULT, details).ticket
    turn.state.consult = TicketMode(ticket.id, ticket.number, utcnow())
    lines = [
        f"已为您转人工，单号 {ticket.number}。{handled_by(turn, ticket)}会在这里回复您。",
        f"接下来您发的消息都会转给工作人员；回复“结束”结束人工服务。急事请拨打 {turn.office_phone}。",
    ]
    aside = runner.aside(turn)
    if aside is not None and not runner.aside_expired(turn):
        lines.append(texts.flow_resumable(aside.title))
    return Reply("\n".join(lines), intent=Intent.HUMAN, ticket_id=ticket.id)


def _already(number: str) -> str:
    return f"您已在人工服务中（单号 {number}），请直接留言，工作人员会回复您。回复“结束”结束人工服务。"


def _aside_line(turn: Turn) -> str:
    """Said when the consult ends: the request put aside still waits for "继续", or has timed out."""
    aside = runner.aside(turn)
    if aside is None:
        return ""
    if runner.aside_expired(turn):
        return "\n" + texts.flow_aside_expired(aside.title)
    return "\n" + texts.flow_waiting(aside.title)


class ConsultMode:
    """In the open-consult mode, messages go to the member; None when the mode is not (or no longer) on."""

    name = "consult"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        mode, text = turn.state.consult, message.text
        if mode is None:
            return None
        ticket = find_open(turn, mode.ticket_id)
        idle = utcnow() - mode.at > IDLE_LIMIT
        answer = text.strip().rstrip("。.!！").lower()
        if ticket is None or idle:
            # The member closed it (or the resident left long ago): the bot answers again.
            turn.state.consult = None
            if turn.state.flow == CancelFlow.name:
                turn.state.clear_flow()
            waiting = "" if answer in words.RESUME else _aside_line(turn)
            turn.state.notice = "人工服务已结束，现在由我为您服务。" + waiting
            return None
        if turn.state.flow not in (None, CancelFlow.name):
            runner.suspend(turn)  # a conversation saved before requests were put aside here
        if turn.state.flow == CancelFlow.name:
            if not runner.is_expired(turn) and runner.expects(turn, text):
                return _cancel_step(turn, ticket, text)
            turn.state.clear_flow()  # not an answer to "确认取消吗": the message is for the member
        return _in_mode(turn, ticket, mode, text, answer)


def _cancel_step(turn: Turn, consult: Ticket, text: str) -> Reply:
    reply = runner.step(turn, text) or runner.resume(turn)
    if find_open(turn, consult.id) is None:  # the consult itself was cancelled
        turn.state.consult = None
        return Reply(
            texts.consult_cancelled(consult.number) + _aside_line(turn),
            intent=Intent.CANCEL,
            ticket_id=consult.id,
        )
    if turn.state.flow is None:  # done or declined: say where the resident is now
        reply.text = f"{reply.text}\n{texts.consult_goes_on()}"
    return reply


def _in_mode(turn: Turn, ticket: Ticket, mode: TicketMode, text: str, answer: str) -> Reply:
    if words.word(answer) in END_WORDS:
        answer = "结束"  # "结束了", "结束吧"
    if answer in END_WORDS or answer in words.CANCEL or answer in words.RESTART:
        waiting = _leave(turn, ticket, withdrawn=answer not in END_WORDS)
        turn.state.consult = None
        if answer in words.RESTART:
            turn.state.reset()
            return Reply(texts.consult_restarted(), intent=None)
        ended = texts.consult_ended_by_cancel() if answer in words.CANCEL else texts.consult_ended()
        if waiting:
            ended = ended.replace("。", f"。{_question_kept(ticket)}", 1)
        return Reply(ended + _aside_line(turn), intent=Intent.HUMAN)
    if answer in words.STATUS:
        listing = status(turn)
        listing.text = f"{listing.text}\n{texts.consult_goes_on()}"
        return listing
    if answer in words.HELP:
        return Reply(texts.help_in_consult(ticket.number, turn.office_phone), intent=Intent.HUMAN, ticket_id=ticket.id)
    if answer in words.HUMAN:
        return Reply(_already(ticket.number), intent=Intent.HUMAN, ticket_id=ticket.id)
    number = by_number(answer)
    if number is not None:
        return start_cancel(turn, number=number)
    add_note(turn, ticket, text)
    mode.at = utcnow()
    if ticket.type == TicketType.EMERGENCY:
        return Reply(
            f"已补充到紧急单 {ticket.number}。急症请直接拨打 120。回复“结束”可结束人工服务。",
            intent=Intent.HUMAN,
            ticket_id=ticket.id,
        )
    return Reply(
        f"已转给工作人员（单号 {ticket.number}），请稍候。回复“结束”可结束人工服务。",
        intent=Intent.HUMAN,
        ticket_id=ticket.id,
    )


def _leave(turn: Turn, ticket: Ticket, withdrawn: bool) -> bool:
    """The resident ends the chat; True when their question stays open for the member.

    结束 leaves a question with the member (closing it is theirs); 取消 and 重新开始 withdraw it, and
    an empty consult is closed. An emergency ticket joined by 转人工 is never closed from here.
    """
    if ticket.type == TicketType.EMERGENCY:
        return False
    if withdrawn or not has_question(turn, ticket):
        move(turn, ticket, TicketStatus.CLOSED, "居民结束了人工服务")
        return False
    workflow.record(
        session=turn.session, ticket=ticket, actor="system", action="left", note="居民离开了对话，问题待回复"
    )
    return True


def _question_kept(ticket: Ticket) -> str:
    return f"您的问题（单号 {ticket.number}）已留给工作人员，他们会在这里回复您。"
