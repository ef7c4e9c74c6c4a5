"""The background worker: an SLA sweep and outbox delivery every few seconds, in the service itself.

One daemon thread per process; several processes or instances are safe because both steps claim
rows with conditional UPDATEs (see :mod:`tickets.sla` and :mod:`tickets.outbox`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from core.settings import Settings
from tickets import outbox, sla
from tickets.outbox import Deliver

log = logging.getLogger(__name__)


class TicketWorker:
    def __init__(self, *, engine: Engine, settings: Settings, transport: Callable[[], Deliver]) -> None:
        """``transport`` builds, on first use, what sends one outbox row through its channel."""
        self.engine, self.settings = engine, settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self._transport = transport
        self._deliver: Deliver | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def deliver(self) -> Deliver:
        if self._deliver is None:  # built lazily: a channel's token store touches the database
            self._deliver = self._transport()
        return self._deliver

    def run_once(self) -> None:
        """One sweep and one delivery round; errors are logged, never raised (the loop must go on)."""
        try:
            sla.sweep(engine=self.engine, settings=self.settings)
        except Exception:
            log.exception("SLA sweep failed")
        try:
            outbox.deliver_due(
                engine=self.engine,
                deliver=self.deliver,
                worker=self.name,
                max_backoff_seconds=self.settings.outbox_max_backoff_seconds,
            )
        except Exception:
            log.exception("outbox delivery failed")

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ticket-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.worker_interval_seconds):
            self.run_once()
