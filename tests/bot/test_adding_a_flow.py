"""docs/ARCHITECTURE.md's worked example: a new flow needs its module, a lexicon entry and a test — no engine change.

The module and the lexicon entry are put in place here the way the package would find them (the flow
registered as discovery registers a module of bot/flows/, the service words as lexicon/services.yaml
lists them), and a resident then reaches the flow through /wechat like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from bot import flows, intents
from bot.audience import Audience
from bot.flows.base import Flow, Slot
from bot.flows.contact import ADDRESS, PHONE, ContactValidators
from bot.flows.tickets import open_ticket, registered
from bot.messages import Reply
from bot.turn import Turn
from tests.bot.conftest import Chat, tickets_of


class HomeVisitFlow(ContactValidators, Flow):
    """家访：a member visits an older resident at home (what bot/flows/home_visit.py would hold)."""

    name = "home_visit"
    title = "上门看望"
    intents = ("home_visit",)
    audience = Audience.RESIDENT
    consent_purpose = "安排工作人员上门看望"
    slots = (Slot("who", "看望谁", "请问是看望谁？（如 我母亲）"), ADDRESS, PHONE)

    def complete(self, turn: Turn, slots: dict[str, Any]) -> Reply:
        created = open_ticket(turn, "home_visit", dict(slots))
        return Reply(registered(turn, created, self.title), intent=self.name, ticket_id=created.ticket.id)


@pytest.fixture
def home_visits(monkeypatch: pytest.MonkeyPatch) -> None:
    # What lexicon/services.yaml would gain: `home_visit: {note: …, patterns: ['家访', '上门看望']}`.
    monkeypatch.setattr(intents, "_SERVICES", (*intents._SERVICES, ("home_visit", re.compile("家访|上门看望"))))
    monkeypatch.setitem(flows.FLOWS, HomeVisitFlow.name, HomeVisitFlow())


def test_a_new_flow_is_reached_without_touching_the_engine(
    home_visits: None, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oHomeVisit")
    assert "同意" in me.say("我想申请家访，我妈一个人住")
    assert "住址" in me.say("同意")  # who it is for was said in the first message
    me.say("8栋1单元302")
    assert "请确认" in me.say("13812345678")
    assert "已登记" in me.say("1")
    (ticket,) = tickets_of(db(), "oHomeVisit")
    assert ticket.type == "home_visit" and ticket.details["address"] == "8栋1单元302"


def test_every_flow_module_of_the_package_is_registered() -> None:
    assert set(flows.FLOWS) >= {"antigen", "medicine", "referral", "cancel"}
    assert all(isinstance(flow, Flow) for flow in flows.FLOWS.values())
