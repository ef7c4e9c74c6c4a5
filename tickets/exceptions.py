"""The tickets layer's one base exception, with a code the API maps to a status."""

from __future__ import annotations


class TicketError(Exception):
    code = "ticket_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class InvalidTransition(TicketError):
    code = "invalid_transition"


class NotReachable(TicketError):
    """The resident cannot be messaged (a phone ticket has no openid)."""

    code = "not_reachable"


class UnknownUser(TicketError):
    code = "unknown_user"
