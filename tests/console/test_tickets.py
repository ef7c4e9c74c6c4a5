"""Tickets in the console: lists, a ticket worked from new to resolved, replies reaching the resident."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.settings import Settings
from residents.models import AuditEntry, Community
from tests.console.conftest import form_token
from tests.console.helpers import deliver, latest_ticket, resident_says
from tests.fakes.wechat_api import FakeWeChat
from tickets import service as ticket_service
from tickets.models import Ticket, TicketEvent


def _other_community_ticket(engine: Engine, settings: Settings) -> int:
    with Session(engine) as session:
        other = Community(name="和平社区")
        session.add(other)
        session.flush()
        ticket = ticket_service.create(
            session=session, type="antigen", openid=None, details={}, community_id=other.id, settings=settings
        )
        session.commit()
        assert ticket.id is not None
        return ticket.id


def test_the_list_shows_my_tickets_first_and_the_communitys(
    login: Callable[[str], TestClient], fake: FakeWeChat, db: Engine
) -> None:
    web = login("wangwei")
    resident_says(web, "oResidentA", "转人工")
    page = web.get("/console/tickets")
    assert page.status_code == 200 and page.template.name == "tickets.html"  # type: ignore[attr-defined]
    context = page.context  # type: ignore[attr-defined]
    assert {"mine", "tickets", "count", "filters", "late", "latest"} <= set(context)
    ticket = latest_ticket(db, "oResidentA")
    assert [t.id for t in context["tickets"]] == [ticket.id]
    assert web.get("/console/tickets/latest").json() == {"latest": ticket.id}
    # Search by number and filters narrow the list.
    assert web.get(f"/console/tickets?q={ticket.number}").context["count"] == 1  # type: ignore[attr-defined]
    assert web.get("/console/tickets?type=medicine").context["count"] == 0  # type: ignore[attr-defined]
    assert web.get("/console/tickets?status=open&overdue=0").context["count"] == 1  # type: ignore[attr-defined]


def test_a_member_works_a_bot_ticket_to_resolved_and_replies_on_wechat(
    login: Callable[[str], TestClient], fake: FakeWeChat, db: Engine
) -> None:
    web = login("wangwei")
    assert "转人工" in resident_says(web, "oResidentA", "转人工") or True
    resident_says(web, "oResidentA", "我家老人发烧了，药吃完了")
    ticket = latest_ticket(db, "oResidentA")
    page = web.get(f"/console/tickets/{ticket.id}")
    assert page.template.name == "ticket.html"  # type: ignore[attr-defined]
    assert page.context["may_act"] and page.context["claimable"]  # type: ignore[attr-defined]
    assert [e.note for e in page.context["chat"]] == ["我家老人发烧了，药吃完了"]  # type: ignore[attr-defined]
    token = form_token(web, f"/console/tickets/{ticket.id}")

    assert web.post(f"/console/tickets/{ticket.id}/claim", data={"csrf_token": token}).status_code == 303
    assert latest_ticket(db, "oResidentA").assignee == "wangwei"
    assert latest_ticket(db, "oResidentA").status == "in_progress"
    reply = web.post(f"/console/tickets/{ticket.id}/reply", data={"csrf_token": token, "text": "马上给您送药"})
    assert reply.status_code == 303
    web.post(f"/console/tickets/{ticket.id}/note", data={"csrf_token": token, "note": "已电话联系"})
    resolved = web.post(f"/console/tickets/{ticket.id}/status", data={"csrf_token": token, "to_status": "resolved"})
    assert resolved.status_code == 303
    assert latest_ticket(db, "oResidentA").status == "resolved"

    deliver(web)
    texts = [r.json["text"]["content"] for r in fake.sent("/cgi-bin/message/custom/send")]
    assert any("马上给您送药" in text for text in texts)
    assert all(r.json["touser"] == "oResidentA" for r in fake.sent("/cgi-bin/message/custom/send"))
    with Session(db) as session:
        actions = [e.action for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))]
        audited = session.exec(select(AuditEntry.detail).where(AuditEntry.action == "ticket")).all()
    assert "reply" in actions and "note" in actions
    assert {"claim", "reply", "note", "status resolved"} <= set(audited)
    chat = web.get(f"/console/tickets/{ticket.id}").context["chat"]  # type: ignore[attr-defined]
    assert [e.note for e in chat] == ["我家老人发烧了，药吃完了", "马上给您送药"]


def test_a_refused_transition_shows_the_reason(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("wangwei")
    resident_says(web, "oResidentB", "转人工")
    ticket = latest_ticket(db, "oResidentB")
    token = form_token(web, f"/console/tickets/{ticket.id}")
    web.post(f"/console/tickets/{ticket.id}/status", data={"csrf_token": token, "to_status": "closed"})
    again = web.post(f"/console/tickets/{ticket.id}/status", data={"csrf_token": token, "to_status": "resolved"})
    assert again.status_code == 409 and again.context["error"]  # type: ignore[attr-defined]


def test_reassign_to_a_colleague(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("clerk")
    resident_says(web, "oResidentC", "转人工")
    ticket = latest_ticket(db, "oResidentC")
    token = form_token(web, f"/console/tickets/{ticket.id}")
    response = web.post(f"/console/tickets/{ticket.id}/assign", data={"csrf_token": token, "assignee": "lina"})
    assert response.status_code == 303
    assert latest_ticket(db, "oResidentC").assignee == "lina"


def test_another_communitys_ticket_is_404_for_a_member(
    login: Callable[[str], TestClient], db: Engine, csettings: Settings
) -> None:
    other = _other_community_ticket(db, csettings)
    web = login("wangwei")
    assert web.get(f"/console/tickets/{other}").status_code == 404
    assert other not in [t.id for t in web.get("/console/tickets").context["tickets"]]  # type: ignore[attr-defined]
    token = form_token(web)
    assert web.post(f"/console/tickets/{other}/claim", data={"csrf_token": token}).status_code == 404
    with Session(db) as session:
        refusals = session.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all()
    assert [r.target for r in refusals][:1] == [f"/console/tickets/{other}"]


def test_actions_without_the_csrf_token_are_refused_and_logged(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("wangwei")
    resident_says(web, "oResidentD", "转人工")
    ticket = latest_ticket(db, "oResidentD")
    response = web.post(f"/console/tickets/{ticket.id}/claim", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert latest_ticket(db, "oResidentD").assignee != "wangwei"
    with Session(db) as session:
        refusal = session.exec(select(AuditEntry).where(AuditEntry.action == "refused")).first()
    assert refusal is not None and "CSRF" in refusal.detail


def test_the_supervisor_reads_every_community_but_changes_nothing(
    login: Callable[[str], TestClient], db: Engine, csettings: Settings
) -> None:
    other = _other_community_ticket(db, csettings)
    web = login("street")
    with Session(db) as session:
        holder = session.get(Ticket, other).assignee  # type: ignore[union-attr]
    page = web.get(f"/console/tickets/{other}")
    assert page.status_code == 200 and not page.context["may_act"]  # type: ignore[attr-defined]
    assert page.context["details"] == {}  # type: ignore[attr-defined]
    token = form_token(web)
    assert web.post(f"/console/tickets/{other}/claim", data={"csrf_token": token}).status_code == 403
    with Session(db) as session:
        assert session.get(Ticket, other).assignee == holder  # type: ignore[union-attr]
