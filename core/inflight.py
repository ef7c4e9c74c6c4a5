"""Keys of the messages this process is handling right now.

WeChat retries a message it got no answer to within 5 s while the first attempt may still run. On
SQLite the first attempt holds the process's write lock for its whole turn, so a retry that went to
claim the message would queue behind it; found here, it goes straight to waiting for the first
attempt's reply. Across instances nothing is needed beyond the database: the claim commits before the
turn, so a retry on another instance meets the unique key at once (no Redis round trip per message).
"""

from __future__ import annotations

import threading


class InFlight:
    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def enter(self, key: str) -> bool:
        """True when nobody here handles ``key`` now (the caller then does); False for a concurrent retry."""
        with self._lock:
            if key in self._keys:
                return False
            self._keys.add(key)
            return True

    def leave(self, key: str) -> None:
        with self._lock:
            self._keys.discard(key)
