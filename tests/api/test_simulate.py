"""POST /api/simulate: the contract's shape, authentication, and the same pipeline as WeChat."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import InboundMessage
from tests.conftest import OFFICE_PHONE, make_token
from tickets.models import Ticket


def _say(client: TestClient, headers: dict[str, str], text: str, openid: str = "sim-resident") -> dict:
    response = client.post("/api/simulate", json={"openid": openid, "text": text}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_simulate_requires_a_bearer_token(client: TestClient) -> None:
    assert client.post("/api/simulate", json={"openid": "x", "text": "你好"}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/simulate", json={"openid": "x", "text": "你好"}, headers=bad).status_code == 401


def test_simulate_returns_the_contract_shape(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/api/simulate", json={"openid": "sim-1", "text": "帮助"}, headers=admin_headers)
    assert response.headers["cache-control"] == "no-store"  # personal data is never cached
    body = response.json()
    assert set(body) == {"reply", "intent", "faq_id", "ticket_id"}
    assert OFFICE_PHONE in body["reply"]


def test_simulate_validates_its_input(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/api/simulate", json={"openid": "", "text": "hi"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "openid"
    response = client.post("/api/simulate", json={"openid": "a"}, headers=admin_headers)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "text"


def test_member_tokens_may_simulate_too(client: TestClient, engine: Engine) -> None:
    headers = {"Authorization": f"Bearer {make_token(engine, 'member1', 'member')}"}
    assert _say(client, headers, "帮助")["reply"]


def test_an_antigen_request_through_the_simulator_is_stored_as_a_simulated_ticket(
    client: TestClient, admin_headers: dict[str, str], engine: Engine
) -> None:
    replies = [
        _say(client, admin_headers, text)
        for text in ("社区有抗原发吗", "1", "同意", "4个", "2", "2", "8栋1单元302", "王阿姨 138 1234 5678", "1")
    ]
    assert replies[0]["intent"] == "policy" and "回复“1”" in replies[0]["reply"]  # answered, then offered
    assert "同意" in replies[1]["reply"]
    assert replies[1]["intent"] == "antigen"
    last = replies[-1]
    assert last["ticket_id"] is not None and "单号" in last["reply"]
    with Session(engine) as session:
        ticket = session.get(Ticket, last["ticket_id"])
        assert ticket is not None
        assert ticket.source == "simulated" and ticket.type == "antigen"
        assert ticket.details["quantity"] == 2 and ticket.details["phone"] == "13812345678"
        # every turn went through the inbox like a WeChat message
        assert len(session.exec(select(InboundMessage)).all()) == len(replies)


def test_the_simulator_can_be_switched_off(client: TestClient, admin_headers: dict[str, str]) -> None:
    client.app.state.settings.simulator_enabled = False  # type: ignore[attr-defined]
    response = client.post("/api/simulate", json={"openid": "a", "text": "你好"}, headers=admin_headers)
    assert response.status_code == 404
