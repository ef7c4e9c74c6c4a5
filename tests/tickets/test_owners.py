"""Issue #15 in the ticket domain: an owner at all times, re-routing, escalation to whoever is on duty by
then, an emergency shown to everyone while nobody holds it, and a warning at start without a channel."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.settings import Settings
from hotline.app import create_app
from residents.models import Community
from tests.conftest import FrozenClock
from tests.tickets.conftest import add_user
from tickets import duty, notify, sla, workflow
from tickets import service as ticket_service
from tickets.models import OutboxMessage, Priority, Ticket, TicketEvent


def _new(engine: Engine, settings: Settings, type: str = "medicine", address: str = "99栋") -> Ticket:
    with Session(engine, expire_on_commit=False) as session:
        ticket = ticket_service.create(
            session=session, type=type, openid="oResident", details={"address": address}, settings=settings
        )
        session.commit()
        return ticket


def _shift(engine: Engine, settings: Settings, username: str, clock: FrozenClock, starts_in: float) -> None:
    with Session(engine) as session:
        community = session.exec(select(Community)).first()
        assert community is not None and community.id is not None
        start = clock.now() + timedelta(hours=starts_in)
        duty.set_shift(
            session=session,
            username=username,
            starts_at=start,
            ends_at=start + timedelta(hours=12),
            community_id=community.id,
            settings=settings,
        )
        session.commit()


def test_with_no_admin_the_communitys_staff_holds_the_ticket(
    db: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    add_user(db, "clerk", "staff")
    assert _new(db, tsettings).assignee == "clerk"


def test_escalation_goes_to_whoever_is_on_duty_by_then(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    ticket = _new(grid_map, tsettings, type="emergency")
    assert ticket.assignee == "boss" and ticket.priority == Priority.URGENT
    _shift(grid_map, tsettings, "zhaoduty", clock, starts_in=0.1)  # set now, starts in six minutes
    with Session(grid_map) as session:
        assert session.get(Ticket, ticket.id).assignee == "boss"  # type: ignore[union-attr]
    clock.advance(minutes=15)
    assert sla.sweep(engine=grid_map, settings=tsettings) == [ticket.id]
    with Session(grid_map) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None and stored.assignee == "zhaoduty"
        notes = [e.note for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
        assert "超过受理时限未受理，已升级至 zhaoduty" in notes
        assert not any("没有可升级" in note for note in notes)
        pages = session.exec(select(OutboxMessage).where(OutboxMessage.target == "oMemberZhao")).all()
        assert any(page.payload["data"]["first"] == "工单超时未受理，已转交给您" for page in pages)


def test_an_unheld_emergency_is_sent_to_every_member_staff_and_admin_until_claimed(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    add_user(grid_map, "clerk", "staff", openid="oClerk")
    ticket = _new(grid_map, tsettings, type="emergency")
    with Session(grid_map) as session:
        targets = {
            row.target for row in session.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))
        }
        assert {"oAdmin", "oClerk", "oMemberWang", "oMemberLi", "oMemberZhao"} <= targets
        reached = notify.reached_by(session=session, ticket=ticket, settings=tsettings)
        assert reached.group and {"boss", "clerk", "wangwei", "lina", "zhaoduty"} <= set(reached.people)
    clock.advance(minutes=15)  # nobody claimed it: everyone is told again at the deadline
    sla.sweep(engine=grid_map, settings=tsettings)
    with Session(grid_map) as session:
        again = session.exec(select(OutboxMessage).where(OutboxMessage.dedup_key.contains("escalated-all"))).all()  # type: ignore[attr-defined]
        assert {row.target for row in again} >= {"oMemberWang", "oClerk"}


def test_a_claimed_ticket_is_not_routed_again(grid_map: Engine, tsettings: Settings, clock: FrozenClock) -> None:
    ticket = _new(grid_map, tsettings)
    with Session(grid_map) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        workflow.transition(session=session, ticket=stored, to_status="in_progress", actor="boss", settings=tsettings)
        session.commit()
    _shift(grid_map, tsettings, "zhaoduty", clock, starts_in=-1)
    with Session(grid_map) as session:
        assert session.get(Ticket, ticket.id).assignee == "boss"  # type: ignore[union-attr]


def test_the_service_warns_at_start_when_no_member_channel_is_configured(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="hotline.app"), TestClient(create_app(settings)):
        pass
    assert any("no member notification channel" in record.getMessage() for record in caplog.records)
    caplog.clear()
    configured = settings.model_copy(update={"wecom_webhook_url": "http://127.0.0.1:9/robot"})
    with caplog.at_level(logging.WARNING, logger="hotline.app"), TestClient(create_app(configured)):
        pass
    assert not any("no member notification channel" in record.getMessage() for record in caplog.records)
