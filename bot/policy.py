"""Policy questions: answer, offer the closest questions, or log the question for staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import texts
from bot.intents import SERVICES, Intent
from bot.messages import Reply
from bot.turn import Turn

if TYPE_CHECKING:
    from knowledge.base import FaqView, Lookup


def answer(
    turn: Turn, text: str, offer_choices: bool = True, lookup: Lookup | None = None, request: str | None = None
) -> Reply:
    """Answer from the knowledge base when confident; numbered choices when unsure; else a human.

    Without ``offer_choices`` (in the middle of a request, where a number answers the request's own
    question) only a sure answer is given. ``lookup`` is one already made (bot.routing); ``request``
    one the message could also be, which a sure answer then says how to make.
    """
    if turn.knowledge is None:
        return Reply(texts.not_understood(turn.office_phone), intent=Intent.UNKNOWN)
    if lookup is None:
        # Regional entries of other provinces must not answer this resident (Chongqing vs Liaoning rules).
        lookup = turn.knowledge.lookup(text, region=turn.community.region)
    if not offer_choices:
        lookup = lookup.as_choices()
    if lookup.answer is not None:
        entry = lookup.answer
        if not lookup.tentative:
            hint = texts.how_to_ask_for(request) if request is not None else ""
            if entry.superseded:
                reply = _superseded(turn, entry, lookup.suggestions, offer_choices)
            else:
                reply = texts.policy_answer(told(turn, entry), entry.source)
                if request in SERVICES and offer_choices:
                    # Answered first, the request offered second (issue #14): "1" starts it.
                    turn.state.offer, hint = request, texts.offer_request(request)
            return Reply(f"{reply}\n{hint}" if hint else reply, intent=Intent.POLICY, faq_id=entry.id)
        turn.state.choices = [other.id for other in lookup.suggestions]
        others = [other.question for other in lookup.suggestions]
        reply = texts.tentative_answer(entry.question, told(turn, entry), entry.source, others)
        return Reply(reply, intent=Intent.POLICY, faq_id=entry.id)
    if lookup.suggestions:
        # Answered only with numbered choices: logged for staff like an unanswered question.
        turn.knowledge.log_unanswered(
            session=turn.session, text=text, openid=turn.inbound.sender, best=lookup.best_score
        )
        turn.state.choices = [entry.id for entry in lookup.suggestions]
        return Reply(texts.suggestions([entry.question for entry in lookup.suggestions]), intent=Intent.POLICY)
    turn.knowledge.log_unanswered(session=turn.session, text=text, openid=turn.inbound.sender, best=lookup.best_score)
    return Reply(texts.unknown(turn.office_phone), intent=Intent.UNKNOWN)


def told(turn: Turn, entry: FaqView) -> str:
    """The entry's answer; a province's own rule named as such where the community is not in it."""
    return texts.regional(entry.region, entry.answer) if entry.foreign_to(turn.community.region) else entry.answer


def _superseded(turn: Turn, entry: FaqView, replacements: list[FaqView], offer_choices: bool) -> str:
    """An old rule, told as no longer in force, with how to read the one that replaced it."""
    current = replacements[0] if replacements else None
    if current is not None and offer_choices:
        turn.state.choices = [current.id]
    return texts.superseded_answer(
        entry.answer, entry.source, entry.superseded_note, current.question if current else None, offer_choices
    )


def choose(turn: Turn, faq_id: int) -> Reply:
    """The resident picked one of the offered questions by number."""
    entry = turn.knowledge.get(faq_id) if turn.knowledge else None
    if entry is None:
        return Reply(texts.not_understood(turn.office_phone), intent=Intent.UNKNOWN)
    return Reply(texts.policy_answer(told(turn, entry), entry.source), intent=Intent.POLICY, faq_id=entry.id)
