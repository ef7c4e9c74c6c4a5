"""Which handler answers which inbound: the routers in their order of precedence."""

from __future__ import annotations

from bot import texts
from bot.handlers import events, media, text
from bot.messages import Reply
from bot.turn import Turn

ROUTERS = (events.router, text.router, media.router)


def dispatch(turn: Turn) -> Reply:
    for router in ROUTERS:
        handler = router.match(turn.inbound)
        if handler is not None:
            return handler(turn)
    return Reply(texts.help_text(turn.office_phone))
