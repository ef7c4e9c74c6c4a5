"""Keys of the messages being handled right now: in the process, and in Redis when shared.

WeChat retries a message it got no answer to within 5 s, possibly on another instance, while the
first attempt still runs. A retry found here goes straight to waiting for the first attempt's reply
instead of queueing for the database. The database's unique key stays the authority (a retry that is
not found here is still recognised there); this only keeps retries out of the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)
TTL_SECONDS = 30


class InFlight:
    def __init__(self, redis: Any | None = None, prefix: str = "hotline") -> None:
        self.redis, self.prefix = redis, prefix
        self._keys: set[str] = set()
        self._lock = threading.Lock()
        self._redis_failed_at = 0.0

    def enter(self, key: str) -> bool:
        """True when nobody handles ``key`` now (the caller then does); False for a concurrent retry."""
        with self._lock:
            if key in self._keys:
                return False
            self._keys.add(key)
        if self.redis is not None and time.monotonic() - self._redis_failed_at > 5:
            try:
                if not self.redis.set(f"{self.prefix}:inflight:{key}", 1, nx=True, ex=TTL_SECONDS):
                    with self._lock:
                        self._keys.discard(key)
                    return False
            except Exception as error:  # Redis down: the database's unique key still catches the retry
                self._redis_failed_at = time.monotonic()
                log.warning("in-flight keys: Redis unavailable (%s)", type(error).__name__)
        return True

    def leave(self, key: str) -> None:
        with self._lock:
            self._keys.discard(key)
        if self.redis is not None and time.monotonic() - self._redis_failed_at > 5:
            try:
                self.redis.delete(f"{self.prefix}:inflight:{key}")
            except Exception:
                self._redis_failed_at = time.monotonic()
