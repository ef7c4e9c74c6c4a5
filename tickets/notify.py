"""What to tell whom, written to the outbox in the same transaction as the change.

Members: a WeChat template message (``HOTLINE_WECHAT_TEMPLATE_TICKET``, when the member's account has
an openid) and/or the committee's WeCom group robot (``HOTLINE_WECOM_WEBHOOK_URL``). Each function
returns :class:`Reached`: whom it queued a message for, so that the resident is told "已通知" only
when someone was. Residents: :mod:`tickets.resident_notices`, re-exported here.
Simulated tickets notify nobody (``Reached`` then says who would have been told).

Template data keys (the classic industry-template layout; map them when choosing a template):
``first``, ``keyword1`` (单号), ``keyword2`` (事项), ``keyword3`` (状态/时间), ``remark``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.settings import Settings
from core.timeutil import local
from residents.models import User
from tickets import routing
from tickets.models import TYPE_NAMES, OutboxKind, OutboxMessage, OutboxStatus, Priority, Ticket
from tickets.outbox import enqueue
from tickets.resident_notices import late_reply, notify_resident, status_text

__all__ = ["Reached", "late_reply", "notify_member", "notify_resident", "reached_by", "status_text"]

log = logging.getLogger(__name__)

PRIORITY_NAMES = {Priority.URGENT: "紧急", Priority.HIGH: "优先", Priority.NORMAL: "一般"}
UNHELD = "紧急求助，暂无值班人员，请看到的同事立即联系居民"


@dataclass(frozen=True)
class Reached:
    """Who a notice was queued for: members by template message, and/or the work group's robot."""

    people: tuple[str, ...] = ()  # usernames
    group: bool = False  # the WeCom work group

    def __add__(self, other: Reached) -> Reached:
        return Reached(tuple(dict.fromkeys((*self.people, *other.people))), self.group or other.group)

    @property
    def anyone(self) -> bool:
        return bool(self.people) or self.group


def channel_warning(settings: Settings) -> str | None:
    """Said at start when no member channel is configured: then nothing is queued for any member."""
    if settings.wecom_webhook_url or settings.wechat_template_ticket:
        return None
    return (
        "no member notification channel is configured (HOTLINE_WECOM_WEBHOOK_URL, HOTLINE_WECHAT_TEMPLATE_TICKET): "
        "new and urgent tickets reach members only in the console, and residents are told so"
    )


def _kind(ticket: Ticket) -> str:
    return TYPE_NAMES.get(ticket.type, ticket.type)


def _url(ticket: Ticket, settings: Settings) -> str:
    base = settings.console_base_url.rstrip("/")
    return f"{base}/console/tickets/{ticket.id}" if base else ""


def _when(ticket: Ticket, settings: Settings) -> str:
    return local(ticket.created_at, settings.timezone).strftime("%m-%d %H:%M")


def _place(ticket: Ticket) -> str:
    return (ticket.building or "") + (f"（{ticket.grid}）" if ticket.grid else "")


def notify_member(
    *,
    session: Session,
    ticket: Ticket,
    username: str | None,
    event: str,
    headline: str,
    settings: Settings,
    group: bool = True,
) -> Reached:
    """Tell ``username`` (and the work group unless ``group`` is False); ``event`` makes the dedup key."""
    assert ticket.id is not None
    user = session.exec(select(User).where(col(User.username) == username)).first() if username else None
    name = (user.display_name or user.username) if user else "（未分派）"
    reached = Reached()
    if user is not None and user.openid and settings.wechat_template_ticket:
        reached += Reached((user.username,))
        if not ticket.simulated:
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
    if group and settings.wecom_webhook_url:
        reached += Reached(group=True)
        if not ticket.simulated:
            _to_group(session, ticket, headline, name, f"ticket:{ticket.id}:{event}:robot:{username or '-'}", settings)
    return reached


def _to_group(session: Session, ticket: Ticket, headline: str, name: str, key: str, settings: Settings) -> None:
    assert settings.wecom_webhook_url is not None
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
        dedup_key=key,
        ticket_id=ticket.id,
    )


def _everyone(session: Session, ticket: Ticket, event: str, headline: str, settings: Settings) -> Reached:
    """An emergency nobody on duty holds: every active member, staff and admin of the community is told."""
    reached = Reached()
    for user in routing.community_people(session=session, community_id=ticket.community_id):
        reached += notify_member(
            session=session,
            ticket=ticket,
            username=user.username,
            event=event,
            headline=headline,
            settings=settings,
            group=not reached.group,
        )
    if not reached.group:  # nobody of the community has an account: the work group still hears of it
        reached += notify_member(
            session=session, ticket=ticket, username=None, event=event, headline=headline, settings=settings
        )
    return reached


def _unheld_emergency(session: Session, ticket: Ticket) -> bool:
    return ticket.priority == Priority.URGENT and routing.held_by_fallback(session=session, ticket=ticket)


def on_created(*, session: Session, ticket: Ticket, settings: Settings) -> Reached:
    if _unheld_emergency(session, ticket):
        # Nobody on duty: an emergency is shown to everyone of the community until someone claims it.
        return _everyone(session, ticket, "created-all", UNHELD, settings)
    who = ticket.assignee or ticket.backup
    headline = "新的紧急求助，请立即处理" if ticket.priority == Priority.URGENT else "您有一张新工单"
    if routing.held_by_fallback(session=session, ticket=ticket):
        headline = "新工单没有网格员或值班人员，请安排人员"
    reached = notify_member(
        session=session, ticket=ticket, username=who, event="created", headline=headline, settings=settings
    )
    if ticket.priority == Priority.URGENT and ticket.backup and ticket.backup != who:
        # 急危重症: the on-duty member and a backup are told at once, not after the deadline.
        reached += notify_member(
            session=session,
            ticket=ticket,
            username=ticket.backup,
            event="created-backup",
            headline="紧急求助（备份通知），请确认已有人处理",
            settings=settings,
        )
    return reached


def on_assigned(*, session: Session, ticket: Ticket, settings: Settings, seq: int) -> Reached:
    return notify_member(
        session=session,
        ticket=ticket,
        username=ticket.assignee,
        event=f"assigned-{seq}",
        headline="工单已转交给您",
        settings=settings,
    )


def on_escalated(*, session: Session, ticket: Ticket, to: str | None, settings: Settings) -> Reached:
    reached = notify_member(
        session=session,
        ticket=ticket,
        username=to,
        event="escalated",
        headline=f"工单超时未受理，已升级给您（原负责人 {ticket.assignee or '无'}）"
        if to is None or ticket.assignee != to
        else "工单超时未受理，已转交给您",  # the backup took it over (it had no member)
        settings=settings,
    )
    if _unheld_emergency(session, ticket):
        reached += _everyone(session, ticket, "escalated-all", "超时仍无人受理：" + UNHELD, settings)
    return reached


def on_merged(*, session: Session, ticket: Ticket, settings: Settings) -> Reached:
    if ticket.priority != Priority.URGENT:
        return Reached()
    # A second cry for help must reach someone again.
    return notify_member(
        session=session,
        ticket=ticket,
        username=ticket.assignee or ticket.backup,
        event=f"merged-{ticket.merged_count}",
        headline="居民再次求助，请立即处理",
        settings=settings,
    )


def on_nudged(*, session: Session, ticket: Ticket, settings: Settings, seq: int) -> Reached:
    """The resident asks where help is ("人呢"): the holder and the backup are told again, at once."""
    headline = "居民在催：紧急求助还在等人联系，请立即打电话"
    reached = Reached()
    for username in dict.fromkeys((ticket.assignee, ticket.backup)):
        if username:
            reached += notify_member(
                session=session,
                ticket=ticket,
                username=username,
                event=f"nudge-{seq}",
                headline=headline,
                settings=settings,
                group=not reached.group,
            )
    if _unheld_emergency(session, ticket):
        reached += _everyone(session, ticket, f"nudge-{seq}-all", headline, settings)
    return reached


def on_downgraded(*, session: Session, ticket: Ticket, settings: Settings, seq: int) -> Reached:
    return notify_member(
        session=session,
        ticket=ticket,
        username=ticket.assignee or ticket.backup,
        event=f"downgraded-{seq}",
        headline="居民说这不是紧急情况，已改为优先处理，请电话确认",
        settings=settings,
    )


def on_withdrawn(*, session: Session, ticket: Ticket, settings: Settings) -> Reached:
    return notify_member(
        session=session,
        ticket=ticket,
        username=ticket.assignee or ticket.backup,
        event="withdrawn",
        headline="居民说紧急求助已不需要，请电话确认后再关闭",
        settings=settings,
    )


def reached_by(*, session: Session, ticket: Ticket, settings: Settings) -> Reached:
    """Whom member notices about ``ticket`` were queued for so far (failed ones do not count).

    A simulated ticket queues nothing: the answer is whom its creation would have told.
    """
    if ticket.simulated:
        return on_created(session=session, ticket=ticket, settings=settings)
    session.flush()
    rows = session.exec(
        select(OutboxMessage.dedup_key, OutboxMessage.kind).where(
            col(OutboxMessage.ticket_id) == ticket.id,
            col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENT)),
        )
    ).all()
    reached = Reached()
    for key, kind in rows:
        if kind == OutboxKind.WECOM_ROBOT:
            reached += Reached(group=True)
        elif ":member:" in key:
            reached += Reached((key.rsplit(":member:", 1)[1],))
    return reached
