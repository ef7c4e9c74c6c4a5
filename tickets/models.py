"""Tickets and their timeline, the on-duty roster, the notifications outbox and the shared token store."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow


class TicketType(StrEnum):
    MEDICINE = "medicine"
    ANTIGEN = "antigen"
    REFERRAL = "referral"
    EMERGENCY = "emergency"
    CONSULT = "consult"
    COMPLAINT = "complaint"


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


class Source(StrEnum):
    WECHAT = "wechat"
    CONSOLE = "console"
    PHONE = "phone"
    SIMULATED = "simulated"


# How residents and members read a type and a status.
TYPE_NAMES = {
    "medicine": "买药",
    "antigen": "抗原",
    "referral": "就医转诊",
    "emergency": "紧急求助",
    "consult": "人工咨询",
    "complaint": "投诉",
}
STATUS_NAMES = {
    "new": "已登记，待分派",
    "assigned": "已分派",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已关闭",
    "cancelled": "已取消",
}


class Ticket(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True, max_length=20, description="e.g. 20260122-0007")
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    type: str = Field(max_length=20, index=True)
    status: str = Field(default=TicketStatus.NEW, max_length=20, index=True)
    priority: str = Field(default=Priority.NORMAL, max_length=10)
    openid: str | None = Field(default=None, index=True, max_length=64)
    assignee: str | None = Field(default=None, index=True, max_length=50)
    backup: str | None = Field(default=None, max_length=50)
    grid: str | None = Field(default=None, max_length=100)
    building: str | None = Field(default=None, max_length=50)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str = Field(default=Source.WECHAT, max_length=20)
    ack_due_at: datetime | None = Field(default=None, index=True)
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    # Stays true once the acknowledgement deadline was missed: the street office counts SLA breaches.
    overdue: bool = Field(default=False, index=True)
    merged_count: int = Field(default=0, description="how many repeated requests were merged into this one")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def simulated(self) -> bool:
        return self.source == Source.SIMULATED

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's timeline: who did what, when."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=64, description="username, 'resident' or 'system'")
    action: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class TicketCounter(SQLModel, table=True):
    """Per-day sequence for human ticket numbers; an atomic upsert makes it safe across instances."""

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0


class DutyShift(SQLModel, table=True):
    """Who is on duty from ``starts_at`` to ``ends_at``: covers nights, absences and unknown buildings."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    username: str = Field(max_length=50)
    starts_at: datetime = Field(index=True)
    ends_at: datetime = Field(index=True)
    note: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class OutboxKind(StrEnum):
    WECHAT_CUSTOM = "wechat_custom"  # 客服消息 inside the resident's window
    WECHAT_TEMPLATE = "wechat_template"  # 模板消息: members, or residents outside the window
    WECOM_ROBOT = "wecom_robot"  # 企业微信群机器人 webhook


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (also while leased by a worker)
    SENT = "sent"
    FALLBACK = "fallback"  # replaced by a template message (45015 / 45047)
    FAILED = "failed"  # a permanent error (unsubscribed, invalid openid…); kept for the record


class OutboxMessage(SQLModel, table=True):
    """A notification stored in the same transaction as the change it reports; never deleted unsent."""

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True, max_length=160)
    kind: str = Field(max_length=20)
    target: str = Field(max_length=500, description="openid, or the robot's webhook URL")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ticket_id: int | None = Field(default=None, index=True)
    status: str = Field(default=OutboxStatus.PENDING, max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    lease_until: datetime | None = None
    leased_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
