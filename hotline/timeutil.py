"""One clock for the whole service, so tests can move time (SLA, timeouts, windows)."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """UTC wall clock; tests replace ``now`` through :func:`set_clock`."""

    def now(self) -> datetime:
        return datetime.now(UTC)


_clock: Clock = Clock()


def utcnow() -> datetime:
    """Aware UTC now: every timestamp the service stores or compares is UTC with its offset."""
    return _clock.now()


def set_clock(clock: Clock) -> Clock:
    global _clock
    previous, _clock = _clock, clock
    return previous
