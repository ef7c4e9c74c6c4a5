"""Tickets and their timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from hotline.timeutil import utcnow


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


class Source(StrEnum):
    WECHAT = "wechat"
    CONSOLE = "console"
    PHONE = "phone"
    SIMULATED = "simulated"


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
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str = Field(default=Source.WECHAT, max_length=20)
    ack_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def simulated(self) -> bool:
        return self.source == Source.SIMULATED


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
    """Per-day sequence for human ticket numbers; a row lock makes it safe across instances."""

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0
