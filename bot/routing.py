"""Which way a free-text message goes: the rules' intent, or the knowledge base.

The rules (bot.intents) cannot tell "楼栋长是干啥的" (a policy question) from "找楼栋长" (asking for a
person), nor "阳了在屋头有人管没" from "我的单子有人管没": they share the words. Where the rules chose
on such words only (``may_be_policy``), the knowledge base takes the message: on a sure answer where a
person was named, with its choices too where the rules had nothing to give (unknown, or a status
question from a resident with no open request). Emergencies, cancellations and messages that ask for
a person or about the resident's own request never reach it.

A service asked about in a question ("社区有抗原发吗") is answered first (``asked``): the knowledge
base's sure answer, or what the community does for it, then one line offering to start the request
(issue #14). A need said outright ("家里要抗原") starts the request. Where the answer is an old rule,
the question was about the past: the old rule is told, as no longer in force, with how to ask today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.intents import (
    SERVICES,
    Intent,
    about_old_rules,
    asks_about_service,
    detect,
    may_be_policy,
    named_service,
    off_topic,
)

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase, Lookup


@dataclass(frozen=True)
class Route:
    intent: str
    # The knowledge base's finding, when it took the message (intent POLICY) or the message asks about
    # the service a request is for (intent ANTIGEN, MEDICINE or REFERRAL, ``asked``).
    lookup: Lookup | None = None
    # A request the message could be (what the rules had read, or the service a question names):
    # a sure answer then says how to make it.
    request: str | None = None
    # A question about the service of ``intent`` ("可以送药吗"): answered first, the request offered.
    asked: bool = False


# How sure the base must be to answer an everyday matter (0.63–0.73 for the built-in look-alikes of
# 楼道灯坏了找谁 or 社区食堂几点开饭; a staff entry asked in its own words scores above 0.9).
OFF_TOPIC_SCORE = 0.85


def route(
    text: str,
    knowledge: KnowledgeBase | None,
    region: str | None,
    has_open_requests: Callable[[], bool],
    urgent: bool | None = None,
) -> Route:
    """Where ``text`` goes; ``urgent`` is the turn's triage when already made."""
    intent = detect(text, urgent)
    if intent == Intent.POLICY:
        # A policy question about antigen is about a result or a test (抗原阳性了怎么办), hardly a wish
        # for kits: no "要抗原" after its answer. Medicine and hospital questions get theirs.
        service = named_service(text)
        return Route(intent, request=service if service != Intent.ANTIGEN else None)
    if intent in SERVICES:
        asked = asks_about_service(text)
        if knowledge is None or (not asked and not about_old_rules(text)):
            return Route(intent, asked=asked)  # an outright need: "我要抗原", "帮我买药"
        lookup = knowledge.lookup(text, region=region)
        if lookup.answer is not None and lookup.answer.superseded:
            # About an old rule (封控的时候谁送药): told as no longer in force, then how to ask for it now.
            return Route(Intent.POLICY, lookup, request=intent)
        if not asked:
            return Route(intent)
        return Route(intent, lookup, asked=True)
    if knowledge is None or not may_be_policy(text, intent):
        return Route(intent)
    if intent == Intent.STATUS and has_open_requests():
        return Route(intent)  # "啥时候来" from someone waiting for a delivery is about it
    lookup = knowledge.lookup(text, region=region)
    if intent == Intent.HUMAN:
        # A person can answer it too: only a sure answer is better than handing over.
        taken = lookup.answer is not None and not lookup.tentative
    elif off_topic(text):
        # An everyday matter (快递柜, 报修) shares words with the epidemic content by chance: only an
        # entry written for it (asked in nearly its words) answers, never a look-alike or choices.
        taken = lookup.answer is not None and not lookup.tentative and (lookup.best_score or 0) >= OFF_TOPIC_SCORE
    else:
        # Unknown, or a status question from someone with nothing open: the rules have nothing to
        # give, so even the base's choices are better.
        taken = lookup.answer is not None or bool(lookup.suggestions)
    request = Intent.HUMAN if intent == Intent.HUMAN else None  # unknown and status name no request
    return Route(Intent.POLICY, lookup, request=request) if taken else Route(intent)
