"""The WeChat channel's own table: the shared access_token."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class WeChatToken(SQLModel, table=True):
    """The one shared access_token per appid, and the lock that lets one worker refresh it."""

    appid: str = Field(primary_key=True, max_length=64)
    access_token: str | None = Field(default=None, max_length=600)
    expires_at: datetime | None = None
    lock_owner: str | None = Field(default=None, max_length=64)
    lock_until: datetime | None = None
