"""`hotline purge`: personal data is kept no longer than the retention period (PIPL Art. 19)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import InboundMessage
from hotline.retention import REDACTED, purge
from residents.models import Resident
from tests.bot.conftest import Chat, tickets_of
from tests.conftest import FrozenClock
from tickets.models import TicketEvent


def _request(me: Chat) -> None:
    for text in ("社区有抗原发吗", "1", "同意", "3", "2", "1", "8栋1单元302", "张阿姨 13812345678", "1"):
        me.say(text)


def test_old_personal_data_is_redacted_and_open_work_is_kept(
    chat: Callable[..., Chat], engine: Engine, clock: FrozenClock
) -> None:
    done, pending = chat("oDone"), chat("oPending")
    _request(done)
    _request(pending)
    with Session(engine) as session:
        [finished] = tickets_of(session, "oDone")
        finished.status = "resolved"
        session.add(finished)
        session.add(TicketEvent(ticket_id=finished.id, actor="resident", action="note", note="我电话13812345678"))
        gone = session.exec(select(Resident).where(Resident.openid == "oDone")).one()
        gone.subscribed = False
        session.add(gone)
        session.commit()

    clock.advance(days=181)
    with Session(engine) as session:
        report = purge(session=session, days=180)
        session.commit()
    assert (report.messages, report.tickets, report.residents) == (18, 1, 1)

    with Session(engine) as session:
        assert all(row.content == "" and row.reply is None for row in session.exec(select(InboundMessage)))
        [finished] = tickets_of(session, "oDone")
        assert "phone" not in finished.details and "address" not in finished.details
        assert finished.details["quantity"] == 2  # what was asked stays for the figures
        notes = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == finished.id)).all()
        assert all("13812345678" not in event.note for event in notes)
        assert any(event.note == REDACTED for event in notes)
        [open_ticket] = tickets_of(session, "oPending")
        assert open_ticket.details["phone"] == "13812345678"  # someone is still working on it
        former = session.exec(select(Resident).where(Resident.openid == "oDone")).one()
        assert former.phone is None and former.address is None
        follower = session.exec(select(Resident).where(Resident.openid == "oPending")).one()
        assert follower.phone == "13812345678"


def test_nothing_recent_is_touched(chat: Callable[..., Chat], engine: Engine) -> None:
    _request(chat("oRecent"))
    with Session(engine) as session:
        report = purge(session=session, days=180)
    assert (report.messages, report.tickets, report.residents) == (0, 0, 0)
