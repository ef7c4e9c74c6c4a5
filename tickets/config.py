"""The settings ticket code runs with, when a caller does not hand them over.

The app (and ``hotline chat``) registers its settings at start with :func:`use`; service functions
take an optional ``settings=`` that wins. Without either, plain environment settings are read
(no secrets are generated here: tickets need none).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.settings import Settings

_current: Settings | None = None


def use(settings: Settings) -> None:
    global _current
    _current = settings


def current(settings: Settings | None = None) -> Settings:
    global _current
    if settings is not None:
        return settings
    if _current is None:
        _current = Settings()
    return _current


def local_zone(settings: Settings) -> tzinfo:
    try:
        return ZoneInfo(settings.timezone)
    except ZoneInfoNotFoundError:
        from datetime import timedelta, timezone

        return timezone(timedelta(hours=8), "CST")  # China Standard Time, no DST


def local(moment: datetime, settings: Settings) -> datetime:
    """``moment`` (aware UTC) in the community's time zone: for ticket days and night hours."""
    return moment.astimezone(local_zone(settings))
