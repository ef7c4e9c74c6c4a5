"""The ``inboundmessage`` table as the pipeline keeps it: stored before handling, answered once.

Every message writes here twice, so both statements are built once and run with parameters
(building one per message cost more than running it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.messages import Inbound, InboundKind, Reply
from bot.models import InboundMessage, InboundStatus
from core.timeutil import utcnow

_INBOUND = InboundMessage.__table__  # type: ignore[attr-defined]
_STORE = insert(_INBOUND)
_ANSWER = update(_INBOUND).where(_INBOUND.c.dedup_key == bindparam("answered_key"))


def store(connection: Connection, inbound: Inbound, status: InboundStatus) -> bool:
    """Store ``inbound`` and commit; False when it is a retry of a message already stored."""
    values: dict[str, Any] = {
        "dedup_key": inbound.dedup_key,
        "openid": inbound.sender,
        "kind": str(inbound.kind),
        "event": inbound.event,
        "content": inbound.text or inbound.event_key or "",
        "simulated": inbound.simulated,
        "status": str(status),
        "received_at": utcnow(),
    }
    try:
        with connection.begin():  # a Core insert: the ORM's unit of work is most of its cost
            if connection.dialect.name == "postgresql":
                # No wait for this commit's WAL flush (the longest step of a message on PostgreSQL):
                # the turn's own commit flushes the WAL past it, and if the server crashes before
                # that, the turn fails too and the message is answered with an apology or retried.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            connection.execute(_STORE, values)
    except IntegrityError:
        return False
    return True


def answer(session: Session, key: str, reply: Reply, status: InboundStatus) -> None:
    """Keep the reply given to the message stored under ``key`` (in the session's transaction)."""
    session.connection().execute(
        _ANSWER,
        {
            "answered_key": key,
            "status": str(status),
            "reply": reply.text,
            "handled_at": utcnow(),
            "intent": reply.intent,
            "faq_id": reply.faq_id,
            "ticket_id": reply.ticket_id,
        },
    )


def inbound_of(row: InboundMessage) -> Inbound:
    """The inbound a stored row was made from (its dedup key is the row's)."""
    return Inbound(
        sender=row.openid,
        kind=InboundKind(row.kind) if row.kind in set(InboundKind) else InboundKind.UNKNOWN,
        created_at=row.received_at,
        text=None if row.event else row.content or None,
        event=row.event,
        event_key=row.content or None if row.event else None,
        simulated=row.simulated,
    )
