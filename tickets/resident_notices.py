"""Telling residents: a customer-service message inside WeChat's window, else a template message.

Re-exported by :mod:`tickets.notify` (callers write ``notify.notify_resident``). A customer-service
message goes while the window is open (``cs_window_hours`` after the resident's last message, at most
``cs_window_limit`` messages), with a template message as fallback for 45015 / 45047; outside the
window the template message (``HOTLINE_WECHAT_TEMPLATE_STATUS``) directly. Simulated tickets notify
nobody.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.logs import mask_openid
from core.settings import Settings
from core.timeutil import utcnow
from residents.models import Resident
from tickets.models import STATUS_NAMES, TYPE_NAMES, OutboxKind, OutboxMessage, OutboxStatus, Ticket
from tickets.outbox import enqueue

log = logging.getLogger(__name__)


def _kind(ticket: Ticket) -> str:
    return TYPE_NAMES.get(ticket.type, ticket.type)


def status_text(ticket: Ticket, note: str = "") -> str:
    text = f"您的{_kind(ticket)}事项（单号 {ticket.number}）{STATUS_NAMES.get(ticket.status, ticket.status)}。"
    return text + (f"\n说明：{note}" if note else "")


def notify_resident(
    *, session: Session, ticket: Ticket, text: str, event: str, settings: Settings
) -> OutboxMessage | None:
    """A customer-service message inside the window, else a template message; None when unreachable."""
    if ticket.simulated or not ticket.openid:
        return None
    assert ticket.id is not None
    template = _template(ticket, text, settings)
    key = f"ticket:{ticket.id}:{event}:resident"
    if _in_window(session, ticket.openid, settings):
        return enqueue(
            session=session,
            kind=OutboxKind.WECHAT_CUSTOM,
            target=ticket.openid,
            payload={"text": text},
            dedup_key=key,
            ticket_id=ticket.id,
            fallback=template,
        )
    if template is None:
        log.warning(
            "resident %s is outside the window and no status template is configured", mask_openid(ticket.openid)
        )
        return None
    return enqueue(
        session=session,
        kind=OutboxKind(template["kind"]),
        target=template["target"],
        payload=template["payload"],
        dedup_key=key,
        ticket_id=ticket.id,
    )


def _template(ticket: Ticket, text: str, settings: Settings) -> dict[str, Any] | None:
    if not settings.wechat_template_status or not ticket.openid:
        return None
    return {
        "kind": OutboxKind.WECHAT_TEMPLATE,
        "target": ticket.openid,
        "payload": {
            "template_id": settings.wechat_template_status,
            "url": "",
            "data": {
                "first": "您的事项有新进展",
                "keyword1": ticket.number,
                "keyword2": _kind(ticket),
                "keyword3": STATUS_NAMES.get(ticket.status, ticket.status),
                "remark": text[:180],
            },
        },
    }


def _in_window(session: Session, openid: str, settings: Settings) -> bool:
    resident = session.exec(select(Resident).where(Resident.openid == openid)).first()
    if resident is None or resident.last_message_at is None or not resident.subscribed:
        return False
    if utcnow() - resident.last_message_at > timedelta(hours=settings.cs_window_hours):
        return False
    used = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            col(OutboxMessage.kind) == OutboxKind.WECHAT_CUSTOM,
            col(OutboxMessage.target) == openid,
            col(OutboxMessage.created_at) >= resident.last_message_at,
            col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENT)),
        )
    ).one()
    return int(used) < settings.cs_window_limit


def late_reply(*, session: Session, openid: str, text: str) -> OutboxMessage:
    """A bot reply that was ready after WeChat stopped waiting: a customer-service message."""
    now = utcnow()
    return enqueue(
        session=session,
        kind=OutboxKind.WECHAT_CUSTOM,
        target=openid,
        payload={"text": text},
        dedup_key=f"late:{openid}:{now.isoformat()}:{hashlib.sha1(text.encode()).hexdigest()[:12]}",
    )
