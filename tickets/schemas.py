"""What the API reads and returns for tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tickets.models import Priority, TicketStatus, TicketType


class TicketEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str


class TicketPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    community_id: int | None
    type: str
    status: str
    priority: str
    openid: str | None
    assignee: str | None
    backup: str | None
    grid: str | None
    building: str | None
    details: dict[str, Any]
    source: str
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    overdue: bool
    merged_count: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class TicketDetail(TicketPublic):
    timeline: list[TicketEventPublic]
    merged: bool = False  # only on POST: the call was added to the resident's open ticket


class TicketsPublic(BaseModel):
    data: list[TicketPublic]
    count: int


class TicketCreate(BaseModel):
    """A phone call or a visit entered by staff (the offline channel)."""

    model_config = ConfigDict(extra="forbid")
    type: TicketType
    details: dict[str, Any] = Field(default_factory=dict)
    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+\- ]{5,30}$")
    address: str | None = Field(default=None, max_length=120)
    building: str | None = Field(default=None, max_length=50)
    openid: str | None = Field(default=None, max_length=64)
    priority: Priority | None = None
    source: str = Field(default="phone", pattern="^(phone|console)$")
    community_id: int | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_status: TicketStatus
    note: str = Field(default="", max_length=1000)
    assignee: str | None = Field(default=None, max_length=50)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=600)
