"""FAQ entries with their versions, and the questions the base could not answer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow


class FaqStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class FaqEntry(SQLModel, table=True):
    """A policy question and its answer; only published entries within their dates are served."""

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, unique=True, max_length=100, description="stable slug of built-in entries")
    question: str = Field(max_length=200)
    answer: str = Field(sa_column=Column(Text, nullable=False))
    variants: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    category: str = Field(default="", max_length=30, index=True)
    source: str = Field(default="", max_length=200)
    region: str = Field(default="全国", max_length=30)
    effective_from: date | None = None
    effective_to: date | None = None
    status: str = Field(default=FaqStatus.PUBLISHED, max_length=12, index=True)
    superseded_by: str | None = Field(default=None, max_length=100, description="key of the replacing entry")
    superseded_on: date | None = None
    superseded_note: str | None = Field(default=None, max_length=300)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="system", max_length=50)


def in_force(entry: FaqEntry, today: date) -> bool:
    """Published and within its effective dates: only such entries are ever served as current."""
    if entry.status != FaqStatus.PUBLISHED:
        return False
    if entry.effective_from and entry.effective_from > today:
        return False
    return not (entry.effective_to and entry.effective_to < today)


class FaqRevision(SQLModel, table=True):
    """One edit of an entry: who, when, and each changed field's old and new value."""

    id: int | None = Field(default=None, primary_key=True)
    faq_id: int = Field(index=True)
    version: int
    action: str = Field(max_length=10, description="create, update or delete")
    actor: str = Field(max_length=50)
    at: datetime = Field(default_factory=utcnow)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class UnansweredQuestion(SQLModel, table=True):
    """A question the base could not answer, counted by its normalised text, for staff to fill."""

    id: int | None = Field(default=None, primary_key=True)
    normalized: str = Field(unique=True, max_length=300)
    text: str = Field(max_length=500)
    count: int = 1
    best_score: float | None = None
    first_at: datetime = Field(default_factory=utcnow)
    last_at: datetime = Field(default_factory=utcnow, index=True)
    resolved: bool = False
