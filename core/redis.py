"""The optional Redis connection (``HOTLINE_REDIS_URL``): short timeouts, so an outage costs milliseconds.

Everything that uses Redis has a way to work without it (the database, or the process), and treats
a Redis error as "not available now", never as the resident's problem.
"""

from __future__ import annotations

from typing import Any

SOCKET_TIMEOUT_SECONDS = 0.25


def connect(url: str | None) -> Any | None:
    """A client for ``url`` (None when unset); connecting happens on first use, not here."""
    if not url:
        return None
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS
    )
