"""Per-sender rate limit: a fixed window per minute, in Redis when shared, else in the process.

A resident who sends more than ``limit`` messages in a minute (a stuck key, a script, a flood) gets
one polite reply and then plain acknowledgements until the minute is over; the others are not slowed
down by them. With Redis the count is shared by every instance (``INCR`` with an expiry); when Redis
cannot be reached the limiter counts in the process instead (looser with several instances, never an
error for the resident).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    first_refusal: bool = False  # the first message over the limit in this window: say why, once


class RateLimiter:
    def __init__(self, limit: int, redis: Any | None = None, prefix: str = "hotline") -> None:
        self.limit, self.redis, self.prefix = limit, redis, prefix
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._redis_failed_at = 0.0

    def hit(self, sender: str, now: float | None = None) -> Verdict:
        """Count one message of ``sender`` and say whether it may be handled."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        count = self._shared(sender, window) if self.redis is not None else None
        if count is None:
            count = self._local(sender, window)
        if count <= self.limit:
            return Verdict(True)
        return Verdict(False, first_refusal=count == self.limit + 1)

    def _shared(self, sender: str, window: int) -> int | None:
        if time.monotonic() - self._redis_failed_at < 5:  # down a moment ago: do not wait on it per message
            return None
        key = f"{self.prefix}:rate:{sender}:{window}"
        try:
            pipe = self.redis.pipeline()  # type: ignore[union-attr]
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            return int(pipe.execute()[0])
        except Exception as error:  # Redis down: the degraded mode counts in this process
            self._redis_failed_at = time.monotonic()
            log.warning("rate limit: Redis unavailable (%s); counting in this process", type(error).__name__)
            return None

    def _local(self, sender: str, window: int) -> int:
        with self._lock:
            seen_window, count = self._counts.get(sender, (window, 0))
            count = count + 1 if seen_window == window else 1
            self._counts[sender] = (window, count)
            if len(self._counts) > 100_000:  # old windows' senders: forget them
                self._counts = {key: value for key, value in self._counts.items() if value[0] == window}
            return count
