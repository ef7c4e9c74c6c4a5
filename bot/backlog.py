"""Messages stored but not answered in the callback: queued under load, or left by a crash.

``queued`` rows were acknowledged with ``success`` when the callback could not have answered within
WeChat's 5 s; ``received`` rows older than a minute were being handled by a process that died (or lost
its database mid-turn). Each row is claimed with one conditional UPDATE, so with several instances
exactly one handles it; its reply goes out late through ``pipeline.late_sink`` (the outbox, as a
customer-service message). One thread per process drains them, oldest first, one at a time, so live
messages keep the front of the queue.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from bot.models import InboundMessage, InboundStatus
from bot.pipeline import Pipeline
from core.db import write_lock
from core.timeutil import utcnow

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=1)


def _take(pipeline: Pipeline, row_id: int, *conditions: object) -> InboundMessage | None:
    """Claim one row (status ``received``, ``handled_at`` marking the claim); None if another took it."""
    with write_lock(pipeline.engine), Session(pipeline.engine, expire_on_commit=False) as session:
        result = session.execute(
            update(InboundMessage)
            .where(col(InboundMessage.id) == row_id, *conditions)  # type: ignore[arg-type]
            .values(status=InboundStatus.RECEIVED, handled_at=utcnow())
        )
        session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(InboundMessage, row_id)


def _answer_late(pipeline: Pipeline, row: InboundMessage) -> None:
    reply = pipeline.handle_stored(row)
    if reply.text and pipeline.late_sink is not None and not row.simulated:
        pipeline.late_sink(row.openid, reply.text)


def drain(pipeline: Pipeline, limit: int = 50) -> int:
    """Handle up to ``limit`` queued messages, oldest first. Returns how many this caller handled."""
    with Session(pipeline.engine) as session:
        ids = session.exec(
            select(InboundMessage.id)
            .where(col(InboundMessage.status) == InboundStatus.QUEUED)
            .order_by(col(InboundMessage.id))
            .limit(limit)
        ).all()
    handled = 0
    for row_id in ids:
        assert row_id is not None
        row = _take(pipeline, row_id, col(InboundMessage.status) == InboundStatus.QUEUED)
        if row is not None:
            _answer_late(pipeline, row)
            handled += 1
    return handled


def recover(pipeline: Pipeline, older_than: timedelta = STALE_AFTER) -> int:
    """Handle messages left ``received`` for longer than ``older_than`` (a crash). Returns how many."""
    cutoff = utcnow() - older_than
    stale = (
        col(InboundMessage.status) == InboundStatus.RECEIVED,
        col(InboundMessage.received_at) < cutoff,
        or_(col(InboundMessage.handled_at).is_(None), col(InboundMessage.handled_at) < cutoff),
    )
    with Session(pipeline.engine) as session:
        ids = session.exec(select(InboundMessage.id).where(*stale).order_by(col(InboundMessage.id))).all()
    handled = 0
    for row_id in ids:
        assert row_id is not None
        row = _take(pipeline, row_id, *stale)
        if row is not None:
            _answer_late(pipeline, row)
            handled += 1
    return handled


class Backlog:
    """The thread that drains queued messages and recovers stale ones, every ``interval`` seconds."""

    def __init__(self, pipeline: Pipeline, interval: float = 1.0, recover_every: float = 30.0) -> None:
        self.pipeline, self.interval, self.recover_every = pipeline, interval, recover_every
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="backlog", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """A message was queued: drain soon rather than at the next tick."""
        self._wake.set()

    def run_once(self, recover_too: bool = True) -> int:
        """One round; errors are logged, never raised (the loop must go on, e.g. while the database is down)."""
        done = 0
        try:
            if self.pipeline.spool is not None:
                self.pipeline.spool.move(self.pipeline.store_queued)
            if recover_too:
                done += recover(self.pipeline)
            while not self._stop.is_set():
                handled = drain(self.pipeline)
                done += handled
                if not handled:
                    break
        except Exception:
            log.exception("backlog round failed")
        return done

    def _loop(self) -> None:
        since_recover = self.recover_every  # recover at once on start
        while not self._stop.is_set():
            due = since_recover >= self.recover_every
            self.run_once(recover_too=due)
            since_recover = 0.0 if due else since_recover + self.interval
            self._wake.wait(self.interval)
            self._wake.clear()
