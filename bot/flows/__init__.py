"""Service flows, one per module: every module of this package that defines a Flow is registered.

A new flow is a new module here (its class names its slots, prompts, entry intents and audience);
nothing else in the engine has to list it.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.flows.base import Flow
from bot.intents import Intent

# Not flows: the base class, and helpers the flows share.
_NOT_FLOWS = frozenset({"base", "contact", "tickets"})


def _discover() -> dict[str, Flow]:
    """One instance of each concrete Flow subclass defined in this package, in module-name order."""
    found: dict[str, Flow] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module.name in _NOT_FLOWS:
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, Flow)
                and value.__module__ == loaded.__name__
                and "name" in vars(value)
            ):
                flow = value()
                if flow.name in found:
                    raise RuntimeError(f"two flows are named {flow.name!r}")
                found[flow.name] = flow
    return found


FLOWS: dict[str, Flow] = _discover()


def flow_for(intent: str) -> Flow | None:
    """The request flow an intent starts (cancelling a ticket is started by its own command)."""
    if intent == Intent.CANCEL:
        return None
    return next((flow for flow in FLOWS.values() if intent in flow.intents), None)


__all__ = ["FLOWS", "Flow", "Intent", "flow_for"]
