"""What to tell whom, written to the outbox in the same transaction as the change.

Members: a WeChat template message (``HOTLINE_WECHAT_TEMPLATE_TICKET``, when the member's account has
an openid) and/or the committee's WeCom group robot (``HOTLINE_WECOM_WEBHOOK_URL``).
Residents: a customer-service message while WeChat's window is open (``cs_window_hours`` after their
last message, at most ``cs_window_limit`` messages), with a template message as fallback for
45015 / 45047; outside the window the template message (``HOTLINE_WECHAT_TEMPLATE_STATUS``) directly.
Simulated tickets notify nobody.

Template data keys (the classic industry-template layout; map them when choosing a template):
``first``, ``keyword1`` (单号), ``keyword2`` (事项), ``keyword3`` (状态/时间), ``remark``.
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
from core.timeutil import local, utcnow
from residents.models import Resident, User
from tickets.models import STATUS_NAMES, TYPE_NAMES, OutboxKind, OutboxMessage, OutboxStatus, Priority, Ticket
from tickets.outbox import enqueue

log = logging.getLogger(__name__)

PRIORITY_NAMES = {Priority.URGENT: "紧急", Priority.HIGH: "优先", Priority.NORMAL: "一般"}


def _kind(ticket: Ticket) -> str:
    return TYPE_NAMES.get(ticket.type, ticket.type)


def _url(ticket: Ticket, settings: Settings) -> str:
    base = settings.console_base_url.rstrip("/")
    return f"{base}/console/tickets/{ticket.id}" if base else ""


def _when(ticket: Ticket, settings: Settings) -> str:
    return local(ticket.created_at, settings.timezone).strftime("%m-%d %H:%M")


def _place(ticket: Ticket) -> str:
    return (ticket.building or "") + (f"（{ticket.grid}）" if ticket.grid else "")


# -- members ---------------------------------------------------------------------------------------
def notify_member(
    *, session: Session, ticket: Ticket, username: str | None, event: str, headline: str, settings: Settings
) -> None:
    """Tell ``username`` (and the work group) about ``ticket``; ``event`` makes the dedup key."""
    if ticket.simulated:
        return
    assert ticket.id is not None
    user = session.exec(select(User).where(col(User.username) == username)).first() if username else None
    name = (user.display_name or user.username) if user else "（未分派）"
    if user is not None and user.openid and settings.wechat_template_ticket:
        enqueue(
            session=session,
            kind=OutboxKind.WECHAT_TEMPLATE,
            target=user.openid,
            payload={
                "template_id": settings.wechat_template_ticket,
                "url": _url(ticket, settings),
                "data": {
                    "first": headline,
                    "keyword1": ticket.number,
                    "keyword2": f"{_kind(ticket)}（{PRIORITY_NAMES.get(Priority(ticket.priority), '')}）",
                    "keyword3": _when(ticket, settings),
                    "remark": f"{_place(ticket)} 请尽快联系居民。",
                },
            },
            dedup_key=f"ticket:{ticket.id}:{event}:member:{user.username}",
            ticket_id=ticket.id,
        )
    if settings.wecom_webhook_url:
        lines = [
            f"**{headline}**",
            f"> 单号：{ticket.number}",
            f"> 事项：{_kind(ticket)}　优先级：{PRIORITY_NAMES.get(Priority(ticket.priority), '')}",
            f"> 楼栋：{ticket.building or '未知'}　网格：{ticket.grid or '未知'}",
            f"> 负责人：{name}",
        ]
        if url := _url(ticket, settings):
            lines.append(f"[查看工单]({url})")
        enqueue(
            session=session,
            kind=OutboxKind.WECOM_ROBOT,
            target=settings.wecom_webhook_url,
            payload={"markdown": "\n".join(lines)},
            dedup_key=f"ticket:{ticket.id}:{event}:robot:{username or '-'}",
            ticket_id=ticket.id,
        )


def on_created(*, session: Session, ticket: Ticket, settings: Settings) -> None:
    who = ticket.assignee or ticket.backup
    headline = "新的紧急求助，请立即处理" if ticket.priority == Priority.URGENT else "您有一张新工单"
    if ticket.assignee is None:
        headline = "新工单未能自动分派，请安排人员"
    notify_member(session=session, ticket=ticket, username=who, event="created", headline=headline, settings=settings)
    if ticket.priority == Priority.URGENT and ticket.backup and ticket.backup != who:
        # 急危重症: the on-duty member and a backup are told at once, not after the deadline.
        notify_member(
            session=session,
            ticket=ticket,
            username=ticket.backup,
            event="created-backup",
            headline="紧急求助（备份通知），请确认已有人处理",
            settings=settings,
        )


def on_assigned(*, session: Session, ticket: Ticket, settings: Settings, seq: int) -> None:
    notify_member(
        session=session,
        ticket=ticket,
        username=ticket.assignee,
        event=f"assigned-{seq}",
        headline="工单已转交给您",
        settings=settings,
    )


def on_escalated(*, session: Session, ticket: Ticket, to: str | None, settings: Settings) -> None:
    notify_member(
        session=session,
        ticket=ticket,
        username=to,
        event="escalated",
        headline=f"工单超时未受理，已升级给您（原负责人 {ticket.assignee or '无'}）",
        settings=settings,
    )


def on_merged(*, session: Session, ticket: Ticket, settings: Settings) -> None:
    if ticket.priority == Priority.URGENT:  # a second cry for help must reach someone again
        notify_member(
            session=session,
            ticket=ticket,
            username=ticket.assignee or ticket.backup,
            event=f"merged-{ticket.merged_count}",
            headline="居民再次求助，请立即处理",
            settings=settings,
        )


def on_withdrawn(*, session: Session, ticket: Ticket, settings: Settings) -> None:
    notify_member(
        session=session,
        ticket=ticket,
        username=ticket.assignee or ticket.backup,
        event="withdrawn",
        headline="居民说紧急求助已不需要，请电话确认后再关闭",
        settings=settings,
    )


# -- residents -------------------------------------------------------------------------------------
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
