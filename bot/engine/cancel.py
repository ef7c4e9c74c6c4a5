"""取消: starting the cancellation flow, by the number given ("取消 0031"), the only open ticket, or the kind named."""

from __future__ import annotations

import lexicon
from bot import texts
from bot.engine.runner import runner
from bot.flows.cancel import CancelFlow, match_ticket
from bot.flows.tickets import open_tickets
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets.models import TYPE_NAMES, Ticket

# "取消 20260122-0031", "取消单号0031", "撤销 31": the number may be typed in full or its tail.
CANCEL_BY_NUMBER = lexicon.pattern("answers.cancel_by_number")


def by_number(text: str) -> str | None:
    """The ticket number of "取消 ‹单号›", or None."""
    match = CANCEL_BY_NUMBER.match(text.replace(" ", ""))
    return match.group(1) if match else None


def start_cancel(turn: Turn, text: str = "", number: str | None = None) -> Reply:
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


def cancel_by_number(turn: Turn, number: str) -> Reply:
    """取消 <单号>: a request being filled in is put aside for "继续", as an emergency or a consult does."""
    state = turn.state
    flow = runner.flows.get(state.flow or "")
    other = flow is not None and flow.name != CancelFlow.name
    put_aside = other and runner.live(turn) is not None
    line = ""
    if flow is not None and put_aside:
        runner.suspend(turn)
        line = texts.flow_resumable(flow.title)
    elif flow is not None and other:
        line = texts.flow_timed_out(flow.title)
    state.clear_flow()
    reply = start_cancel(turn, number=number)
    if flow is not None and put_aside and state.flow is None and runner.restore(turn):
        # Nothing to cancel: the request was never really left, its question is asked again.
        reply.text = f"{reply.text}\n\n{texts.flow_pending(flow.title)}{runner.resume(turn).text}"
        return reply
    if line:
        reply.text = f"{line}\n{reply.text}"
    return reply


def with_aside(turn: Turn, reply: Reply) -> Reply:
    """After a cancellation (or a word with nothing to act on), a request put aside still waits for "继续"."""
    aside = runner.aside(turn)
    if aside is not None and not runner.aside_expired(turn) and turn.state.flow is None and reply.text:
        reply.text = f"{reply.text}\n{texts.flow_waiting(aside.title)}"
    return reply
