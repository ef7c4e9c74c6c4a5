"""Conversation state: typed fields, saved as the JSON ``context`` column, old rows still read."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot.models import Conversation
from bot.state import SCHEMA_VERSION, State, SuspendedFlow, TicketMode
from tests.bot.conftest import Chat

AT = "2026-12-01T10:00:00"


def test_a_row_written_with_the_untyped_keys_still_loads() -> None:
    """Rows saved before the typed state (no schema_version, the consult under ``handoff``)."""
    old = {
        "suspended": {"flow": "medicine", "step": "age", "slots": {"who": "母亲"}, "at": AT},
        "emergency": {"ticket_id": 3, "number": "20261201-0003", "at": AT},
        "handoff": {"ticket_id": 4, "number": "20261201-0004", "at": AT},
        "choices": [7, 9],
        "notice": "人工服务已结束，现在由我为您服务。",
        "editing": True,
    }
    state = State(openid="o1", flow="antigen", step="address", slots={"count": 2}, context=copy.deepcopy(old))
    assert state.suspended == SuspendedFlow("medicine", "age", {"who": "母亲"}, datetime.fromisoformat(AT))
    assert state.emergency == TicketMode(3, "20261201-0003", datetime.fromisoformat(AT))
    assert state.consult == TicketMode(4, "20261201-0004", datetime.fromisoformat(AT))
    assert state.choices == [7, 9]
    assert state.notice == "人工服务已结束，现在由我为您服务。"
    assert state.editing is True
    saved = state.context
    assert saved["schema_version"] == SCHEMA_VERSION
    assert "handoff" not in saved and saved["consult"] == old["handoff"]
    assert {key: saved[key] for key in ("suspended", "emergency", "choices", "notice", "editing")} == {
        key: old[key] for key in ("suspended", "emergency", "choices", "notice", "editing")
    }


def test_the_saved_form_reads_back_the_same() -> None:
    state = State(openid="o1")
    state.consult = TicketMode(4, "20261201-0004", datetime.fromisoformat(AT))
    state.choices = [1]
    again = State(openid="o1", context=state.context)
    assert again.context == state.context
    assert again.consult == state.consult and again.suspended is None and not again.editing


def test_an_empty_state_saves_only_its_version_and_keeps_unknown_keys() -> None:
    assert State(openid="o1").context == {"schema_version": SCHEMA_VERSION}
    kept = State(openid="o1", context={"seen": ["a"]})
    assert kept.extra == {"seen": ["a"]} and kept.context["seen"] == ["a"]


def test_reset_clears_the_flow_and_every_mode() -> None:
    state = State(openid="o1", flow="antigen", step="count", context={"choices": [1], "notice": "x", "seen": 1})
    state.reset()
    assert (state.flow, state.step, state.slots) == (None, None, {})
    assert state.context == {"schema_version": SCHEMA_VERSION}


def test_a_conversation_saved_in_the_old_form_goes_on(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    """A consult and a request put aside, saved before the typed state, still end and resume."""
    me = chat()
    me.say("我要买退烧药")
    me.say("转人工")
    session = db()
    row = session.get(Conversation, me.openid)
    assert row is not None and "consult" in row.context and "suspended" in row.context
    old = {key: value for key, value in row.context.items() if key not in ("schema_version", "consult")}
    row.context = {**old, "handoff": row.context["consult"]}
    session.add(row)
    session.commit()
    assert "结束" in me.say("结束") and "继续" in me.replies[-1]
    assert "买药登记" in me.say("继续")
