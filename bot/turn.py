"""Everything one turn of the conversation may touch, handed to handlers and flows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.audience import Audience, audience_of
from bot.messages import Inbound
from bot.state import State
from core.settings import Settings
from residents import service as resident_service
from residents.models import Resident
from residents.service import Place

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase


@dataclass
class Turn:
    session: Session
    inbound: Inbound
    settings: Settings
    community: Place
    state: State
    knowledge: KnowledgeBase | None
    # This message names a red flag that is not happening now (bot/alarm.py): tickets it opens are not urgent.
    red_flag_not_now: bool = False

    @property
    def office_phone(self) -> str:
        return self.community.office_phone or self.settings.office_phone

    @property
    def emergency_phone(self) -> str:
        return self.community.emergency_phone or self.settings.emergency_phone

    @property
    def simulated(self) -> bool:
        return self.inbound.simulated

    @cached_property
    def resident(self) -> Resident:
        """The resident who wrote, loaded only when a turn needs more than the sender's openid."""
        return resident_service.get_or_create(session=self.session, openid=self.inbound.sender)

    @cached_property
    def audience(self) -> Audience:
        """Resident or bound committee member; looked up only when a turn needs to know."""
        return audience_of(session=self.session, openid=self.inbound.sender)
