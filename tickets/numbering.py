"""Human ticket numbers: the community's local day and a per-day sequence, e.g. 20260122-0007."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from core.settings import Settings
from core.timeutil import local, utcnow
from tickets.models import TicketCounter


def next_number(*, session: Session, settings: Settings) -> str:
    """A number unique across instances: one atomic upsert ... RETURNING per ticket.

    The row lock the upsert takes is held until the caller commits, so numbers of concurrent
    tickets are handed out in order and a rolled-back ticket gives its number back.
    """
    day = local(utcnow(), settings.timezone).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(TicketCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": TicketCounter.last + 1})
        .returning(col(TicketCounter.last))
    )
    last = session.execute(statement).scalar_one()
    return f"{day}-{last:04d}"
