"""One clock for the whole service, so tests can move time (SLA, timeouts, windows)."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """UTC wall clock; tests replace ``now`` through :func:`set_clock`."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


_clock: Clock = Clock()


def utcnow() -> datetime:
    """Naive UTC now (the database stores naive UTC timestamps)."""
    return _clock.now()


def set_clock(clock: Clock) -> Clock:
    global _clock
    previous, _clock = _clock, clock
    return previous
