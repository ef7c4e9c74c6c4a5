"""The notifications outbox: stored with the change it reports, delivered later, never lost.

Every message is a row written in the caller's transaction. Workers (one thread per instance) claim
due rows with a lease — a conditional UPDATE, so two instances never send one row — deliver them
outside any transaction, then record the outcome: sent; retry with exponential back-off (capped, so
after an hour-long WeChat outage everything goes out within one cap); a fallback message (45015 /
45047 → template); or failed for good (kept, never deleted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.db import write_lock
from core.logs import mask_text
from core.timeutil import utcnow
from tickets.models import OutboxKind, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

BASE_BACKOFF_SECONDS = 5
LEASE_SECONDS = 60


class Retry(Exception):
    """Could not deliver now (WeChat down, token trouble, rate limit); try again later."""

    def __init__(self, reason: str, *, at_cap: bool = False) -> None:
        super().__init__(reason)
        self.at_cap = at_cap  # quota errors: waiting a few seconds will not help


class Fallback(Exception):
    """This channel refused for this person (outside the window, too many): send the fallback."""


class Permanent(Exception):
    """Will never succeed (unsubscribed, invalid openid or template); keep the row as failed."""


Deliver = Callable[[OutboxMessage], None]


def enqueue(
    *,
    session: Session,
    kind: OutboxKind,
    target: str,
    payload: dict[str, Any],
    dedup_key: str,
    ticket_id: int | None = None,
    fallback: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Store a message in the caller's transaction; a second enqueue with the same key returns the first.

    ``fallback`` (for customer-service messages) is ``{"kind": ..., "target": ..., "payload": ...}``:
    what to send instead when WeChat answers 45015 or 45047.
    """
    dedup_key = dedup_key[:160]
    existing = session.exec(select(OutboxMessage).where(col(OutboxMessage.dedup_key) == dedup_key)).first()
    if existing is not None:
        return existing
    body = dict(payload)
    if fallback is not None:
        body["_fallback"] = fallback
    message = OutboxMessage(
        dedup_key=dedup_key, kind=kind, target=target, payload=body, ticket_id=ticket_id, next_attempt_at=utcnow()
    )
    try:
        with session.begin_nested():  # a concurrent twin may insert first: keep the caller's transaction
            session.add(message)
    except IntegrityError:
        again = session.exec(select(OutboxMessage).where(col(OutboxMessage.dedup_key) == dedup_key)).first()
        assert again is not None
        return again
    return message


def backoff(attempts: int, cap_seconds: int) -> timedelta:
    """5 s, 10 s, 20 s … doubling per failed attempt, never longer than the cap."""
    return timedelta(seconds=min(cap_seconds, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


def _due(now: datetime) -> list[Any]:
    return [
        col(OutboxMessage.status) == OutboxStatus.PENDING,
        col(OutboxMessage.next_attempt_at) <= now,
        or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
    ]


def claim(*, engine: Engine, worker: str, limit: int = 20, now: datetime | None = None) -> list[OutboxMessage]:
    """Lease up to ``limit`` due messages for ``worker``; a row leased by another is skipped.

    One short transaction: on PostgreSQL the due rows are locked with ``FOR UPDATE SKIP LOCKED`` (a peer
    claiming at the same moment takes the next rows instead of waiting), and the UPDATE repeats the
    conditions, so a row is leased once even where there are no row locks (SQLite, one writer at a time).
    """
    now = now or utcnow()
    lease = now + timedelta(seconds=LEASE_SECONDS)
    with write_lock(engine), Session(engine, expire_on_commit=False) as session:
        due = session.exec(
            select(OutboxMessage.id)
            .where(*_due(now))
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not due:
            return []
        leased = session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(due), *_due(now))
            .values(lease_until=lease, leased_by=worker)
            .returning(col(OutboxMessage.id))
        )
        ids = [row[0] for row in leased]
        session.commit()
        if not ids:
            return []
        rows = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        ).all()
        return list(rows)


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    fallen_back: int = 0
    failed: int = 0


def deliver_due(
    *, engine: Engine, deliver: Deliver, worker: str, max_backoff_seconds: int = 600, limit: int = 20
) -> Outcome:
    """Claim due messages and deliver each once; record what happened."""
    outcome = Outcome()
    for message in claim(engine=engine, worker=worker, limit=limit):
        try:
            deliver(message)
        except Retry as error:
            _retry(engine, message, str(error), error.at_cap, max_backoff_seconds)
            outcome.retried += 1
        except Fallback as error:
            _fall_back(engine, message, str(error))
            outcome.fallen_back += 1
        except Permanent as error:
            _finish(engine, message, OutboxStatus.FAILED, str(error))
            outcome.failed += 1
        except Exception as error:  # a bug in a sender must not stop the others; keep retrying it
            log.exception("outbox message %s: unexpected error", message.id)
            _retry(engine, message, f"{type(error).__name__}: {error}", False, max_backoff_seconds)
            outcome.retried += 1
        else:
            _finish(engine, message, OutboxStatus.SENT, None)
            outcome.sent += 1
    return outcome


def _owned(message: OutboxMessage) -> Any:
    # Only the worker holding the lease records the outcome (a lease that ran out was taken over).
    return (col(OutboxMessage.id) == message.id) & (col(OutboxMessage.leased_by) == message.leased_by)


def _retry(engine: Engine, message: OutboxMessage, reason: str, at_cap: bool, cap: int) -> None:
    attempts = message.attempts + 1
    delay = timedelta(seconds=cap) if at_cap else backoff(attempts, cap)
    log.warning("outbox %s (%s) attempt %d failed: %s", message.id, message.kind, attempts, mask_text(reason))
    with write_lock(engine), Session(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(_owned(message))
            .values(attempts=attempts, next_attempt_at=utcnow() + delay, lease_until=None, last_error=reason[:300])
        )
        session.commit()


def _finish(engine: Engine, message: OutboxMessage, status: OutboxStatus, reason: str | None) -> None:
    values: dict[str, Any] = {"status": status, "attempts": message.attempts + 1, "lease_until": None}
    if status is OutboxStatus.SENT:
        values["sent_at"] = utcnow()
    else:
        values["last_error"] = (reason or "")[:300]
        log.warning("outbox %s (%s) failed for good: %s", message.id, message.kind, mask_text(reason or ""))
    with write_lock(engine), Session(engine) as session:
        session.execute(update(OutboxMessage).where(_owned(message)).values(**values))
        session.commit()


def _fall_back(engine: Engine, message: OutboxMessage, reason: str) -> None:
    spec = message.payload.get("_fallback")
    with write_lock(engine), Session(engine) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(_owned(message))
            .values(
                status=OutboxStatus.FALLBACK if spec else OutboxStatus.FAILED,
                attempts=message.attempts + 1,
                lease_until=None,
                last_error=reason[:300],
            )
        )
        if spec and result.rowcount == 1:  # type: ignore[attr-defined]
            enqueue(
                session=session,
                kind=OutboxKind(spec["kind"]),
                target=spec["target"],
                payload=spec["payload"],
                dedup_key=f"{message.dedup_key}:fallback"[:160],
                ticket_id=message.ticket_id,
            )
        session.commit()


def pending(*, session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.status) == OutboxStatus.PENDING)))
