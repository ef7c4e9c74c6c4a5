"""The one path every inbound takes (``/wechat`` and ``/api/simulate`` alike).

Store the message first, handle it once, answer every retry with the same reply, and turn any
failure into a friendly apology: a resident never gets silence and no request is handled twice.

Under load the write transactions are what everything waits for, so they are short and taken in
order: on SQLite one in-process lock (:func:`core.db.write_lock`) covers the claim and the turn, back
to back, and the retrieval a turn will need is computed (and cached) before it is taken. A message
that cannot be answered in time is stored as ``queued`` (:meth:`Pipeline.accept`) and answered later
by the backlog (:mod:`bot.backlog`) as a customer-service message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from bot import inbox, texts
from bot.dispatcher import dispatch
from bot.messages import Inbound, InboundKind, Reply
from bot.models import InboundMessage, InboundStatus
from bot.spool import Spool
from bot.store import DatabaseStateStore, StaleState
from bot.turn import Turn
from core.db import write_lock
from core.inflight import InFlight
from core.logs import mask_openid
from core.ratelimit import RateLimiter
from core.settings import Settings
from core.timeutil import utcnow
from residents import service as resident_service

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)

# Delivery reports arrive by the ten thousand after a mass notification: acknowledge, store nothing.
CHEAP_EVENTS = frozenset({"templatesendjobfinish", "masssendjobfinish", "subscribe_msg_sent_event", "view"})
RETRY_POLL_SECONDS = 0.05
TURN_ATTEMPTS = 3
FINISHED = (InboundStatus.HANDLED, InboundStatus.FAILED)
RATE_LIMITED = "rate_limited"  # the intent stored for a message over the sender's limit (not handled)

LateSink = Callable[[str, str], None]


def _is_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message


class DatabaseAway(Exception):
    """The message could not be stored in the database; it was kept in the spool instead."""


class Pipeline:
    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        knowledge: KnowledgeBase | None = None,
        limiter: RateLimiter | None = None,
        in_flight: InFlight | None = None,
        spool: Spool | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.knowledge = knowledge
        self.limiter = limiter
        self.in_flight = in_flight or InFlight()
        self.spool = spool  # where messages go while the database is away (bot.spool)
        # Where a reply goes when it is ready after WeChat stopped waiting (customer-service message).
        self.late_sink: LateSink | None = None

    def process(self, inbound: Inbound, wait_seconds: float = 4.5) -> Reply:
        """Handle ``inbound`` once; a retry waits up to ``wait_seconds`` for the first answer."""
        if inbound.kind is InboundKind.EVENT and (inbound.event or "") in CHEAP_EVENTS:
            return Reply(None)
        key = inbound.dedup_key
        if not self.in_flight.enter(key):
            # A retry while the first attempt runs here: never queue it behind the lock the first one
            # holds, just wait for the first one's answer.
            first = self._reply_of_first(inbound, wait_seconds)
            if first is not None:
                return first
            # Nothing was ever stored (the first attempt died before its claim): handle it here.
        try:
            self._prepare(inbound)
            # Claim and turn back to back on one connection: one wait in the queue, one checkout.
            with write_lock(self.engine), self._connection(inbound) as connection:
                if self._claim_or_keep(inbound, connection):
                    # Counted once stored, so WeChat's retries of one message never count as a flood.
                    limited = self._rate_limited(inbound)
                    if limited is not None:
                        with Session(bind=connection) as session:
                            inbox.answer(session, key, limited, InboundStatus.HANDLED)
                            session.commit()
                        return limited
                    return self._handle(inbound, connection=connection)
        except DatabaseAway:
            return Reply(texts.apology(self.settings.office_phone))
        finally:
            self.in_flight.leave(key)
        return self._reply_of_first(inbound, wait_seconds) or Reply(None)

    def recover(self, older_than: timedelta = timedelta(minutes=1)) -> int:
        """Handle messages a crash left unanswered and send their replies late. Returns how many."""
        from bot.backlog import recover

        return recover(self, older_than=older_than)

    def accept(self, inbound: Inbound) -> bool:
        """Store ``inbound`` as queued for the backlog (the caller answers ``success``); False for a retry."""
        if inbound.kind is InboundKind.EVENT and (inbound.event or "") in CHEAP_EVENTS:
            return True
        try:
            return self.store_queued(inbound)
        except OperationalError:
            if self.spool is None:
                raise
            self.spool.put(inbound)  # the backlog stores it when the database is back
            return True

    def store_queued(self, inbound: Inbound) -> bool:
        """Store ``inbound`` as queued (errors raised); False when it is already stored."""
        with write_lock(self.engine):
            return self._claim(inbound, status=InboundStatus.QUEUED)

    @contextmanager
    def _connection(self, inbound: Inbound) -> Iterator[Connection]:
        """A connection for the message's claim and turn; none to be had: the spool (DatabaseAway)."""
        try:
            connection = self.engine.connect()
        except OperationalError as error:
            self._keep(inbound, error)
        with connection:
            yield connection

    def _claim_or_keep(self, inbound: Inbound, connection: Connection) -> bool:
        """``_claim``; with the database unreachable, the message goes to the spool (DatabaseAway)."""
        try:
            return self._claim(inbound, connection=connection)
        except OperationalError as error:
            self._keep(inbound, error)

    def _keep(self, inbound: Inbound, error: OperationalError) -> NoReturn:
        if self.spool is None:
            raise error
        self.spool.put(inbound)
        log.error("database unavailable; message kept on disk: %s", type(error.orig).__name__)
        raise DatabaseAway from error

    def handle_stored(self, row: InboundMessage) -> Reply:
        """Run the turn of a message stored earlier (queued under load, or left by a crash)."""
        inbound = inbox.inbound_of(row)
        self._prepare(inbound)
        with write_lock(self.engine):
            return self._handle(inbound, dedup_key=row.dedup_key)

    # -- steps -------------------------------------------------------------------------------

    def _rate_limited(self, inbound: Inbound) -> Reply | None:
        """One polite reply to a resident flooding the account; the rest of the window is acknowledged."""
        if self.limiter is None or inbound.kind is InboundKind.EVENT or inbound.simulated:
            return None
        verdict = self.limiter.hit(inbound.sender)
        if verdict.allowed:
            return None
        log.warning("rate limited", extra={"openid": mask_openid(inbound.sender)})
        text = texts.rate_limited(self.settings.office_phone) if verdict.first_refusal else None
        return Reply(text, intent=RATE_LIMITED)

    def _prepare(self, inbound: Inbound) -> None:
        """Pure work a turn will need, done before any lock: the knowledge base's lookup (then cached)."""
        if self.knowledge is None or not inbound.text or inbound.kind is InboundKind.EVENT:
            return
        try:
            self.knowledge.lookup(inbound.text.strip(), region=self.settings.region or None)
        except Exception:  # only a warm-up: the turn looks up again and handles its own errors
            log.debug("lookup warm-up failed", exc_info=True)

    def _claim(
        self, inbound: Inbound, status: InboundStatus = InboundStatus.RECEIVED, connection: Connection | None = None
    ) -> bool:
        """Store the message before handling it (committed at once); False for a retry of one already stored."""
        if connection is None:
            with self.engine.connect() as own:
                return inbox.store(own, inbound, status)
        return inbox.store(connection, inbound, status)

    def _reply_of_first(self, inbound: Inbound, wait_seconds: float) -> Reply | None:
        """The first attempt's reply; ``success`` if it is still running; None if it never stored the message."""
        deadline = time.monotonic() + wait_seconds
        while True:
            with Session(self.engine) as session:
                row = session.exec(select(InboundMessage).where(InboundMessage.dedup_key == inbound.dedup_key)).first()
            if row is not None and row.status in FINISHED:
                return Reply(row.reply, intent=row.intent, faq_id=row.faq_id, ticket_id=row.ticket_id)
            if time.monotonic() >= deadline:
                # The first attempt is still running; its answer will follow as a late message.
                return Reply(None) if row is not None else None
            time.sleep(RETRY_POLL_SECONDS)

    def _handle(self, inbound: Inbound, dedup_key: str | None = None, connection: Connection | None = None) -> Reply:
        key = dedup_key or inbound.dedup_key
        try:
            for attempt in range(TURN_ATTEMPTS):
                try:
                    with Session(bind=connection or self.engine, expire_on_commit=False) as session:
                        reply = self._turn(session, inbound)
                        inbox.answer(session, key, reply, InboundStatus.HANDLED)
                        session.commit()
                    return reply
                except (StaleState, OperationalError, IntegrityError) as error:
                    # Two messages of one resident raced (both created the resident or the conversation,
                    # or SQLite refused a stale snapshot's write); everything of this attempt was rolled
                    # back, so running the turn again is safe: it now finds what the other one created.
                    if isinstance(error, OperationalError) and not _is_busy(error):
                        raise
                    if attempt == TURN_ATTEMPTS - 1:
                        raise
            raise AssertionError("unreachable")
        except Exception:
            log.exception("handling failed", extra={"msg_key": key, "openid": mask_openid(inbound.sender)})
            reply = Reply(texts.apology(self.settings.office_phone))
            with Session(self.engine) as session:
                inbox.answer(session, key, reply, InboundStatus.FAILED)
                session.commit()
            return reply

    def _turn(self, session: Session, inbound: Inbound) -> Reply:
        seen_at = None if inbound.kind is InboundKind.EVENT else utcnow()  # opens the customer-service window
        community = resident_service.arrived(
            session=session, openid=inbound.sender, seen_at=seen_at, settings=self.settings
        )
        store = DatabaseStateStore(session)
        state = store.load(inbound.sender)
        turn = Turn(
            session=session,
            inbound=inbound,
            settings=self.settings,
            community=community,
            state=state,
            knowledge=self.knowledge,
        )
        reply = dispatch(turn)
        store.save(state)
        return reply
