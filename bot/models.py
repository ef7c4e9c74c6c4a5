"""What the engine stores: every inbound message (before handling) and conversation state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow


class InboundStatus(StrEnum):
    QUEUED = "queued"  # stored and acknowledged with ``success`` under overload; handled by the backlog
    RECEIVED = "received"
    HANDLED = "handled"
    FAILED = "failed"


class InboundMessage(SQLModel, table=True):
    """One message or event as WeChat sent it, keyed so a retry is recognised."""

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True, max_length=160)
    openid: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=30)
    event: str | None = Field(default=None, max_length=50)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=InboundStatus.RECEIVED, max_length=10, index=True)
    reply: str | None = Field(default=None, sa_column=Column(Text))
    intent: str | None = Field(default=None, max_length=30)
    faq_id: int | None = None
    ticket_id: int | None = None
    simulated: bool = Field(default=False, description="from the simulator: nobody to deliver a late reply to")
    received_at: datetime = Field(default_factory=utcnow)
    handled_at: datetime | None = None


class Conversation(SQLModel, table=True):
    """Where a resident is in a flow; persisted so a restart or another instance resumes it."""

    openid: str = Field(primary_key=True, max_length=64)
    flow: str | None = Field(default=None, max_length=30)
    step: str | None = Field(default=None, max_length=40)
    slots: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
