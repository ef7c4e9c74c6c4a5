"""Runs a flow: consent first, then slot after slot, a confirmation, and completion."""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.flows.base import Flow, Reask, Slot
from bot.messages import Reply
from bot.turn import Turn
from hotline.timeutil import utcnow
from residents import service as resident_service

CONSENT = "consent"
CONFIRM = "confirm"
EDIT = "edit"

YES = {"同意", "同意。", "好", "好的", "可以", "行", "要得", "嗯", "是", "1"}
NO = {"不同意", "不同意。", "不", "不要", "拒绝", "不行", "算了", "2"}


def _answer(text: str) -> str:
    return text.strip().rstrip("。.!！~～").strip()


class FlowRunner:
    def __init__(self, flows: dict[str, Flow]) -> None:
        self.flows = flows

    def start(self, turn: Turn, flow: Flow, reply_prefix: str = "") -> Reply:
        """Begin ``flow``: ask for consent when it needs personal data, else the first slot."""
        state = turn.state
        state.flow, state.step, state.slots = flow.name, None, self._prefill(turn, flow)
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

    def step(self, turn: Turn, text: str) -> Reply | None:
        """Feed the resident's answer to the current step; None when it is not an answer to it."""
        state = turn.state
        flow = self.flows[state.flow or ""]
        answer = _answer(text)
        if state.step == CONSENT:
            return self._consent(turn, flow, answer)
        if state.step == CONFIRM:
            return self._confirm(turn, flow, answer)
        if state.step == EDIT:
            return self._choose_edit(turn, flow, answer)
        slot = self._slot(flow, state.step)
        if slot is None:
            return self._advance(turn, flow)
        try:
            state.slots[slot.name] = flow.validate(slot, text, turn, state.slots)
        except Reask as reask:
            return Reply(reask.message, intent=flow.name)
        if state.context.pop("editing", False):
            return self._to_confirm(turn, flow)
        return self._advance(turn, flow)

    def is_expired(self, turn: Turn) -> bool:
        flow = self.flows.get(turn.state.flow or "")
        return flow is not None and utcnow() - turn.state.updated_at > flow.timeout

    # -- steps -------------------------------------------------------------------------------

    def _consent(self, turn: Turn, flow: Flow, answer: str) -> Reply | None:
        purpose = flow.consent_purpose or flow.title
        if answer in YES or answer.startswith("同意"):
            resident_service.record_consent(session=turn.session, resident=turn.resident, granted=True, purpose=purpose)
            turn.state.slots = self._prefill(turn, flow)
            return self._advance(turn, flow, prefix=texts.consent_granted() + "\n")
        if answer in NO or answer.startswith("不同意"):
            resident_service.record_consent(
                session=turn.session, resident=turn.resident, granted=False, purpose=purpose
            )
            turn.state.clear_flow()
            return Reply(texts.consent_refused(turn.office_phone), intent=flow.name)
        if turn.resident.consent is False or len(answer) > 6:
            turn.state.clear_flow()
            return None
        return Reply(texts.consent_reask(), intent=flow.name)

    def _confirm(self, turn: Turn, flow: Flow, answer: str) -> Reply:
        if answer in {"1", "确认", "对", "是", "好", "好的", "没问题", "可以"}:
            slots = dict(turn.state.slots)
            self._remember(turn, flow, slots)
            turn.state.clear_flow()
            return flow.complete(turn, slots)
        if answer in {"2", "修改", "改"}:
            turn.state.step = EDIT
            return Reply(
                texts.choose_slot_to_edit([s.label for s in self._asked(flow, turn.state.slots)]), intent=flow.name
            )
        if answer in {"0", "取消"}:
            turn.state.clear_flow()
            return Reply(texts.cancelled(), intent="cancel")
        return Reply(f"{flow.summary(turn, turn.state.slots)}\n{texts.confirm_footer()}", intent=flow.name)

    def _choose_edit(self, turn: Turn, flow: Flow, answer: str) -> Reply:
        options = self._asked(flow, turn.state.slots)
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            slot = options[int(answer) - 1]
            turn.state.step = slot.name
            turn.state.context["editing"] = True
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
        return Reply(f"{prefix}{flow.summary(turn, turn.state.slots)}\n{texts.confirm_footer()}", intent=flow.name)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _slot(flow: Flow, name: str | None) -> Slot | None:
        return next((slot for slot in flow.slots if slot.name == name), None)

    @staticmethod
    def _asked(flow: Flow, slots: dict[str, Any]) -> list[Slot]:
        return [slot for slot in flow.slots if slot.name in slots]

    @staticmethod
    def _prefill(turn: Turn, flow: Flow) -> dict[str, Any]:
        """A returning resident who agreed only confirms what we remember."""
        if turn.resident.consent is not True:
            return {}
        values = {}
        for slot in flow.slots:
            if slot.profile and getattr(turn.resident, slot.profile, None):
                values[slot.name] = getattr(turn.resident, slot.profile)
        return values

    @staticmethod
    def _remember(turn: Turn, flow: Flow, slots: dict[str, Any]) -> None:
        if turn.resident.consent is not True:
            return
        for slot in flow.slots:
            if slot.profile and slot.name in slots:
                setattr(turn.resident, slot.profile, slots[slot.name])
                if slot.profile == "address":
                    turn.resident.building = resident_service.building_name(str(slots[slot.name]))
        turn.resident.updated_at = utcnow()
        turn.session.add(turn.resident)
