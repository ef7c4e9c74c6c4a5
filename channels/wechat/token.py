"""The shared access-token store: one token for every worker and instance, refreshed under one lock.

The database (a row and a lease on it) by default; Redis when ``HOTLINE_REDIS_URL`` is set, with the
database taking over while Redis does not answer.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from channels.wechat.models import WeChatToken
from core.settings import Settings
from core.timeutil import utcnow

log = logging.getLogger(__name__)

LOCK_SECONDS = 30


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: datetime


class TokenStore(Protocol):
    def get(self) -> CachedToken | None: ...
    def put(self, token: CachedToken) -> None: ...
    def acquire(self, owner: str) -> bool: ...
    def release(self, owner: str) -> None: ...


class DatabaseTokenStore:
    """The token in the ``wechattoken`` row; the lock is a lease on that row claimed by one UPDATE."""

    def __init__(self, engine: Engine, appid: str) -> None:

        self.engine, self.appid, self.model = engine, appid, WeChatToken
        with Session(engine) as session:
            if session.get(WeChatToken, appid) is None:
                session.add(WeChatToken(appid=appid))
                try:
                    session.commit()
                except IntegrityError:  # another instance created it first
                    session.rollback()

    def get(self) -> CachedToken | None:
        with Session(self.engine) as session:
            row = session.get(self.model, self.appid)
            if row is None or not row.access_token or row.expires_at is None:
                return None
            return CachedToken(row.access_token, row.expires_at)

    def put(self, token: CachedToken) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(self.model)
                .where(col(self.model.appid) == self.appid)
                .values(access_token=token.value, expires_at=token.expires_at)
            )
            session.commit()

    def acquire(self, owner: str) -> bool:
        now = utcnow()
        with Session(self.engine) as session:
            result = session.execute(
                update(self.model)
                .where(
                    col(self.model.appid) == self.appid,
                    or_(col(self.model.lock_until).is_(None), col(self.model.lock_until) < now),
                )
                .values(lock_owner=owner, lock_until=now + timedelta(seconds=LOCK_SECONDS))
            )
            session.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, owner: str) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(self.model)
                .where(col(self.model.appid) == self.appid, col(self.model.lock_owner) == owner)
                .values(lock_owner=None, lock_until=None)
            )
            session.commit()


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisTokenStore:
    """``hotline:wechat:<appid>:token`` with a TTL, and a ``SET NX PX`` lock released only by its owner."""

    def __init__(self, url: str, appid: str, prefix: str = "hotline") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.key = f"{prefix}:wechat:{appid}:token"
        self.lock_key = f"{prefix}:wechat:{appid}:lock"

    def get(self) -> CachedToken | None:
        raw = self.redis.get(self.key)
        if raw is None:
            return None
        data = json.loads(raw)
        return CachedToken(data["value"], datetime.fromisoformat(data["expires_at"]))

    def put(self, token: CachedToken) -> None:
        ttl = max(1, int((token.expires_at - utcnow()).total_seconds()))
        data = json.dumps({"value": token.value, "expires_at": token.expires_at.isoformat()})
        self.redis.set(self.key, data, ex=ttl)

    def acquire(self, owner: str) -> bool:
        return bool(self.redis.set(self.lock_key, owner, nx=True, px=LOCK_SECONDS * 1000))

    def release(self, owner: str) -> None:
        self.redis.eval(_RELEASE, 1, self.lock_key, owner)


class RedisOrDatabaseTokenStore:
    """Redis while it answers, the database while it does not (Redis down is a degraded mode, not an outage).

    Both hold the same kind of token: the stable-token API hands every caller the valid token rather
    than a new one, so a refresher behind each lock never invalidates the other's.
    """

    def __init__(self, redis_store: TokenStore, database_store: TokenStore) -> None:
        self.redis, self.database = redis_store, database_store
        self._failed_at = -1e9
        self._held: dict[str, TokenStore] = {}

    def _store(self) -> TokenStore:
        return self.database if time.monotonic() - self._failed_at < 5 else self.redis

    def _call(self, name: str, *args: Any) -> Any:
        store = self._store()
        if store is self.redis:
            try:
                return getattr(store, name)(*args)
            except Exception as error:  # any Redis failure: take the database's way this time and for a while
                self._failed_at = time.monotonic()
                log.warning("token store: Redis unavailable (%s); using the database", type(error).__name__)
        return getattr(self.database, name)(*args)

    def get(self) -> CachedToken | None:
        return self._call("get")

    def put(self, token: CachedToken) -> None:
        self._call("put", token)

    def acquire(self, owner: str) -> bool:
        before = self._store()
        got = bool(self._call("acquire", owner))
        if got:
            self._held[owner] = before if self._store() is before else self.database
        return got

    def release(self, owner: str) -> None:
        store = self._held.pop(owner, self._store())
        try:
            store.release(owner)
        except Exception:  # the lock expires by itself (LOCK_SECONDS)
            log.warning("token store: could not release the lock", exc_info=True)


def token_store_for(settings: Settings, engine: Engine) -> TokenStore:
    if settings.redis_url:
        redis_store = RedisTokenStore(settings.redis_url, settings.wechat_appid, prefix=settings.redis_prefix)
        return RedisOrDatabaseTokenStore(redis_store, DatabaseTokenStore(engine, settings.wechat_appid))
    return DatabaseTokenStore(engine, settings.wechat_appid)
