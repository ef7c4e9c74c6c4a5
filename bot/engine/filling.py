"""Facts a resident gives in passing, put into the request's slots; and the confirmation's answers.

Every message of a request is read for every fact (:meth:`bot.flows.base.Flow.extract`): the opening
message, what was said just before it (``heard``), each answer, and a correction at the confirmation
("地址错了，是12栋3单元401"). A fact given is only confirmed, never asked again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import lexicon
from bot.flows.base import Flow, Reask, Slot, Stop
from bot.flows.contact import NO_NAME
from bot.flows.tickets import find_open
from bot.parsing import normalize
from bot.turn import Turn
from core.timeutil import utcnow
from residents import service as resident_service

# Said again, these replace what was known (a new phone or address is the one to use); other facts
# fill only what is still empty, so an answer is not overwritten by a word said in passing.
RESTATED = frozenset({"phone", "address"})
HEARD_KEY = "heard"  # the last few messages before a request starts, in the state's free keys
HEARD_KEPT = 4
HEARD_FOR = timedelta(minutes=30)

_CONFIRM_TOKENS = tuple(sorted(lexicon.words("answers.confirm_yes"), key=len, reverse=True))
_PARTICLES = lexicon.words("answers.command_particles") | {"的"}  # "好的啊": words, not particles alone
_CORRECTION = lexicon.pattern("answers.correction")
_SLOT_NAMES = lexicon.replacements("slots.slot_names")
# What follows these words is the right value: "不是母亲，是父亲", "数量改成3盒".
_CORRECTED = re.compile(r"(?:改成|改为|应该是|换成|其实是|而是|是|为|成)\s*")


def fill(turn: Turn, flow: Flow, text: str, skip: str | None = None) -> list[str]:
    """Put the facts of ``text`` into the flow's slots; the names of the slots it filled or changed."""
    slots = turn.state.slots
    changed = []
    for name, value in flow.extract(text, turn).items():
        if name == skip or value in (None, [], ""):
            continue
        if name in slots and (name not in RESTATED or slots[name] == value):
            continue
        slots[name] = value
        changed.append(name)
    flow.settle(turn, slots)
    return [name for name in changed if name in slots]


def states_other_facts(turn: Turn, flow: Flow, slot: Slot, text: str) -> bool:
    """A message that states other facts and nothing for ``slot`` is no free-text answer to it."""
    if slot.name not in flow.free_text:
        return False
    found = flow.extract(text, turn)
    return slot.name not in found and any(name not in turn.state.slots for name in found)


def hear(turn: Turn, text: str) -> None:
    """Keep a message said outside a request: a request started next uses its facts."""
    heard = [item for item in turn.state.extra.get(HEARD_KEY, []) if isinstance(item, list) and len(item) == 2]
    turn.state.extra[HEARD_KEY] = [*heard, [utcnow().isoformat(), text]][-HEARD_KEPT:]


def heard(turn: Turn) -> list[str]:
    """The messages said just before the request (consumed), and the alarm's message if one was raised."""
    since = utcnow() - HEARD_FOR
    texts = []
    emergency = turn.state.emergency
    if emergency is not None and emergency.at >= since:
        ticket = find_open(turn, emergency.ticket_id)
        if ticket is not None and isinstance(ticket.details.get("message"), str):
            texts.append(ticket.details["message"])
    for item in turn.state.extra.pop(HEARD_KEY, []) or []:
        if isinstance(item, list) and len(item) == 2 and _at(item[0]) >= since:
            texts.append(str(item[1]))
    return texts


def _at(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min.replace(tzinfo=utcnow().tzinfo)


def is_yes(answer: str, words: frozenset[str] | None = None) -> bool:
    """'1', '是的', '对的，没问题', '确认无误': the reply is made only of confirmation words (or ``words``)."""
    tokens = _CONFIRM_TOKENS if words is None else tuple(sorted(words | _PARTICLES, key=len, reverse=True))
    rest, meant = normalize(answer), False
    while rest:
        token = next((token for token in tokens if rest.startswith(token)), None)
        if token is None:
            return False
        rest, meant = rest[len(token) :], meant or token not in _PARTICLES
    return meant


def named_slot(flow: Flow, text: str, slots: dict[str, Any]) -> Slot | None:
    """The slot a correction names ("地址错了" -> address), among those the summary shows."""
    for pattern, name in _SLOT_NAMES:
        if pattern.search(text):
            slot = next((slot for slot in flow.slots if slot.name == name), None)
            if slot is not None and (name in slots or slot.ask_if is None):
                return slot
    return None


def correct(turn: Turn, flow: Flow, text: str) -> Slot | bool | None:
    """A correction at the confirmation: True when a value was changed, the slot to ask again, or
    None when the text corrects nothing (False when it says something is wrong but not what)."""
    slots = turn.state.slots
    parts = _CORRECTED.split(text)
    after = parts[-1].strip(" ，,。") if len(parts) > 1 else ""
    slot = named_slot(flow, text, slots)
    saying_wrong = bool(_CORRECTION.search(text))
    for source in (after, text) if after else (text,):
        before = dict(slots)
        for name, value in flow.extract(source, turn).items():
            may_change = saying_wrong or name not in before or name in RESTATED
            if value not in (None, [], "") and before.get(name) != value and may_change:
                slots[name] = value
        flow.settle(turn, slots)
        if slots != before:
            return True
    if slot is not None and after:
        try:
            slots[slot.name] = flow.validate(slot, after, turn, dict(slots))
            return True
        except (Reask, Stop):
            pass
    if slot is not None and saying_wrong:
        return slot
    return False if saying_wrong else None


def prefill(turn: Turn, flow: Flow) -> dict[str, Any]:
    """A returning resident who agreed only confirms what we remember."""
    if turn.resident.consent is not True:
        return {}
    values = {}
    for slot in flow.slots:
        if slot.profile and getattr(turn.resident, slot.profile, None):
            values[slot.name] = getattr(turn.resident, slot.profile)
    return values


def remember(turn: Turn, flow: Flow, slots: dict[str, Any]) -> None:
    """The profile slots of a completed request, kept for the next one (with consent)."""
    if turn.resident.consent is not True:
        return
    for slot in flow.slots:
        if slot.profile and slot.name in slots and slots[slot.name] not in ("", NO_NAME):
            setattr(turn.resident, slot.profile, slots[slot.name])
            if slot.profile == "address":
                turn.resident.building = resident_service.building_name(str(slots[slot.name]))
    turn.resident.updated_at = utcnow()
    turn.session.add(turn.resident)
