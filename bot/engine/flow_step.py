"""The active flow's step: the answer to its question, or, when it is none, what else the message may be."""

from __future__ import annotations

from bot import policy, texts
from bot.engine.cancel import with_aside
from bot.engine.filling import hear
from bot.engine.message import Message
from bot.engine.runner import CONSENT, runner
from bot.engine.starting import route_of, start, start_routed
from bot.flows import flow_for
from bot.flows.cancel import CancelFlow
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn

# Mid-flow, a message naming another service starts it only from this length: "要药" (2) or a
# 3-character answer such as "买药的" is more likely a sloppy answer to the question than a new request.
OTHER_REQUEST_MIN_CHARS = 4
# A policy question mid-flow is answered only from this length: shorter texts are answers
# ("没有过敏", "自己取") that happen to contain a policy word.
POLICY_QUESTION_MIN_CHARS = 6


class FlowStepMode:
    """The active flow takes the message as the answer to its question; a timed-out flow is dropped."""

    name = "flow step"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        state = turn.state
        if state.flow is None:
            hear(turn, message.text)  # a request started later uses what is said now ("我妈80多了")
            return None
        if runner.live(turn) is None:
            title = runner.flows[state.flow].title if state.flow in runner.flows else "上次"
            message.prefix = texts.flow_timed_out(title) + "\n"
            state.clear_flow()
            return None
        cancelling = state.flow == CancelFlow.name
        reply = runner.step(turn, message.text, fallback=lambda: off_script(turn, message))
        if reply is not None and cancelling and state.flow is None:
            return with_aside(turn, reply)
        return reply


def off_script(turn: Turn, message: Message) -> Reply | None:
    """Mid-flow, a message that is no answer to the question may be something else entirely."""
    text = message.text
    routed = route_of(turn, message)
    intent = routed.intent
    if intent == Intent.CANCEL and turn.state.flow == CancelFlow.name:
        return None  # "帮我取消抗原" at "要取消哪一项": the question is asked again, with the list
    if intent == Intent.CANCEL:
        turn.state.clear_flow()
        return Reply(texts.cancelled(), intent=Intent.CANCEL)
    if intent in (Intent.HUMAN, Intent.STATUS):
        return start(turn, intent, text)
    flow = flow_for(intent)
    if flow is not None and flow.name != turn.state.flow and len(text) >= OTHER_REQUEST_MIN_CHARS:
        return start_routed(turn, routed, text)
    if intent == Intent.POLICY and len(text) >= POLICY_QUESTION_MIN_CHARS and turn.knowledge is not None:
        answer = policy.answer(turn, text, offer_choices=False, lookup=routed.lookup)
        if answer.faq_id is not None:
            answer.text = f"{answer.text}\n\n{_pending(turn)}{runner.resume(turn).text}"
            return answer
        turn.state.choices = []
    if turn.state.step == CONSENT and flow is None:
        # Before consenting, a message that is no other request keeps this one: consent is asked again
        # (a later "同意" then means something). The same service asked again starts it afresh instead.
        return runner.resume(turn, prefix=_pending(turn))
    return None


def _pending(turn: Turn) -> str:
    return texts.flow_pending(runner.flows[turn.state.flow or ""].title)
