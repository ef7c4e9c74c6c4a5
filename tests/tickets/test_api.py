"""/api/tickets: the offline channel, listings with filters, the timeline, per-community access."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.settings import Settings
from residents.models import Community
from tests.conftest import FrozenClock, make_token
from tests.tickets.conftest import add_user, resident_said_recently
from tickets.grids import import_csv
from tickets.models import OutboxMessage


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(engine: Engine, settings: Settings) -> dict[str, dict[str, str]]:
    for name, shown in (("wangwei", "王伟"), ("lina", "李娜")):
        add_user(engine, name, display_name=shown)
    with Session(engine) as session:
        rows = "grid,building,member,community\n第一网格,8栋,wangwei,\n第二网格,3栋,lina,\n东区,12栋,,和平社区\n"
        import_csv(session=session, text=rows, settings=settings)
        session.commit()
        peace = session.exec(select(Community).where(Community.name == "和平社区")).one()
    add_user(engine, "outsider", community_id=peace.id)
    headers = {}
    for name in ("wangwei", "lina", "outsider"):
        with Session(engine) as session:
            from residents import accounts

            headers[name] = _bearer(accounts.issue_token(session=session, username=name))
            session.commit()
    headers["staff"] = _bearer(make_token(engine, "clerk", "staff"))
    return headers


def test_staff_enter_a_phone_call_and_it_is_routed_and_listed(
    client: TestClient, engine: Engine, settings: Settings, clock: FrozenClock
) -> None:
    who = _setup(engine, settings)
    answer = client.post(
        "/api/tickets",
        headers=who["staff"],
        json={
            "type": "medicine",
            "name": "张大爷",
            "phone": "13812345678",
            "address": "8栋2单元101",
            "details": {"age": 78, "lives_alone": True, "medicine": "降压药"},
        },
    )
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["source"] == "phone" and ticket["assignee"] == "wangwei" and ticket["priority"] == "high"
    assert ticket["details"]["phone"] == "13812345678" and [e["action"] for e in ticket["timeline"]] == [
        "created",
        "assigned",
    ]
    assert answer.headers["cache-control"] == "no-store"

    detail = client.get(f"/api/tickets/{ticket['id']}", headers=who["wangwei"]).json()
    assert detail["number"] == ticket["number"] and detail["timeline"][0]["actor"] == "clerk"

    mine = client.get("/api/tickets", headers=who["wangwei"]).json()
    assert mine["count"] == 1 and mine["data"][0]["id"] == ticket["id"]
    assert client.get("/api/tickets", headers=who["lina"]).json()["count"] == 0  # a member sees their own
    assert client.get("/api/tickets?mine=false", headers=who["lina"]).json()["count"] == 1  # …or the community's
    assert (
        client.get("/api/tickets?assignee=wangwei&type=medicine&status=assigned", headers=who["staff"]).json()["count"]
        == 1
    )
    assert client.get("/api/tickets?status=closed", headers=who["staff"]).json()["count"] == 0
    assert client.get("/api/tickets?overdue=true", headers=who["staff"]).json()["count"] == 0
    clock.advance(hours=2)
    assert client.get("/api/tickets?overdue=true", headers=who["staff"]).json()["count"] == 1


def test_another_communitys_member_gets_403_and_a_missing_ticket_404(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    who = _setup(engine, settings)
    ticket = client.post("/api/tickets", headers=who["staff"], json={"type": "antigen", "building": "3栋"}).json()
    assert client.get(f"/api/tickets/{ticket['id']}", headers=who["outsider"]).status_code == 403
    moved = client.post(
        f"/api/tickets/{ticket['id']}/transition", headers=who["outsider"], json={"to_status": "in_progress"}
    )
    assert moved.status_code == 403
    assert client.get("/api/tickets?mine=false", headers=who["outsider"]).json()["count"] == 0
    assert client.get("/api/tickets/999999", headers=who["staff"]).status_code == 404
    assert client.get("/api/tickets").status_code == 401
    refused = client.post("/api/tickets", headers=who["outsider"], json={"type": "antigen", "community_id": 1})
    assert refused.status_code == 403


def test_transitions_notes_and_replies_build_the_timeline(
    client: TestClient, engine: Engine, settings: Settings, clock: FrozenClock
) -> None:
    who = _setup(engine, settings)
    resident_said_recently(engine, "oResident", at=clock.now())
    created = client.post(
        "/api/tickets",
        headers=who["staff"],
        json={"type": "referral", "openid": "oResident", "address": "3栋", "source": "console"},
    ).json()
    url = f"/api/tickets/{created['id']}"
    assert client.post(f"{url}/transition", headers=who["lina"], json={"to_status": "in_progress"}).status_code == 200
    noted = client.post(f"{url}/notes", headers=who["lina"], json={"note": "已联系120急救中心"})
    assert noted.status_code == 201
    replied = client.post(f"{url}/reply", headers=who["lina"], json={"text": "车辆已安排，请在楼下等候"})
    assert replied.status_code == 201, replied.text
    bad = client.post(f"{url}/transition", headers=who["lina"], json={"to_status": "new"})
    assert bad.status_code == 409 and bad.json()["detail"]["code"] == "invalid_transition"
    done = client.post(f"{url}/transition", headers=who["lina"], json={"to_status": "resolved", "note": "已送医"})
    timeline = done.json()["timeline"]
    assert [e["action"] for e in timeline] == ["created", "assigned", "status", "note", "reply", "status"]
    assert timeline[-1]["actor"] == "lina" and timeline[-1]["to_status"] == "resolved"
    assert done.json()["acknowledged_at"] is not None
    with Session(engine) as session:
        to_resident = session.exec(select(OutboxMessage).where(OutboxMessage.target == "oResident")).all()
    texts = [m.payload["text"] for m in to_resident]
    assert any("车辆已安排" in t for t in texts) and any("已办结" in t for t in texts)
    assert client.post(f"{url}/transition", headers=who["lina"], json={"to_status": "closed"}).status_code == 200


def test_validation_errors_name_the_field(client: TestClient, engine: Engine, settings: Settings) -> None:
    who = _setup(engine, settings)
    missing = client.post("/api/tickets", headers=who["staff"], json={"type": "teleport"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "type"]
    ticket = client.post("/api/tickets", headers=who["staff"], json={"type": "consult", "phone": "13812345678"}).json()
    url = f"/api/tickets/{ticket['id']}"
    nobody = client.post(f"{url}/transition", headers=who["staff"], json={"to_status": "assigned", "assignee": "ghost"})
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["loc"] == ["body", "assignee"]
    foreign = client.post(
        f"{url}/transition", headers=who["staff"], json={"to_status": "assigned", "assignee": "outsider"}
    )
    assert foreign.status_code == 422
    moved = client.post(f"{url}/transition", headers=who["staff"], json={"to_status": "assigned", "assignee": "lina"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "lina"
    phone_only = client.post(f"{url}/reply", headers=who["staff"], json={"text": "您好"})
    assert phone_only.status_code == 409 and phone_only.json()["detail"]["field"] == "text"
    assert client.post(f"{url}/notes", headers=who["staff"], json={"note": ""}).status_code == 422


def test_a_repeated_call_is_merged_and_answered_200(
    client: TestClient, engine: Engine, settings: Settings, clock: FrozenClock
) -> None:
    who = _setup(engine, settings)
    body = {"type": "antigen", "openid": "oResident", "address": "8栋"}
    first = client.post("/api/tickets", headers=who["staff"], json=body)
    clock.advance(minutes=3)
    again = client.post("/api/tickets", headers=who["staff"], json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["merged"] and again.json()["id"] == first.json()["id"]
    assert again.json()["ack_due_at"] == first.json()["ack_due_at"]
