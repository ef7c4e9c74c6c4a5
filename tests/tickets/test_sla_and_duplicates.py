"""SLA escalation under a controllable clock, and duplicate requests merged into the open ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.settings import Settings
from tests.conftest import FrozenClock
from tickets import service as ticket_service
from tickets import sla, workflow
from tickets.exceptions import InvalidTransition
from tickets.models import OutboxKind, OutboxMessage, Priority, Source, Ticket, TicketStatus


def _new(engine: Engine, settings: Settings, **kwargs: object) -> Ticket:
    values: dict[str, object] = {"type": "medicine", "openid": "oResident", "details": {"address": "8栋"}}
    values.update(kwargs)
    with Session(engine, expire_on_commit=False) as session:
        ticket = ticket_service.create(session=session, settings=settings, **values)  # type: ignore[arg-type]
        session.commit()
        return ticket


def _outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def test_an_unacknowledged_ticket_escalates_once_to_the_backup(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    ticket = _new(grid_map, tsettings)
    assert ticket.ack_due_at == clock.now() + timedelta(hours=4)  # normal: 240 minutes by default
    before = len(_outbox(grid_map))
    clock.advance(hours=3, minutes=59)
    assert sla.sweep(engine=grid_map, settings=tsettings) == []
    clock.advance(minutes=2)
    assert sla.sweep(engine=grid_map, settings=tsettings) == [ticket.id]
    assert sla.sweep(engine=grid_map, settings=tsettings) == []  # never twice
    with Session(grid_map) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None and stored.overdue and stored.escalated_at == clock.now()
        assert stored.assignee == "wangwei"  # it stays with the member; the backup is told
        events = ticket_service.timeline(session=session, ticket_id=ticket.id or 0)
        assert events[-1].action == "escalated" and "boss" in events[-1].note
    sent = _outbox(grid_map)[before:]
    assert {m.kind for m in sent} == {OutboxKind.WECHAT_TEMPLATE, OutboxKind.WECOM_ROBOT}
    template = next(m for m in sent if m.kind == OutboxKind.WECHAT_TEMPLATE)
    assert template.target == "oAdmin" and "超时" in template.payload["data"]["first"]


def test_acknowledging_stops_the_clock_and_deadlines_follow_the_settings(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    faster = tsettings.model_copy(update={"sla_urgent_minutes": 3})
    urgent = _new(grid_map, faster, type="emergency")
    claimed = _new(grid_map, faster, type="antigen", openid="oOther", priority=Priority.HIGH)
    assert urgent.ack_due_at == clock.now() + timedelta(minutes=3)
    with Session(grid_map) as session:
        ticket = session.get(Ticket, claimed.id)
        assert ticket is not None
        ticket_service.transition(
            session=session, ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor="wangwei", settings=faster
        )
        session.commit()
        assert ticket.acknowledged_at == clock.now()
    clock.advance(hours=2)
    assert sla.sweep(engine=grid_map, settings=faster) == [urgent.id]


def test_an_unrouted_ticket_is_held_by_the_admin_and_stays_with_them_when_overdue(
    db: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    from tests.tickets.conftest import add_user

    add_user(db, "boss", "admin", openid="oAdmin")
    ticket = _new(db, tsettings, details={"address": "99栋"})
    assert ticket.assignee == "boss" and ticket.backup is None  # issue #15: never without an owner
    clock.advance(hours=5)
    sla.sweep(engine=db, settings=tsettings)
    with Session(db) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None and stored.assignee == "boss" and stored.overdue


def test_the_same_request_while_open_is_added_to_the_open_ticket(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    first = _new(grid_map, tsettings, details={"address": "8栋", "quantity": 2})
    clock.advance(minutes=5)
    with Session(grid_map, expire_on_commit=False) as session:
        again = ticket_service.create_or_merge(
            session=session,
            type="medicine",
            openid="oResident",
            details={"address": "8栋", "quantity": 3, "note": "很急"},
            settings=tsettings,
        )
        session.commit()
    assert again.merged and again.ticket.id == first.id
    assert again.ticket.merged_count == 1
    assert again.ticket.details["quantity"] == 2 and again.ticket.details["note"] == "很急"
    assert again.ticket.details["repeats"][0]["quantity"] == 3
    with Session(grid_map) as session:
        assert len(session.exec(select(Ticket)).all()) == 1
        events = ticket_service.timeline(session=session, ticket_id=first.id or 0)
        assert events[-1].action == "merged" and "再次提交" in events[-1].note

    other_type = _new(grid_map, tsettings, type="antigen")
    assert other_type.id != first.id
    with Session(grid_map) as session:
        ticket = session.get(Ticket, first.id)
        assert ticket is not None
        ticket_service.transition(
            session=session, ticket=ticket, to_status="cancelled", actor="resident", settings=tsettings
        )
        session.commit()
    assert _new(grid_map, tsettings).id != first.id  # closed or cancelled: a new request is a new ticket


def test_a_repeated_request_can_raise_the_priority(grid_map: Engine, tsettings: Settings, clock: FrozenClock) -> None:
    first = _new(grid_map, tsettings, type="referral")
    assert first.priority == Priority.NORMAL
    with Session(grid_map, expire_on_commit=False) as session:
        again = ticket_service.create_or_merge(
            session=session, type="referral", openid="oResident", details={"conditions": ["孕妇"]}, settings=tsettings
        )
        session.commit()
    assert again.merged and again.ticket.priority == Priority.HIGH
    assert again.ticket.ack_due_at == clock.now() + timedelta(hours=1)


def test_simulated_tickets_notify_nobody(grid_map: Engine, tsettings: Settings, clock: FrozenClock) -> None:
    before = len(_outbox(grid_map))
    ticket = _new(grid_map, tsettings, source=Source.SIMULATED, type="emergency", openid="sim-1")
    assert ticket.assignee == "wangwei" and ticket.simulated
    real = _new(grid_map, tsettings, type="emergency", openid="sim-1")
    assert real.id != ticket.id  # a real request is never merged into a simulated one
    after_real = len(_outbox(grid_map))
    assert after_real > before
    clock.advance(hours=1)
    with Session(grid_map) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        ticket_service.transition(
            session=session, ticket=stored, to_status="in_progress", actor="wangwei", settings=tsettings
        )
        session.commit()
    sla.sweep(engine=grid_map, settings=tsettings)
    assert all(m.ticket_id != ticket.id for m in _outbox(grid_map))


def test_a_resident_cannot_make_an_emergency_disappear(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    urgent = _new(grid_map, tsettings, type="emergency", details={"address": "8栋", "message": "呼吸困难"})
    medicine = _new(grid_map, tsettings)
    with Session(grid_map, expire_on_commit=False) as session:
        stored = session.get(Ticket, urgent.id)
        assert stored is not None
        with pytest.raises(InvalidTransition):
            workflow.transition(
                session=session, ticket=stored, to_status="cancelled", actor="resident", settings=tsettings
            )
        assert workflow.cancel_for_resident(session=session, ticket=stored, settings=tsettings) is False
        plain = session.get(Ticket, medicine.id)
        assert plain is not None
        assert workflow.cancel_for_resident(session=session, ticket=plain, settings=tsettings) is True
        session.commit()
        assert stored.is_open and plain.status == TicketStatus.CANCELLED
        # A member may still close or cancel it, after the call.
        workflow.transition(session=session, ticket=stored, to_status="cancelled", actor="wangwei", settings=tsettings)
    told = [m for m in _outbox(grid_map) if m.dedup_key.endswith(f"{urgent.id}:withdrawn:member:{urgent.assignee}")]
    assert len(told) == 1 and "确认" in told[0].payload["data"]["first"]
