"""`hotline purge`: keep personal data no longer than needed (PIPL Art. 19).

What is redacted after the retention period, and what stays:
- inbound messages: the text and the reply are blanked; the row (key, time, kind, intent) stays so
  retries are still recognised and the daily figures still count;
- finished tickets (resolved, closed, cancelled): contact and health details are removed from
  ``details`` and from the resident's notes on the timeline; type, times, priority and status stay;
- residents who unfollowed the account: name, phone, address and household size are removed.
Open tickets are never touched: someone is still working on them.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.models import InboundMessage
from core.settings import get_settings
from core.timeutil import utcnow
from residents.models import Resident
from tickets.models import OPEN_STATUSES, Ticket, TicketEvent

# Detail keys that identify a person or describe their health; anything else (type of request,
# quantity, delivery) is kept for the statistics.
PERSONAL_KEYS = frozenset(
    {
        "name", "phone", "address", "building", "patient", "age", "conditions", "symptoms", "message",
        "medicines", "spo2", "red_flags", "hospital", "repeats", "for_whom", "relation", "pregnant",
        "infant", "lives_alone", "chronic", "dialysis", "disabled", "text", "notes",
    }
)  # fmt: skip
REDACTED = "（已按保存期限删除）"


@dataclass(frozen=True)
class PurgeReport:
    messages: int
    tickets: int
    residents: int


def purge(*, session: Session, days: int) -> PurgeReport:
    """Redact personal data older than ``days`` days; the caller commits."""
    cutoff = utcnow() - timedelta(days=days)
    messages = session.execute(
        update(InboundMessage)
        .where(col(InboundMessage.received_at) < cutoff, col(InboundMessage.content) != "")
        .values(content="", reply=None)
    ).rowcount  # type: ignore[attr-defined]
    tickets = 0
    finished = select(Ticket).where(col(Ticket.status).not_in(OPEN_STATUSES), col(Ticket.updated_at) < cutoff)
    for ticket in session.exec(finished):
        if not PERSONAL_KEYS & set(ticket.details):
            continue
        ticket.details = {key: value for key, value in ticket.details.items() if key not in PERSONAL_KEYS}
        assert ticket.id is not None
        session.execute(
            update(TicketEvent)
            .where(col(TicketEvent.ticket_id) == ticket.id, col(TicketEvent.actor) == "resident")
            .values(note=REDACTED)
        )
        session.add(ticket)
        tickets += 1
    residents = 0
    gone = select(Resident).where(col(Resident.subscribed).is_(False), col(Resident.updated_at) < cutoff)
    for resident in session.exec(gone):
        if any((resident.name, resident.phone, resident.address, resident.household_size)):
            resident.name = resident.phone = resident.address = resident.building = None
            resident.household_size = None
            session.add(resident)
            residents += 1
    return PurgeReport(messages=messages, tickets=tickets, residents=residents)


def cmd_purge(args: argparse.Namespace) -> int:
    from core.db import session_scope

    if args.days < 0:
        print("error: --days must be 0 or more", file=sys.stderr)
        return 2
    if not args.yes and not _confirmed(args.days):
        print("nothing redacted")
        return 1
    engine = args.open_engine(get_settings().database_url)
    with session_scope(engine) as session:
        report = purge(session=session, days=args.days)
    print(
        f"older than {args.days} days: {report.messages} messages, {report.tickets} finished tickets, "
        f"{report.residents} former followers redacted"
    )
    return 0


def _confirmed(days: int) -> bool:
    """Redaction cannot be undone: asked at a terminal; from cron (no terminal) only with --yes."""
    if not sys.stdin.isatty():
        print("error: this redacts personal data for good; run it with --yes (e.g. from cron)", file=sys.stderr)
        return False
    answer = input(f"Redact personal data older than {days} days? This cannot be undone. [y/N] ")
    return answer.strip().lower() in {"y", "yes"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("purge", help="redact personal data past the retention period (run daily)")
    parser.add_argument("--days", type=int, default=180, help="retention period in days (default 180)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation (cron)")
    parser.set_defaults(func=cmd_purge)
