"""The global commands: a table from word to command, each registered by decorator in this module.

A command answers a whole message that is one of its words (取消, 帮助, 继续 …), in whatever state
the conversation is, except an emergency or an open consult (the modes before this one).
"""

from __future__ import annotations

from collections.abc import Callable

from bot import texts
from bot.engine import words
from bot.engine.cancel import start_cancel, with_aside
from bot.engine.consult import human
from bot.engine.runner import CONFIRM, runner
from bot.flows.cancel import KEPT, CancelFlow
from bot.flows.tickets import status
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn

Command = Callable[[Turn], Reply]
COMMANDS: dict[str, Command] = {}


def command(*names: frozenset[str]) -> Callable[[Command], Command]:
    """Register a command for every word of ``names``; a word may belong to one command only."""

    def register(func: Command) -> Command:
        for word in sorted(set().union(*names)):
            if word in COMMANDS:
                raise ValueError(f"{word!r} is already the word of {COMMANDS[word].__name__}")
            COMMANDS[word] = func
        return func

    return register


def find(text: str) -> Command | None:
    """The command a whole message means: the text itself first ("算了"), else its command word."""
    return COMMANDS.get(text.lower()) or COMMANDS.get(words.word(text))


@command(words.CANCEL)
def cancel(turn: Turn) -> Reply:
    if turn.state.flow is None:
        return start_cancel(turn)
    if turn.state.flow == CancelFlow.name and runner.live(turn) is not None:
        # In the cancellation "已取消" would read as "the ticket is cancelled": it is not. At the
        # yes/no question 取消 could mean either, so the question is asked again.
        if turn.state.step == CONFIRM:
            return runner.resume(turn)
        turn.state.clear_flow()
        return with_aside(turn, Reply(KEPT, intent=Intent.CANCEL))
    turn.state.clear_flow()
    return Reply(texts.cancelled(), intent=Intent.CANCEL)


@command(words.END)
def end(turn: Turn) -> Reply:
    # The consult mode takes 结束 first; here there is nothing to end, and no question for staff.
    return _nothing_to_end(turn, texts.nothing_to_end())


@command(words.GOODBYES)
def goodbye(turn: Turn) -> Reply:
    return _nothing_to_end(turn, texts.goodbye())


def _nothing_to_end(turn: Turn, lead: str) -> Reply:
    flow = runner.flows.get(turn.state.flow or "")
    if flow is not None and runner.live(turn) is not None:
        pending = runner.resume(turn)
        return Reply(f"{lead}{texts.flow_still_open(flow.title)}\n{pending.text}", intent=pending.intent)
    prefix = texts.flow_timed_out(flow.title) + "\n" if flow is not None else ""
    turn.state.clear_flow()
    return with_aside(turn, Reply(prefix + lead + texts.what_next(), intent=None))


@command(words.RESTART)
def restart(turn: Turn) -> Reply:
    turn.state.reset()
    return Reply(texts.restarted(), intent=None)


@command(words.HUMAN)
def to_a_person(turn: Turn) -> Reply:
    return human(turn)


@command(words.STATUS)
def progress(turn: Turn) -> Reply:
    reply = status(turn)
    flow = runner.live(turn)
    if flow is not None:
        # The next answer still goes to the pending question: say which one it is.
        reply.text = f"{reply.text}\n\n{texts.flow_pending(flow.title)}{runner.resume(turn).text}"
    return reply


@command(words.HELP, words.GREETINGS)
def help_menu(turn: Turn) -> Reply:
    flow = runner.flows.get(turn.state.flow or "")
    if flow is None or runner.is_expired(turn):
        prefix = texts.flow_timed_out(flow.title) + "\n" if flow is not None else ""
        turn.state.clear_flow()
        return Reply(prefix + texts.help_text(turn.office_phone), intent=None)
    # The numbered menu is not shown mid-flow: its "1" would answer the pending question instead
    # (in the cancel flow, "1" confirms a cancellation). The question is asked again instead.
    pending = runner.resume(turn)
    return Reply(f"{texts.help_in_flow(flow.title, turn.office_phone)}\n{pending.text}", intent=pending.intent)


@command(words.THANKS)
def thanks(turn: Turn) -> Reply:
    return Reply(texts.thanks(), intent=None)


@command(words.RESUME)
def resume(turn: Turn) -> Reply:
    if turn.state.flow in runner.flows:
        return runner.resume(turn)
    aside = runner.aside(turn)
    if aside is None:
        turn.state.suspended = None
        return Reply(texts.nothing_to_resume(), intent=None)
    flow = runner.restore(turn)
    if flow is None:
        return Reply(texts.flow_timed_out(aside.title) + "回复“帮助”查看菜单。", intent=None)
    return runner.resume(turn, prefix=f"好的，继续{flow.title}。\n")
