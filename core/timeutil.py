"""One clock for the whole service, so tests can move time (SLA, timeouts, windows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def local_zone(name: str) -> tzinfo:
    """The community's time zone (``HOTLINE_TIMEZONE``); China Standard Time when the name is unknown."""
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=8), "CST")  # no DST


def local(moment: datetime, zone: str) -> datetime:
    """``moment`` (aware UTC) in the community's time zone: for ticket days and night hours."""
    return moment.astimezone(local_zone(zone))
