"""Service flows, one per module, registered here in one visible place."""

from __future__ import annotations

from bot.flows.antigen import AntigenFlow
from bot.flows.base import Flow
from bot.intents import Intent

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (AntigenFlow(),)}


def flow_for(intent: str) -> Flow | None:
    return next((flow for flow in FLOWS.values() if intent in flow.intents), None)


__all__ = ["FLOWS", "Flow", "Intent", "flow_for"]
