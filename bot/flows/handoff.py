"""转人工: a consult ticket a committee member answers."""

from __future__ import annotations

from bot import texts
from bot.intents import Intent
from bot.messages import Reply
from bot.turn import Turn
from tickets import service as ticket_service
from tickets.models import Source, TicketType


def human(turn: Turn, text: str = "") -> Reply:
    ticket = ticket_service.create(
        session=turn.session,
        type=TicketType.CONSULT,
        openid=turn.resident.openid,
        details={"message": text} if text else {},
        source=Source.SIMULATED if turn.simulated else Source.WECHAT,
        community_id=turn.community.id,
    )
    return Reply(
        f"{texts.human_requested(turn.office_phone)}单号 {ticket.number}。", intent=Intent.HUMAN, ticket_id=ticket.id
    )
