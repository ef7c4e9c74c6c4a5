"""绑定 ‹code›: a committee member binds this WeChat account to their staff account (code from the console)."""

from __future__ import annotations

import lexicon
from bot.engine.message import Message
from bot.messages import Reply
from bot.turn import Turn
from residents import binding

BIND = lexicon.pattern("staff.bind")


class BindMode:
    """A whole message 绑定 and a six-digit code: the binding, whatever else is going on."""

    name = "bind"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        found = BIND.match(message.text.replace(" ", ""))
        if found is None:
            return None
        result = binding.bind_wechat(session=turn.session, code=found.group(1), openid=turn.inbound.sender)
        return Reply(result.text, intent=None)
