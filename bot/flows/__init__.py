"""Service flows, one per module, registered here in one visible place."""

from __future__ import annotations

from bot.flows.antigen import AntigenFlow
from bot.flows.base import Flow
from bot.flows.cancel import CancelFlow
from bot.flows.medicine import MedicineFlow
from bot.flows.referral import ReferralFlow
from bot.intents import Intent

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (AntigenFlow(), MedicineFlow(), ReferralFlow(), CancelFlow())}


def flow_for(intent: str) -> Flow | None:
    """The request flow an intent starts (cancelling a ticket is started by its own command)."""
    if intent == Intent.CANCEL:
        return None
    return next((flow for flow in FLOWS.values() if intent in flow.intents), None)


__all__ = ["FLOWS", "Flow", "Intent", "flow_for"]
