"""Starting what the sender asked for: a flow, the status listing, a consult, a cancellation, an answer."""

from __future__ import annotations

from bot import policy, texts
from bot.engine.cancel import start_cancel
from bot.engine.consult import human
from bot.engine.message import Message
from bot.engine.runner import runner
from bot.flows import flow_for
from bot.flows.tickets import open_tickets, status
from bot.intents import MENU_INTENTS, Intent, about_bot, is_greeting, off_topic
from bot.messages import Reply
from bot.routing import Route, route
from bot.turn import Turn


def route_of(turn: Turn, message: Message) -> Route:
    """Where the message goes (the turn's triage is reused, not made again)."""
    has_open = lambda: bool(open_tickets(turn))  # noqa: E731 - asked only for status-like messages
    return route(message.text, turn.knowledge, turn.community.region, has_open, urgent=message.triage.urgent)


def start(turn: Turn, intent: str, text: str = "") -> Reply:
    """Begin what the sender asked for."""
    flow = flow_for(intent)
    if flow is not None:
        if flow.audience is not turn.audience:
            return Reply(texts.member_no_resident_ticket(turn.office_phone), intent=None)
        return runner.start(turn, flow, text=text)
    if intent == Intent.STATUS:
        return status(turn)
    if intent == Intent.HUMAN:
        return human(turn, text)
    if intent == Intent.CANCEL:
        return start_cancel(turn, text=text)
    if intent == Intent.POLICY and text:
        return policy.answer(turn, text)
    if intent == Intent.POLICY:
        return Reply("请直接说出您想了解的政策问题，如“老人打疫苗有绿色通道吗”。", intent=Intent.POLICY)
    if text and is_greeting(text):
        return Reply(texts.greeting_back(), intent=None)
    if text and about_bot(text):
        return Reply(texts.about_the_bot(turn.office_phone), intent=None)
    if text and off_topic(text) and turn.knowledge is not None:
        # Staff see it among the unanswered questions and may write an entry for it ("写答案").
        turn.knowledge.log_unanswered(session=turn.session, text=text, openid=turn.inbound.sender, best=None)
    return Reply(texts.not_understood(turn.office_phone), intent=Intent.UNKNOWN)


def start_routed(turn: Turn, routed: Route, text: str) -> Reply:
    """Begin what the sender asked for; a question about a service is answered first (:func:`answer_first`)."""
    if routed.asked and turn.state.flow is None:
        return answer_first(turn, routed)
    reply = start(turn, routed.intent, text)
    answer = routed.lookup.current if routed.lookup is not None else None
    if answer is not None and reply.text:
        # Mid-request ("1" answers the pending question): the rule, then the request asked about.
        reply.text = f"{texts.policy_answer(policy.told(turn, answer), answer.source)}\n\n{reply.text}"
        reply.faq_id = answer.id
    return reply


# The knowledge base's question saying what the community does for each service (民发〔2023〕5号 第三条).
_OVERVIEW: dict[str, str] = {
    Intent.ANTIGEN: "社区能提供抗原检测吗？",
    Intent.MEDICINE: "社区能提供哪些药品？怎么领退烧药？",
    Intent.REFERRAL: "社区能帮忙联系上级医院吗？",
}


def answer_first(turn: Turn, routed: Route) -> Reply:
    """A question about a service: the base's sure answer, else what the community does for it; then the offer.

    The reply is a policy answer (``faq_id`` when an entry was used); "1" next starts the request
    (:class:`bot.engine.modes.ChoicesMode`). Never a bare consent form in reply to a question.
    """
    lookup = routed.lookup
    entry = lookup.current if lookup is not None else None
    if entry is None and lookup is not None and turn.knowledge is not None and routed.intent in _OVERVIEW:
        # What the community does for the service, in the documents' words, where the base found it close.
        overview = turn.knowledge.lookup(_OVERVIEW[routed.intent], region=turn.community.region).current
        close = [lookup.answer, *lookup.suggestions] if lookup.answer is None or lookup.tentative else []
        entry = overview if overview is not None and overview in close else None
    flow = flow_for(routed.intent)
    if entry is not None:
        lead = texts.policy_answer(policy.told(turn, entry), entry.source)
    else:
        lead = texts.service_statement(routed.intent, flow.title if flow is not None else "")
    if flow is None or flow.audience is not turn.audience:
        return Reply(lead, intent=Intent.POLICY, faq_id=entry.id if entry else None)
    turn.state.offer = routed.intent
    return Reply(
        f"{lead}\n{texts.offer_request(routed.intent)}", intent=Intent.POLICY, faq_id=entry.id if entry else None
    )


def accept_offer(turn: Turn, offered: str) -> Reply:
    """The resident took the offer made after an answer: the request starts (consent first, as always)."""
    return start(turn, offered)


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
