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
    SUPERVISOR = "supervisor"  # 街道: reads every community, changes nothing


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


class ConsoleSession(SQLModel, table=True):
    """A console sign-in, kept server-side: the cookie holds only a random id, stored here hashed."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    ended_at: datetime | None = None
    via: str = Field(default="password", max_length=20, description="password or wechat (OAuth snsapi_base)")


class Attempt(SQLModel, table=True):
    """A failed sign-in or binding attempt, counted per account, address or openid for throttling."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10, description="login or bind")
    key: str = Field(max_length=120, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class BindingCode(SQLModel, table=True):
    """A one-time code shown on a member's profile; sending 绑定 <code> binds that WeChat account."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(index=True, max_length=64)
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who did what in the console or API: sign-ins, refusals, ticket changes, FAQ edits, exports."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=120)
    detail: str = Field(default="", max_length=500)
    address: str = Field(default="", max_length=64)


class CannedReply(SQLModel, table=True):
    """A ready reply a member can send to a resident with one tap; staff edit them."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    title: str = Field(max_length=30)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
