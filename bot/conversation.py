"""One text turn: interrupts, global commands, the active flow, numbered choices, intents.

The order of precedence is the order of the steps in :func:`converse`.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import commands, policy, texts
from bot.flows import FLOWS, emergency, flow_for, handoff
from bot.flows.handoff import human
from bot.flows.status import CANCEL_BY_NUMBER, KEPT, CancelFlow, open_tickets, start_cancel, status
from bot.intents import MENU_INTENTS, Intent, is_greeting
from bot.messages import Reply
from bot.parsing import clean
from bot.routing import Route, route
from bot.runner import CONFIRM, CONSENT, SUSPENDED, FlowRunner
from bot.turn import Turn

runner = FlowRunner(FLOWS)

# Checks that run on every message before anything else, even mid-flow: emergency triage first
# (nothing may delay a red flag), then the open-consult mode (messages go to the member).
Interrupt = Callable[[Turn, str], Reply | None]
INTERRUPTS: list[Interrupt] = [emergency.make_interrupt(runner), handoff.make_interrupt(runner)]

Command = Callable[[Turn], Reply]
COMMANDS: dict[str, Command] = {}


def command(*words: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        for word in words:
            COMMANDS[word] = func
        return func

    return register


@command(*commands.CANCEL)
def _cancel(turn: Turn) -> Reply:
    if turn.state.flow is None:
        return start_cancel(turn, runner)
    if turn.state.flow == CancelFlow.name and not runner.is_expired(turn):
        # In the cancellation "已取消" would read as "the ticket is cancelled": it is not. At the
        # yes/no question 取消 could mean either, so the question is asked again.
        if turn.state.step == CONFIRM:
            return runner.resume(turn)
        turn.state.clear_flow()
        return _with_aside(turn, Reply(KEPT, intent=Intent.CANCEL))
    turn.state.clear_flow()
    return Reply(texts.cancelled(), intent=Intent.CANCEL)


@command(*commands.END)
def _end(turn: Turn) -> Reply:
    # The consult mode takes 结束 first; here there is nothing to end, and no question for staff.
    return _nothing_to_end(turn, texts.nothing_to_end())


@command(*commands.GOODBYES)
def _goodbye(turn: Turn) -> Reply:
    return _nothing_to_end(turn, texts.goodbye())


def _nothing_to_end(turn: Turn, lead: str) -> Reply:
    flow = FLOWS.get(turn.state.flow or "")
    if flow is not None and not runner.is_expired(turn):
        pending = runner.resume(turn)
        return Reply(f"{lead}{texts.flow_still_open(flow.title)}\n{pending.text}", intent=pending.intent)
    prefix = texts.flow_timed_out(flow.title) + "\n" if flow is not None else ""
    turn.state.clear_flow()
    return _with_aside(turn, Reply(prefix + lead + texts.what_next(), intent=None))


@command(*commands.RESTART)
def _restart(turn: Turn) -> Reply:
    turn.state.clear_flow()
    turn.state.context.clear()
    return Reply(texts.restarted(), intent=None)


@command(*commands.HUMAN)
def _human(turn: Turn) -> Reply:
    return human(turn, runner)


@command(*commands.STATUS)
def _status(turn: Turn) -> Reply:
    reply = status(turn)
    flow = FLOWS.get(turn.state.flow or "")
    if flow is not None and not runner.is_expired(turn):
        # The next answer still goes to the pending question: say which one it is.
        reply.text = f"{reply.text}\n\n{texts.flow_pending(flow.title)}{runner.resume(turn).text}"
    return reply


@command(*commands.HELP, *commands.GREETINGS)
def _help(turn: Turn) -> Reply:
    flow = FLOWS.get(turn.state.flow or "")
    if flow is None or runner.is_expired(turn):
        prefix = texts.flow_timed_out(flow.title) + "\n" if flow is not None else ""
        turn.state.clear_flow()
        return Reply(prefix + texts.help_text(turn.office_phone), intent=None)
    # The numbered menu is not shown mid-flow: its "1" would answer the pending question instead
    # (in the cancel flow, "1" confirms a cancellation). The question is asked again instead.
    pending = runner.resume(turn)
    return Reply(f"{texts.help_in_flow(flow.title, turn.office_phone)}\n{pending.text}", intent=pending.intent)


@command("谢谢", "谢谢你", "好的谢谢", "多谢", "感谢", "辛苦了")
def _thanks(turn: Turn) -> Reply:
    return Reply(texts.thanks(), intent=None)


@command(*commands.RESUME)
def _resume(turn: Turn) -> Reply:
    if turn.state.flow in FLOWS:
        return runner.resume(turn)
    aside = runner.aside(turn)
    if aside is None:
        turn.state.context.pop(SUSPENDED, None)
        return Reply(texts.nothing_to_resume(), intent=None)
    flow = runner.restore(turn)
    if flow is None:
        return Reply(texts.flow_timed_out(aside.title) + "回复“帮助”查看菜单。", intent=None)
    return runner.resume(turn, prefix=f"好的，继续{flow.title}。\n")


def converse(turn: Turn, text: str) -> Reply:
    """Answer one text (typed, spoken or a menu key's meaning) from a resident."""
    reply = _converse(turn, clean(text))
    notice = turn.state.context.pop("notice", None)
    if notice and reply.text:
        reply.text = f"{notice}\n{reply.text}"
    return reply


def _converse(turn: Turn, text: str) -> Reply:
    if not text:
        return Reply(texts.help_text(turn.office_phone), intent=None)
    for interrupt in INTERRUPTS:
        reply = interrupt(turn, text)
        if reply is not None:
            return reply
    handler = COMMANDS.get(text.lower()) or COMMANDS.get(commands.word(text))
    if handler is not None:
        return handler(turn)
    by_number = CANCEL_BY_NUMBER.match(text.replace(" ", ""))
    if by_number:
        return _cancel_by_number(turn, by_number.group(1))

    prefix = ""
    state = turn.state
    if state.flow is not None:
        if state.flow not in FLOWS or runner.is_expired(turn):
            title = FLOWS[state.flow].title if state.flow in FLOWS else "上次"
            prefix = texts.flow_timed_out(title) + "\n"
            state.clear_flow()
        else:
            cancelling = state.flow == CancelFlow.name
            reply = runner.step(turn, text, fallback=lambda: _off_script(turn, text))
            if reply is not None:
                return _with_aside(turn, reply) if cancelling and state.flow is None else reply

    choices = state.context.pop("choices", None)
    if choices and text.isdigit() and 1 <= int(text) <= len(choices):
        return policy.choose(turn, choices[int(text) - 1])
    if text.isdigit() and prefix:
        # A number meant for the expired question must not start some other menu item.
        return Reply(prefix + texts.help_text(turn.office_phone), intent=None)
    if text.isdigit():
        return start_menu_item(turn, text, prefix)
    routed = _route(turn, text)
    if routed.intent == Intent.POLICY:
        reply = policy.answer(turn, text, lookup=routed.lookup, request=routed.request)
    else:
        reply = _start_routed(turn, routed, text)
    if prefix and reply.text:
        reply.text = prefix + reply.text
    return reply


def _route(turn: Turn, text: str) -> Route:
    return route(text, turn.knowledge, turn.community.region, lambda: bool(open_tickets(turn)))


def _start_routed(turn: Turn, routed: Route, text: str) -> Reply:
    """Begin what the resident asked for; a question about the service a request is for gets the rule first."""
    reply = start(turn, routed.intent, text)
    answer = routed.lookup.current if routed.lookup is not None else None
    if answer is not None and reply.text:
        reply.text = f"{texts.policy_answer(answer.answer, answer.source)}\n\n{reply.text}"
        reply.faq_id = answer.id
    return reply


def _cancel_by_number(turn: Turn, number: str) -> Reply:
    """取消 <单号>: a request being filled in is put aside for "继续", as an emergency or a consult does."""
    state = turn.state
    flow = FLOWS.get(state.flow or "")
    put_aside = flow is not None and flow.name != CancelFlow.name and not runner.is_expired(turn)
    line = ""
    if flow is not None and put_aside:
        runner.suspend(turn)
        line = texts.flow_resumable(flow.title)
    elif flow is not None and flow.name != CancelFlow.name:
        line = texts.flow_timed_out(flow.title)
    state.clear_flow()
    reply = start_cancel(turn, runner, number=number)
    if flow is not None and put_aside and state.flow is None and runner.restore(turn):
        # Nothing to cancel: the request was never really left, its question is asked again.
        reply.text = f"{reply.text}\n\n{texts.flow_pending(flow.title)}{runner.resume(turn).text}"
        return reply
    if line:
        reply.text = f"{line}\n{reply.text}"
    return reply


def _with_aside(turn: Turn, reply: Reply) -> Reply:
    """After a cancellation (or a word with nothing to act on), a request put aside still waits for "继续"."""
    aside = runner.aside(turn)
    if aside is not None and not runner.aside_expired(turn) and turn.state.flow is None and reply.text:
        reply.text = f"{reply.text}\n{texts.flow_waiting(aside.title)}"
    return reply


def _off_script(turn: Turn, text: str) -> Reply | None:
    """Mid-flow, a message that is no answer to the question may be something else entirely."""
    routed = _route(turn, text)
    intent = routed.intent
    if intent == Intent.CANCEL and turn.state.flow == CancelFlow.name:
        return None  # "帮我取消抗原" at "要取消哪一项": the question is asked again, with the list
    if intent == Intent.CANCEL:
        turn.state.clear_flow()
        return Reply(texts.cancelled(), intent=Intent.CANCEL)
    if intent in (Intent.HUMAN, Intent.STATUS):
        return start(turn, intent, text)
    flow = flow_for(intent)
    if flow is not None and flow.name != turn.state.flow and len(text) >= 4:
        return _start_routed(turn, routed, text)
    if intent == Intent.POLICY and len(text) >= 6 and turn.knowledge is not None:
        answer = policy.answer(turn, text, offer_choices=False, lookup=routed.lookup)
        if answer.faq_id is not None:
            answer.text = f"{answer.text}\n\n{_pending(turn)}{runner.resume(turn).text}"
            return answer
        turn.state.context.pop("choices", None)
    if turn.state.step == CONSENT and flow is None:
        # Before consenting, a message that is no other request keeps this one: consent is asked again
        # (a later "同意" then means something). The same service asked again starts it afresh instead.
        return runner.resume(turn, prefix=_pending(turn))
    return None


def _pending(turn: Turn) -> str:
    return texts.flow_pending(FLOWS[turn.state.flow or ""].title)


def start(turn: Turn, intent: str, text: str = "") -> Reply:
    """Begin what the resident asked for."""
    flow = flow_for(intent)
    if flow is not None:
        return runner.start(turn, flow, text=text)
    if intent == Intent.STATUS:
        return status(turn)
    if intent == Intent.HUMAN:
        return human(turn, runner, text)
    if intent == Intent.CANCEL:
        return start_cancel(turn, runner, text=text)
    if intent == Intent.POLICY and text:
        return policy.answer(turn, text)
    if intent == Intent.POLICY:
        return Reply("请直接说出您想了解的政策问题，如“老人打疫苗有绿色通道吗”。", intent=Intent.POLICY)
    if text and is_greeting(text):
        return Reply(texts.greeting_back(), intent=None)
    return Reply(texts.not_understood(turn.office_phone), intent=Intent.UNKNOWN)


def start_menu_item(turn: Turn, number: str, prefix: str = "") -> Reply:
    item = next((item for item in texts.MENU_ITEMS if item[0] == number), None)
    if item is None:
        return Reply(prefix + texts.help_text(turn.office_phone), intent=None)
    reply = start(turn, item[2])
    reply.text = prefix + (reply.text or "")
    return reply


def start_menu_key(turn: Turn, key: str) -> Reply:
    """A CLICK on the custom menu starts the same flow as the words would."""
    intent = MENU_INTENTS.get(key)
    if intent is None:
        return Reply(texts.help_text(turn.office_phone), intent=None)
    return start(turn, intent)
