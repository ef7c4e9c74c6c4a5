"""A resident on WeChat (signed XML to /wechat) and delivering the outbox to the fake, for console tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.api.wechat_helpers import signed_query, text_xml
from tickets.models import Ticket


def resident_says(web: TestClient, openid: str, text: str) -> str:
    """What the bot answers the resident (the passive reply)."""
    response = web.post("/wechat", params=signed_query(), content=text_xml(openid, text).encode())
    assert response.status_code == 200, response.text
    return "" if response.text == "success" else ET.fromstring(response.text).findtext("Content") or ""


def deliver(web: TestClient) -> None:
    """One pass of the in-process worker: the outbox goes to the fake WeChat."""
    web.app.state.ticket_worker.run_once()  # type: ignore[attr-defined]


def latest_ticket(engine: Engine, openid: str) -> Ticket:
    with Session(engine) as session:
        ticket = session.exec(
            select(Ticket).where(col(Ticket.openid) == openid).order_by(col(Ticket.id).desc())
        ).first()
        assert ticket is not None
        return ticket
