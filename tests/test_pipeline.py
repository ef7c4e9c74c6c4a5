"""The pipeline stores every message first, handles it once, and never answers with silence."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import pipeline as pipeline_module
from bot.messages import Inbound, InboundKind, Reply
from bot.models import Conversation, InboundMessage
from bot.pipeline import Pipeline
from bot.turn import Turn
from tests.conftest import OFFICE_PHONE


def _text(text: str, msg_id: str, openid: str = "oResident1") -> Inbound:
    return Inbound(
        sender=openid, kind=InboundKind.TEXT, created_at=datetime(2026, 1, 22, 9, tzinfo=UTC), msg_id=msg_id, text=text
    )


@pytest.fixture
def pipeline(client: TestClient) -> Pipeline:
    return client.app.state.pipeline  # type: ignore[attr-defined,no-any-return]


def test_a_retry_gets_the_same_reply_and_is_handled_once(pipeline: Pipeline, engine: Engine) -> None:
    first = pipeline.process(_text("帮助", "1001"))
    again = pipeline.process(_text("帮助", "1001"))
    assert first.text and first.text == again.text
    with Session(engine) as session:
        rows = session.exec(select(InboundMessage)).all()
    assert len(rows) == 1 and rows[0].status == "handled" and rows[0].reply == first.text


def test_the_same_msgid_from_another_sender_is_another_message(pipeline: Pipeline, engine: Engine) -> None:
    pipeline.process(_text("帮助", "1001", openid="oA"))
    pipeline.process(_text("帮助", "1001", openid="oB"))
    with Session(engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 2


def test_a_failing_handler_yields_an_apology_and_is_logged_with_the_message_key(
    pipeline: Pipeline, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(turn: Turn) -> Reply:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline_module, "dispatch", broken)
    with caplog.at_level(logging.ERROR):
        reply = pipeline.process(_text("我要退烧药", "2002"))
    assert reply.text and OFFICE_PHONE in reply.text and "抱歉" in reply.text
    assert any(getattr(record, "msg_key", "") == "m:oResident1:2002" for record in caplog.records)
    with Session(engine) as session:
        row = session.exec(select(InboundMessage)).one()
    assert row.status == "failed" and row.content == "我要退烧药"
    # a retry of the failed message gets the same apology, not a second attempt
    assert pipeline.process(_text("我要退烧药", "2002")).text == reply.text


def test_two_messages_of_one_resident_at_once_both_count(
    pipeline: Pipeline, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Optimistic versioning: the slower turn is run again instead of overwriting the faster one."""
    slow_loaded = threading.Event()

    def counting(turn: Turn) -> Reply:
        turn.state.extra["seen"] = [*turn.state.extra.get("seen", []), turn.inbound.text]
        if turn.inbound.text == "slow" and not slow_loaded.is_set():
            slow_loaded.set()
            time.sleep(0.5)
        return Reply("ok")

    monkeypatch.setattr(pipeline_module, "dispatch", counting)
    pipeline.process(_text("first", "1"))  # the conversation row exists from here on
    worker = threading.Thread(target=pipeline.process, args=(_text("slow", "2"),))
    worker.start()
    assert slow_loaded.wait(5)
    pipeline.process(_text("fast", "3"))
    worker.join(10)
    with Session(engine) as session:
        conversation = session.get(Conversation, "oResident1")
        assert conversation is not None
        assert sorted(conversation.context["seen"]) == ["fast", "first", "slow"]
        statuses = {row.content: row.status for row in session.exec(select(InboundMessage))}
    assert statuses == {"first": "handled", "slow": "handled", "fast": "handled"}


def test_messages_left_unanswered_by_a_crash_are_answered_late(
    pipeline: Pipeline, engine: Engine, clock: object
) -> None:
    with Session(engine) as session:
        session.add(InboundMessage(dedup_key="m:oCrash:9", openid="oCrash", kind="text", content="帮助"))
        session.commit()
    clock.advance(minutes=5)  # type: ignore[attr-defined]
    sent: list[tuple[str, str]] = []
    pipeline.late_sink = lambda openid, text: sent.append((openid, text))
    assert pipeline.recover() == 1
    assert sent and sent[0][0] == "oCrash" and OFFICE_PHONE in sent[0][1]
    with Session(engine) as session:
        assert session.exec(select(InboundMessage)).one().status == "handled"
    assert pipeline.recover() == 0


def test_delivery_reports_are_acknowledged_without_being_stored(pipeline: Pipeline, engine: Engine) -> None:
    report = Inbound(
        sender="oMember",
        kind=InboundKind.EVENT,
        created_at=datetime(2026, 1, 22, tzinfo=UTC),
        event="templatesendjobfinish",
    )
    assert pipeline.process(report).text is None
    with Session(engine) as session:
        assert session.exec(select(InboundMessage)).all() == []


def test_a_simulated_message_left_by_a_crash_is_handled_but_sent_to_nobody(
    pipeline: Pipeline, engine: Engine, clock: object
) -> None:
    with Session(engine) as session:
        session.add(
            InboundMessage(dedup_key="m:sim-1:sim-9", openid="sim-1", kind="text", content="帮助", simulated=True)
        )
        session.commit()
    clock.advance(minutes=5)  # type: ignore[attr-defined]
    sent: list[tuple[str, str]] = []
    pipeline.late_sink = lambda openid, text: sent.append((openid, text))
    assert pipeline.recover() == 1
    assert sent == []


def test_a_menu_click_left_by_a_crash_is_answered_as_the_click_it_was(
    pipeline: Pipeline, engine: Engine, clock: object
) -> None:
    click = Inbound(
        sender="oClick", kind=InboundKind.EVENT, created_at=datetime(2026, 1, 22, tzinfo=UTC), event="click",
        event_key="MENU_ANTIGEN",
    )  # fmt: skip
    with Session(engine) as session:
        session.add(
            InboundMessage(
                dedup_key=click.dedup_key, openid="oClick", kind="event", event="click", content="MENU_ANTIGEN"
            )
        )
        session.commit()
    clock.advance(minutes=5)  # type: ignore[attr-defined]
    sent: list[tuple[str, str]] = []
    pipeline.late_sink = lambda openid, text: sent.append((openid, text))
    assert pipeline.recover() == 1
    assert sent and "同意" in sent[0][1]  # the antigen flow's consent question, not the help menu
