"""Database engine and sessions (SQLite by default, PostgreSQL when configured)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 10000
_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer commits; busy_timeout queues writers
    # instead of failing them when a wave of messages arrives at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder when needed."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        _write_locks[engine] = threading.RLock()
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # A database that does not answer must cost a message seconds, not the whole of WeChat's 5 s.
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=3, connect_args={"connect_timeout": 3}
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def write_lock(engine: Engine) -> threading.RLock | nullcontext[None]:
    """Hold while a transaction that writes runs, from its first statement to its commit.

    SQLite has one writer at a time. Left to itself, each waiting thread sleeps in SQLite's busy handler
    in growing steps (up to 100 ms each) and wakes to find the lock taken again: under load the process
    is mostly asleep. Queued on a lock in the process instead, writers follow each other at once. Only
    the writers of the message path take it (claim, turn, outbox and SLA claims); rare others still have
    the busy handler. PostgreSQL locks rows, so there it is no lock at all.
    """
    lock = _write_locks.get(engine)
    return lock if lock is not None else nullcontext()
