"""A router maps an inbound kind (and event name) to the handler that answers it."""

from __future__ import annotations

from collections.abc import Callable

from bot.messages import Inbound, InboundKind, Reply
from bot.turn import Turn

Handler = Callable[[Turn], Reply]


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: list[tuple[InboundKind, str | None, Handler]] = []

    def on(self, kind: InboundKind, event: str | None = None) -> Callable[[Handler], Handler]:
        """Register a handler for a kind; with ``event``, only for that event name."""

        def register(handler: Handler) -> Handler:
            self._routes.append((kind, event, handler))
            return handler

        return register

    def match(self, inbound: Inbound) -> Handler | None:
        for kind, event, handler in self._routes:
            if kind == inbound.kind and (event is None or event == inbound.event):
                return handler
        return None
