"""Talking to the bot as a resident would, through one transport switchable in one place.

``TRANSPORT`` is "wechat" (signed plaintext XML POSTs to /wechat) once api/wechat.py exists, else
"simulate" (POST /api/simulate with a bearer token). Menu clicks always go through the pipeline
the /wechat route uses, as a CLICK event.
"""

from __future__ import annotations

import hashlib
import itertools
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.messages import Inbound, InboundKind
from hotline.timeutil import utcnow
from residents.models import Resident
from tests.conftest import TEST_TOKEN
from tickets.models import Ticket, TicketEvent

_sequence = itertools.count(1)


def _has_wechat_route(client: TestClient) -> bool:
    return any(getattr(route, "path", None) == "/wechat" for route in client.app.routes)  # type: ignore[attr-defined]


def _signed_query() -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), f"n{next(_sequence)}"
    signature = hashlib.sha1("".join(sorted([TEST_TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def _text_xml(openid: str, text: str) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{int(time.time() * 1000)}{next(_sequence)}</MsgId></xml>"
    )


@dataclass
class Chat:
    """One resident's side of the conversation."""

    client: TestClient
    headers: dict[str, str]
    openid: str
    sent: int = 0
    replies: list[str] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str) -> str:
        self.sent += 1
        if _has_wechat_route(self.client):
            response = self.client.post(
                "/wechat", params=_signed_query(), content=_text_xml(self.openid, text).encode()
            )
            assert response.status_code == 200, response.text
            content = ET.fromstring(response.text).findtext("Content") or ""
            self.last = {"reply": content}
        else:
            response = self.client.post(
                "/api/simulate", json={"openid": self.openid, "text": text}, headers=self.headers
            )
            assert response.status_code == 200, response.text
            self.last = response.json()
            content = self.last["reply"]
        self.replies.append(content)
        return content

    def click(self, key: str) -> str:
        """A custom-menu CLICK, through the same pipeline as /wechat."""
        self.sent += 1
        pipeline = self.client.app.state.pipeline  # type: ignore[attr-defined]
        inbound = Inbound(
            openid=self.openid,
            kind=InboundKind.EVENT,
            created_at=utcnow(),
            event="click",
            event_key=key,
            simulated=True,
        )
        reply = pipeline.process(inbound)
        self.replies.append(reply.text or "")
        return reply.text or ""


@pytest.fixture
def chat(client: TestClient, admin_headers: dict[str, str]) -> Callable[..., Chat]:
    def make(openid: str = "oResidentA", on: TestClient | None = None) -> Chat:
        return Chat(on or client, admin_headers, openid)

    return make


@pytest.fixture
def db(engine: Engine) -> Iterator[Callable[[], Session]]:
    """Fresh sessions for reading what the bot stored (each sees the latest commit)."""
    opened: list[Session] = []

    def open_session() -> Session:
        session = Session(engine, expire_on_commit=False)
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()


def tickets_of(session: Session, openid: str) -> list[Ticket]:
    return list(session.exec(select(Ticket).where(Ticket.openid == openid).order_by(Ticket.id)))  # type: ignore[arg-type]


def resident(session: Session, openid: str) -> Resident:
    return session.exec(select(Resident).where(Resident.openid == openid)).one()


def notes_of(session: Session, ticket_id: int) -> list[str]:
    events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))  # type: ignore[arg-type]
    return [event.note for event in events if event.actor == "resident" and event.note]
