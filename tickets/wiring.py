"""Hooks the app wires at start: the settings tickets use, and where late bot replies go."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from hotline.logs import mask_openid
from tickets import notify

log = logging.getLogger(__name__)


def late_sink(engine: Engine) -> Callable[[str, str], None]:
    """``pipeline.late_sink``: a reply ready after WeChat stopped waiting goes out as a
    customer-service message through the outbox (retried, never lost)."""

    def send_late(openid: str, text: str) -> None:
        with Session(engine) as session:
            notify.late_reply(session=session, openid=openid, text=text)
            session.commit()
        log.info("late reply queued for %s", mask_openid(openid))

    return send_late
