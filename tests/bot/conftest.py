"""Talking to the bot as a resident would: signed plaintext XML POSTs to /wechat.

A chat opened with ``transport="simulate"`` goes through POST /api/simulate instead (the same
pipeline), for tests that read the contract's ``intent`` / ``faq_id`` / ``ticket_id`` fields. Menu
clicks are CLICK events posted to /wechat.
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

from residents.models import Resident
from tests.api.wechat_helpers import cdata
from tests.conftest import TEST_TOKEN
from tickets.models import Ticket, TicketEvent

_sequence = itertools.count(1)


def _signed_query() -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), f"n{next(_sequence)}"
    signature = hashlib.sha1("".join(sorted([TEST_TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def _text_xml(openid: str, text: str) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content>{cdata(text)}</Content>"
        f"<MsgId>{int(time.time() * 1000)}{next(_sequence)}</MsgId></xml>"
    )


def _click_xml(openid: str, key: str) -> str:
    # Events are keyed by sender and CreateTime: a distinct time per click, as WeChat's would be.
    return (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time()) + next(_sequence)}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
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
    transport: str = "wechat"

    def say(self, text: str) -> str:
        self.sent += 1
        if self.transport == "wechat":
            content = self._post_wechat(_text_xml(self.openid, text))
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
        """A custom-menu CLICK event, posted to /wechat."""
        self.sent += 1
        content = self._post_wechat(_click_xml(self.openid, key))
        self.replies.append(content)
        return content

    def _post_wechat(self, body: str) -> str:
        response = self.client.post("/wechat", params=_signed_query(), content=body.encode())
        assert response.status_code == 200, response.text
        if response.text == "success":
            return ""
        return ET.fromstring(response.text).findtext("Content") or ""


@pytest.fixture
def chat(client: TestClient, admin_headers: dict[str, str]) -> Callable[..., Chat]:
    def make(openid: str = "oResidentA", on: TestClient | None = None, transport: str = "wechat") -> Chat:
        return Chat(on or client, admin_headers, openid, transport=transport)

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


def member_resolves_consult(me: Chat, db: Callable[[], Session]) -> None:
    """The member resolves the resident's one consult ticket through the API, as the console does."""
    [consult] = tickets_of(db(), me.openid)
    response = me.client.post(
        f"/api/tickets/{consult.id}/transition", json={"to_status": "resolved"}, headers=me.headers
    )
    assert response.status_code == 200, response.text


def resident(session: Session, openid: str) -> Resident:
    return session.exec(select(Resident).where(Resident.openid == openid)).one()


def notes_of(session: Session, ticket_id: int) -> list[str]:
    events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))  # type: ignore[arg-type]
    return [event.note for event in events if event.actor == "resident" and event.note]


def request_antigen(me: Chat) -> str:
    """A new resident's whole antigen request (consent, household, quantity, pick-up, address, phone, 1)."""
    for text in ("我要抗原", "同意", "3", "3", "1", "8栋1单元302", "王阿姨 13812345678"):
        me.say(text)
    confirmation = me.say("1")
    assert "单号" in confirmation, confirmation
    return confirmation


def medicine_up_to_the_age(me: Chat) -> None:
    """A medicine request brought to its "多大年纪" question."""
    me.say("我要退烧药")
    me.say("同意")
    assert "多大年纪" in me.say("2")
