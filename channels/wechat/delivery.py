"""How an outbox row reaches WeChat or a WeCom robot, and what each real error code means for it."""

from __future__ import annotations

from channels.wechat.client import ErrCode, WeChatClient, WeChatError, WeChatUnavailable, WeComRobot
from tickets.models import OutboxKind, OutboxMessage
from tickets.outbox import Fallback, Permanent, Retry

# Errors that will not go away by trying the same message again.
PERMANENT = frozenset({ErrCode.INVALID_OPENID, ErrCode.INVALID_TEMPLATE, ErrCode.NOT_SUBSCRIBED, 40036, 40008})
FALLBACK = frozenset({ErrCode.OUT_OF_WINDOW, ErrCode.TOO_MANY_CS})


class Transport:
    """``deliver(message)`` for :func:`tickets.outbox.deliver_due`."""

    def __init__(self, client: WeChatClient, robot: WeComRobot) -> None:
        self.client, self.robot = client, robot

    def __call__(self, message: OutboxMessage) -> None:
        payload = message.payload
        try:
            if message.kind == OutboxKind.WECHAT_CUSTOM:
                self.client.send_custom_text(message.target, str(payload["text"]))
            elif message.kind == OutboxKind.WECHAT_TEMPLATE:
                self.client.send_template(
                    message.target, str(payload["template_id"]), dict(payload["data"]), payload.get("url") or None
                )
            elif message.kind == OutboxKind.WECOM_ROBOT:
                self.robot.send_markdown(message.target, str(payload["markdown"]))
            else:
                raise Permanent(f"unknown outbox kind {message.kind}")
        except WeChatUnavailable as error:
            raise Retry(f"unavailable: {error}") from error
        except WeChatError as error:
            raise classify(error, message.kind) from error


def classify(error: WeChatError, kind: str) -> Exception:
    """The outbox outcome for a WeChat errcode (40001/42001 were already retried once by the client)."""
    if error.errcode in FALLBACK and kind == OutboxKind.WECHAT_CUSTOM:
        return Fallback(str(error))
    if error.errcode in PERMANENT:
        return Permanent(str(error))
    if error.errcode == ErrCode.DAILY_QUOTA:
        return Retry(str(error), at_cap=True)
    return Retry(str(error))  # -1 busy, a token that is still refused, anything new: try again later
