"""Admission control: take a message into the work queue only if it can be answered in time.

WeChat waits 5 s. A message that would wait longer than that in the queue is answered ``success``
anyway, and if it is queued all the same the server goes on working for clients that have gone while
newer messages wait behind them: a busy minute becomes an outage. So the queue is bounded by time,
not length: the expected wait of a newcomer is the work in flight divided by the rate at which work
has been finishing (Little's law over the last few seconds). Past the budget the caller stores the
message for later instead (see ``Pipeline.accept``).
"""

from __future__ import annotations

import threading
import time
from collections import deque

RATE_WINDOW_SECONDS = 2.0


class Admission:
    def __init__(self, budget_seconds: float, min_inflight: int = 8, max_inflight: int = 1000) -> None:
        """``budget_seconds``: the longest expected wait admitted; ``min_inflight`` is always admitted
        (nothing measured yet), ``max_inflight`` never exceeded."""
        self.budget, self.min_inflight, self.max_inflight = budget_seconds, min_inflight, max_inflight
        self.inflight = 0
        self._finished: deque[float] = deque()
        self._lock = threading.Lock()
        self.refused = 0

    def rate(self, now: float | None = None) -> float:
        """Work finished per second over the last window."""
        now = time.monotonic() if now is None else now
        while self._finished and self._finished[0] < now - RATE_WINDOW_SECONDS:
            self._finished.popleft()
        return len(self._finished) / RATE_WINDOW_SECONDS

    def expected_wait(self) -> float:
        rate = self.rate()
        return self.inflight / rate if rate else float("inf")

    def try_enter(self) -> bool:
        with self._lock:
            if self.inflight >= self.max_inflight:
                admitted = False
            else:
                admitted = self.inflight < self.min_inflight or self.expected_wait() <= self.budget
            if admitted:
                self.inflight += 1
            else:
                self.refused += 1
            return admitted

    def leave(self) -> None:
        with self._lock:
            self.inflight -= 1
            self._finished.append(time.monotonic())

    def cancel(self) -> None:
        """Work that was admitted and then withdrawn before it started (not counted as finished)."""
        with self._lock:
            self.inflight -= 1
