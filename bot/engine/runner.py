"""Runs a flow: consent first, then slot after slot, a confirmation, and completion.

Also where a flow's time runs out (:func:`expired`, the one place that decides it) and where a flow
is put aside and brought back ("继续").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import lexicon
from bot import texts
from bot.engine.filling import correct, fill, heard, is_yes, prefill, remember, states_other_facts
from bot.flows import FLOWS
from bot.flows.base import Flow, Reask, Slot, Stop
from bot.messages import Reply
from bot.parsing import normalize
from bot.state import SuspendedFlow
from bot.turn import Turn
from core.timeutil import utcnow
from residents import service as resident_service

CONSENT = "consent"
CONFIRM = "confirm"
EDIT = "edit"

YES = lexicon.words("answers.consent_yes")
NO = lexicon.words("answers.consent_no")
CONFIRM_EDIT = lexicon.words("answers.confirm_edit")
CONFIRM_NO = lexicon.words("answers.confirm_no")


# An answer this short answers only the question asked: "4个" to "几口人" is no quantity as well.
SHORT_ANSWER = 4

# A longer answer to the consent question is no yes or no but something else: a question before
# deciding ("买药要钱不"), or another request. Yes/no words are at most a few characters.
CONSENT_ANSWER_MAX = 6


def _answer(text: str) -> str:
    return text.strip().rstrip("。.!！~～").strip().lower()


def expired(flow: Flow, since: datetime, turn: Turn) -> bool:
    """Whether ``flow``, untouched since ``since``, has timed out: the one rule for active and put-aside flows."""
    return utcnow() - since > flow.timeout_for(turn)


class FlowRunner:
    def __init__(self, flows: dict[str, Flow]) -> None:
        self.flows = flows

    def start(
        self, turn: Turn, flow: Flow, reply_prefix: str = "", text: str = "", initial: dict[str, Any] | None = None
    ) -> Reply:
        """Begin ``flow``: ask for consent when it needs personal data, else the first slot.

        ``text`` is the opening message (slots it already answers are not asked); ``initial`` are
        slots the caller knows (the ticket number in "取消 0031").
        """
        state = turn.state
        reason = flow.unavailable(turn)
        if reason is not None:
            state.clear_flow()
            return Reply(reply_prefix + reason, intent=flow.name)
        state.flow, state.step = flow.name, None
        state.slots = prefill(turn, flow)
        # What was said before and in the opening message is used, not asked again ("我妈80多岁了…").
        for said in [*heard(turn), text]:
            if said:
                fill(turn, flow, said)
        state.slots.update(initial or {})
        if flow.consent_purpose and turn.resident.consent is not True:
            # Asked once; after a refusal the flow waits at the consent step so that a later
            # "同意" carries on, while anything else is handled as a fresh message.
            state.step = CONSENT
            if turn.resident.consent is False:
                return Reply(reply_prefix + texts.consent_refused(turn.office_phone), intent=flow.name)
            return Reply(
                reply_prefix + texts.consent_request(flow.consent_purpose, turn.office_phone), intent=flow.name
            )
        return self._advance(turn, flow, prefix=reply_prefix)

    def step(self, turn: Turn, text: str, fallback: Callable[[], Reply | None] | None = None) -> Reply | None:
        """Feed the resident's answer to the current step; None when it is not an answer to it.

        ``fallback`` is tried when the answer does not fit the slot: the resident may have said
        something else entirely ("我要找真人", a policy question) rather than answered badly.
        """
        state = turn.state
        flow = self.flows[state.flow or ""]
        answer = _answer(text)
        if state.step == CONSENT:
            return self._consent(turn, flow, answer, fallback)
        if state.step == CONFIRM:
            return self._confirm(turn, flow, answer, text)
        if state.step == EDIT:
            return self._choose_edit(turn, flow, answer)
        slot = self._slot(flow, state.step)
        if slot is None:
            return self._advance(turn, flow)
        try:
            if states_other_facts(turn, flow, slot, text):
                raise Reask(flow.prompt(slot, turn, state.slots))  # "给我自己买" is no medicine's name
            value = flow.validate(slot, text, turn, state.slots)
        except Reask as reask:
            # No answer to this question, but maybe to others ("我姓李" at the phone question).
            if fill(turn, flow, text):
                return self._next(turn, flow)
            other = fallback() if fallback is not None else None
            return other if other is not None else Reply(reask.message, intent=flow.name)
        except Stop as stop:
            state.clear_flow()
            return Reply(stop.message, intent="cancel")
        state.slots[slot.name] = value
        if len(normalize(text)) > SHORT_ANSWER:
            fill(turn, flow, text, skip=slot.name)  # "8栋1单元302，电话138…" answers two questions
        return self._next(turn, flow)

    def _next(self, turn: Turn, flow: Flow) -> Reply:
        if turn.state.editing and turn.state.step in turn.state.slots:
            turn.state.editing = False
            return self._to_confirm(turn, flow)
        return self._advance(turn, flow)

    def resume(self, turn: Turn, prefix: str = "") -> Reply:
        """Say again what the current step asks (after an interruption, or on "继续")."""
        flow = self.flows[turn.state.flow or ""]
        step = turn.state.step
        if step == CONSENT:
            return Reply(
                prefix + texts.consent_request(flow.consent_purpose or flow.title, turn.office_phone), intent=flow.name
            )
        if step == EDIT:
            return self._choose_edit(turn, flow, "")
        slot = self._slot(flow, step)
        if slot is not None:
            return Reply(prefix + flow.prompt(slot, turn, turn.state.slots), intent=flow.name)
        return self._advance(turn, flow, prefix) if step != CONFIRM else self._to_confirm(turn, flow, prefix)

    def suspend(self, turn: Turn) -> SuspendedFlow | None:
        """Put the active flow aside (an emergency or a consult came first); "继续" brings it back."""
        state = turn.state
        if state.flow is None or state.flow not in self.flows:
            return None
        state.suspended = SuspendedFlow(state.flow, state.step, state.slots, utcnow())
        state.clear_flow()
        return state.suspended

    def aside(self, turn: Turn) -> Flow | None:
        """The flow put aside for "继续", whether or not its time has run out."""
        suspended = turn.state.suspended
        return self.flows.get(suspended.flow) if suspended is not None else None

    def aside_expired(self, turn: Turn) -> bool:
        """Whether the flow put aside has timed out, counted from the moment it was put aside."""
        flow, suspended = self.aside(turn), turn.state.suspended
        return flow is not None and suspended is not None and expired(flow, suspended.at, turn)

    def restore(self, turn: Turn) -> Flow | None:
        """Make the flow put aside active again; None (and it is dropped) when absent or timed out."""
        flow, was_expired, suspended = self.aside(turn), self.aside_expired(turn), turn.state.suspended
        turn.state.suspended = None
        if flow is None or was_expired or suspended is None:
            return None
        turn.state.flow, turn.state.step, turn.state.slots = suspended.flow, suspended.step, suspended.slots
        return flow

    def expects(self, turn: Turn, text: str) -> bool:
        """Whether ``text`` answers the current step of the active flow (nothing is changed)."""
        state = turn.state
        flow = self.flows.get(state.flow or "")
        if flow is None:
            return False
        answer = _answer(text)
        if state.step == CONSENT:
            return answer in YES or answer in NO or answer.startswith(("同意", "不同意"))
        if state.step == CONFIRM:
            return is_yes(answer) or answer in CONFIRM_NO or answer in CONFIRM_EDIT
        if state.step == EDIT:
            return answer.isdigit()
        slot = self._slot(flow, state.step)
        if slot is None:
            return False
        try:
            flow.validate(slot, text, turn, dict(state.slots))
        except Reask:
            return False
        except Stop:
            return True
        return True

    def is_expired(self, turn: Turn) -> bool:
        """Whether the active flow has timed out since the resident's last message."""
        flow = self.flows.get(turn.state.flow or "")
        return flow is not None and expired(flow, turn.state.updated_at, turn)

    def live(self, turn: Turn) -> Flow | None:
        """The active flow while its time has not run out."""
        flow = self.flows.get(turn.state.flow or "")
        return flow if flow is not None and not self.is_expired(turn) else None

    # -- steps -------------------------------------------------------------------------------

    def _consent(
        self, turn: Turn, flow: Flow, answer: str, fallback: Callable[[], Reply | None] | None = None
    ) -> Reply | None:
        purpose = flow.consent_purpose or flow.title
        head = re.split(r"[，,。.!！\s]+", answer, maxsplit=1)[0]
        if answer in YES or answer.startswith("同意") or (head in YES and not head.isdigit()) or is_yes(answer, YES):
            resident_service.record_consent(session=turn.session, resident=turn.resident, granted=True, purpose=purpose)
            # What the opening message already said is kept; the profile fills the rest.
            turn.state.slots = {**prefill(turn, flow), **turn.state.slots}
            fill(turn, flow, answer)  # "同意，我妈今年82了"
            return self._advance(turn, flow, prefix=texts.consent_granted() + "\n")
        if answer in NO or answer.startswith("不同意"):
            resident_service.record_consent(
                session=turn.session, resident=turn.resident, granted=False, purpose=purpose
            )
            turn.state.clear_flow()
            return Reply(texts.consent_refused(turn.office_phone), intent=flow.name)
        if turn.resident.consent is not False and len(answer) > CONSENT_ANSWER_MAX and fallback is not None:
            # A question before deciding ("买药要钱不"): answered, and the consent question asked again.
            other = fallback()
            if other is not None:
                return other
        if turn.resident.consent is False or len(answer) > CONSENT_ANSWER_MAX:
            turn.state.clear_flow()
            return None
        return Reply(texts.consent_reask(), intent=flow.name)

    def _confirm(self, turn: Turn, flow: Flow, answer: str, text: str = "") -> Reply:
        if is_yes(answer):
            slots = dict(turn.state.slots)
            remember(turn, flow, slots)
            turn.state.clear_flow()
            return flow.complete(turn, slots)
        if answer in CONFIRM_EDIT and flow.editable:
            turn.state.step = EDIT
            return Reply(
                texts.choose_slot_to_edit([s.label for s in self._asked(flow, turn.state.slots)]), intent=flow.name
            )
        if answer in CONFIRM_NO or (answer in CONFIRM_EDIT and not flow.editable):
            turn.state.clear_flow()
            return Reply(flow.aborted(), intent="cancel")
        corrected = correct(turn, flow, text or answer) if flow.editable else None
        if corrected is True:
            return self._to_confirm(turn, flow, prefix=texts.corrected() + "\n")
        if isinstance(corrected, Slot):  # "地址错了": that question again, the rest is kept
            turn.state.step, turn.state.editing = corrected.name, True
            return Reply(flow.prompt(corrected, turn, turn.state.slots), intent=flow.name)
        if corrected is False:
            turn.state.step = EDIT
            return self._choose_edit(turn, flow, "")
        return Reply(f"{flow.summary(turn, turn.state.slots)}\n{flow.confirm_footer()}", intent=flow.name)

    def _choose_edit(self, turn: Turn, flow: Flow, answer: str) -> Reply:
        options = self._asked(flow, turn.state.slots)
        if answer == "0":  # nothing to change after all
            return self._to_confirm(turn, flow)
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            slot = options[int(answer) - 1]
            turn.state.step = slot.name
            turn.state.editing = True
            return Reply(flow.prompt(slot, turn, turn.state.slots), intent=flow.name)
        return Reply(texts.choose_slot_to_edit([s.label for s in options]), intent=flow.name)

    def _advance(self, turn: Turn, flow: Flow, prefix: str = "") -> Reply:
        for slot in flow.slots:
            if slot.name in turn.state.slots:
                continue
            if slot.ask_if is not None and not slot.ask_if(turn.state.slots):
                continue
            turn.state.step = slot.name
            return Reply(prefix + flow.prompt(slot, turn, turn.state.slots), intent=flow.name)
        return self._to_confirm(turn, flow, prefix)

    def _to_confirm(self, turn: Turn, flow: Flow, prefix: str = "") -> Reply:
        turn.state.step = CONFIRM
        return Reply(f"{prefix}{flow.summary(turn, turn.state.slots)}\n{flow.confirm_footer()}", intent=flow.name)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _slot(flow: Flow, name: str | None) -> Slot | None:
        return next((slot for slot in flow.slots if slot.name == name), None)

    @staticmethod
    def _asked(flow: Flow, slots: dict[str, Any]) -> list[Slot]:
        return [slot for slot in flow.slots if slot.name in slots]


runner = FlowRunner(FLOWS)
