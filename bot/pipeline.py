"""The one path every inbound takes (``/wechat`` and ``/api/simulate`` alike).

Store the message first, handle it once, answer every retry with the same reply, and turn any
failure into a friendly apology: a resident never gets silence and no request is handled twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from bot import texts
from bot.dispatcher import dispatch
from bot.messages import Inbound, InboundKind, Reply
from bot.models import InboundMessage, InboundStatus
from bot.store import DatabaseStateStore, StaleState
from bot.turn import Turn
from core.logs import mask_openid
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

LateSink = Callable[[str, str], None]


def _is_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message


class Pipeline:
    def __init__(self, *, engine: Engine, settings: Settings, knowledge: KnowledgeBase | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.knowledge = knowledge
        # Where a reply goes when it is ready after WeChat stopped waiting (customer-service message).
        self.late_sink: LateSink | None = None

    def process(self, inbound: Inbound, wait_seconds: float = 4.5) -> Reply:
        """Handle ``inbound`` once; a retry waits up to ``wait_seconds`` for the first answer."""
        if inbound.kind is InboundKind.EVENT and (inbound.event or "") in CHEAP_EVENTS:
            return Reply(None)
        if not self._claim(inbound):
            return self._reply_of_first(inbound, wait_seconds)
        return self._handle(inbound)

    def recover(self, older_than: timedelta = timedelta(minutes=1)) -> int:
        """Handle messages a crash left unanswered and send their replies late. Returns how many."""
        cutoff = utcnow() - older_than
        with Session(self.engine) as session:
            rows = session.exec(
                select(InboundMessage).where(
                    InboundMessage.status == InboundStatus.RECEIVED, InboundMessage.received_at < cutoff
                )
            ).all()
        for row in rows:
            inbound = Inbound(
                openid=row.openid,
                kind=InboundKind(row.kind) if row.kind in set(InboundKind) else InboundKind.UNKNOWN,
                created_at=row.received_at,
                text=None if row.event else row.content or None,
                event=row.event,
                event_key=row.content or None if row.event else None,
                simulated=row.simulated,
            )
            reply = self._handle(inbound, dedup_key=row.dedup_key)
            if reply.text and self.late_sink is not None and not row.simulated:
                self.late_sink(row.openid, reply.text)
        return len(rows)

    # -- steps -------------------------------------------------------------------------------

    def _claim(self, inbound: Inbound) -> bool:
        """Store the message before handling it; False when it is a retry of one already stored."""
        row = InboundMessage(
            dedup_key=inbound.dedup_key,
            openid=inbound.openid,
            kind=inbound.kind,
            event=inbound.event,
            content=inbound.text or inbound.event_key or "",
            simulated=inbound.simulated,
        )
        with Session(self.engine) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        return True

    def _reply_of_first(self, inbound: Inbound, wait_seconds: float) -> Reply:
        deadline = time.monotonic() + wait_seconds
        while True:
            with Session(self.engine) as session:
                row = session.exec(select(InboundMessage).where(InboundMessage.dedup_key == inbound.dedup_key)).first()
            if row is not None and row.status != InboundStatus.RECEIVED:
                return Reply(row.reply, intent=row.intent, faq_id=row.faq_id, ticket_id=row.ticket_id)
            if time.monotonic() >= deadline:
                # The first attempt is still running; its answer will follow as a late message.
                return Reply(None)
            time.sleep(RETRY_POLL_SECONDS)

    def _handle(self, inbound: Inbound, dedup_key: str | None = None) -> Reply:
        key = dedup_key or inbound.dedup_key
        try:
            for attempt in range(TURN_ATTEMPTS):
                try:
                    with Session(self.engine, expire_on_commit=False) as session:
                        reply = self._turn(session, inbound)
                        self._finish(session, key, reply, InboundStatus.HANDLED)
                        session.commit()
                    return reply
                except (StaleState, OperationalError) as error:
                    # Two messages of one resident raced (or SQLite refused a stale snapshot's write);
                    # everything of this attempt was rolled back, so running the turn again is safe.
                    if isinstance(error, OperationalError) and not _is_busy(error):
                        raise
                    if attempt == TURN_ATTEMPTS - 1:
                        raise
            raise AssertionError("unreachable")
        except Exception:
            log.exception("handling failed", extra={"msg_key": key, "openid": mask_openid(inbound.openid)})
            reply = Reply(texts.apology(self.settings.office_phone))
            with Session(self.engine) as session:
                self._finish(session, key, reply, InboundStatus.FAILED)
                session.commit()
            return reply

    def _turn(self, session: Session, inbound: Inbound) -> Reply:
        resident = resident_service.get_or_create(session=session, openid=inbound.openid)
        community = resident_service.community_of(session=session, resident=resident, settings=self.settings)
        store = DatabaseStateStore(session)
        state = store.load(inbound.openid)
        turn = Turn(
            session=session,
            inbound=inbound,
            settings=self.settings,
            community=community,
            resident=resident,
            state=state,
            knowledge=self.knowledge,
        )
        reply = dispatch(turn)
        if inbound.kind is not InboundKind.EVENT:
            resident.last_message_at = utcnow()
            session.add(resident)
        store.save(state)
        return reply

    @staticmethod
    def _finish(session: Session, key: str, reply: Reply, status: InboundStatus) -> None:
        row = session.exec(select(InboundMessage).where(InboundMessage.dedup_key == key)).one()
        row.status, row.reply, row.handled_at = status, reply.text, utcnow()
        row.intent, row.faq_id, row.ticket_id = reply.intent, reply.faq_id, reply.ticket_id
        session.add(row)
