"""Who is who: communities and their grids and buildings, residents, staff accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    MEMBER = "member"


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    region: str = Field(default="", max_length=30, description="重庆, 辽宁 …; empty serves every region")
    office_phone: str = Field(default="", max_length=40)
    emergency_phone: str = Field(default="", max_length=40)
    antigen_allowance: int = Field(default=4)
    created_at: datetime = Field(default_factory=utcnow)


class Grid(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=100)
    member: str | None = Field(default=None, max_length=100, description="username of the responsible member")


class Building(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=50, description="normalised, e.g. 8栋")
    grid_id: int = Field(foreign_key="grid.id", index=True)


class Resident(SQLModel, table=True):
    """A WeChat follower. Contact details only after consent (PIPL Art. 29)."""

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(unique=True, index=True, max_length=64)
    community_id: int | None = Field(default=None, foreign_key="community.id")
    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    building: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=120)
    household_size: int | None = None
    consent: bool | None = Field(default=None, description="None: never asked")
    consent_at: datetime | None = None
    subscribed: bool = True
    last_message_at: datetime | None = Field(default=None, description="opens WeChat's customer-service window")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConsentRecord(SQLModel, table=True):
    """Every consent answer with its time and purpose, kept as evidence."""

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(index=True, max_length=64)
    purpose: str = Field(max_length=200)
    granted: bool
    at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A staff account: admin, staff or committee member."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=50)
    display_name: str = Field(default="", max_length=50)
    role: Role = Field(sa_column=Column("role", String(10), nullable=False))
    password_hash: str
    phone: str | None = Field(default=None, max_length=30)
    openid: str | None = Field(default=None, max_length=64, description="for WeChat template notifications")
    community_id: int | None = Field(default=None, foreign_key="community.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(
        unique=True, max_length=64, description="sha256 of the token; the token itself is shown once"
    )
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked: bool = False
