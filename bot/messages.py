"""Typed inbound messages and replies: the engine never sees XML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class InboundKind(StrEnum):
    TEXT = "text"
    VOICE = "voice"
    IMAGE = "image"
    LOCATION = "location"
    LINK = "link"
    VIDEO = "video"
    EVENT = "event"
    UNKNOWN = "unknown"


class EventType(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    CLICK = "click"
    VIEW = "view"
    SCAN = "scan"
    LOCATION = "location"


@dataclass(frozen=True)
class Inbound:
    """One message or event from a sender on a channel; the engine knows nothing else of the channel.

    ``sender`` is the channel's own id of the person (on WeChat the openid, which residents, tickets
    and the public API go on calling ``openid``).
    """

    sender: str
    kind: InboundKind
    created_at: datetime
    msg_id: str | None = None
    text: str | None = None  # typed text, or WeChat's speech recognition for voice
    event: str | None = None  # lower-case WeChat event name (subscribe, click, templatesendjobfinish, …)
    event_key: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # label, url, title, latitude, longitude
    simulated: bool = False
    channel: str = "wechat"

    @property
    def dedup_key(self) -> str:
        """MsgId with the sender (MsgId collisions have been reported); sender+time for events."""
        if self.msg_id:
            return f"m:{self._who}:{self.msg_id}"
        return f"e:{self._who}:{int(self.created_at.timestamp())}:{self.event or self.kind}"

    @property
    def _who(self) -> str:
        # WeChat's keys keep their first form (stored rows of retries still match); other channels are named.
        return self.sender if self.channel == "wechat" else f"{self.channel}:{self.sender}"


@dataclass
class Reply:
    """What the resident is told; ``text=None`` means answer WeChat with ``success``."""

    text: str | None
    intent: str | None = None
    faq_id: int | None = None
    ticket_id: int | None = None
