"""WeChat's callback protocol: signatures, the replay window, AES envelopes, parsing, replies.

微信公众号消息加解密说明：
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
Everything here is pure: no database, no bot. The route in :mod:`api.wechat` strings it together.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.messages import BaseMessage
from wechatpy.parser import parse_message
from wechatpy.replies import TextReply

from bot.messages import Inbound, InboundKind
from hotline.settings import Settings

MAX_BODY_BYTES = 1024 * 1024
# A passive text reply over about 2 KB is refused by WeChat; cut well before, at a character.
MAX_REPLY_BYTES = 2048
_KINDS = {kind.value: kind for kind in InboundKind}
_KINDS["shortvideo"] = InboundKind.VIDEO
# Subscribing through a QR code with a scene is still a subscription (wechatpy names it apart).
_EVENT_ALIASES = {"subscribe_scan": "subscribe", "subscribe_scan_product": "subscribe"}


class ProtocolError(Exception):
    """A request WeChat would never send: answered with ``status`` and touching nothing."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def signature(*parts: str) -> str:
    """SHA-1 of the sorted parts, as WeChat signs (token, timestamp, nonce[, Encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(given: str | None, token: str, *parts: str) -> None:
    if not given or not hmac.compare_digest(given.lower().encode(), signature(token, *parts).encode()):
        raise ProtocolError(403, "invalid signature")


def check_timestamp(timestamp: str, window: int, now: float | None = None) -> None:
    """Refuse replays: a signed request is valid ``window`` seconds either way (0 disables the check)."""
    try:
        sent = int(timestamp)
    except ValueError:
        raise ProtocolError(403, "invalid timestamp") from None
    if window and abs((now if now is not None else time.time()) - sent) > window:
        raise ProtocolError(403, "timestamp outside the allowed window")


@dataclass(frozen=True)
class Envelope:
    """The decrypted message and, when it came encrypted, the crypto to answer with."""

    xml: str
    crypto: WeChatCrypto | None


def _parse_xml(text: str) -> dict[str, Any]:
    try:
        document = xmltodict.parse(text)  # 1.0.2+: entity declarations raise (no XXE, no billion laughs)
    except Exception:
        raise ProtocolError(400, "malformed XML") from None
    if not isinstance(document, dict) or not isinstance(document.get("xml"), dict):
        raise ProtocolError(400, "not a WeChat message")
    return document["xml"]


def open_envelope(body: bytes, query: dict[str, str], settings: Settings) -> Envelope:
    """Verify the request and return its plaintext XML (decrypting safe- and compatible-mode bodies)."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if "signature" in query or query.get("encrypt_type", "raw") == "raw":
        check_signature(query.get("signature"), settings.wechat_token, timestamp, nonce)
    check_timestamp(timestamp, settings.wechat_timestamp_window)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "body is not UTF-8") from None
    outer = _parse_xml(text)
    if query.get("encrypt_type", "raw").lower() != "aes":
        return Envelope(text, None)
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise ProtocolError(400, "encrypted request without Encrypt")
    check_signature(query.get("msg_signature"), settings.wechat_token, timestamp, nonce, encrypted)
    for key in (settings.wechat_aes_key, settings.wechat_previous_aes_key):
        if not key:
            continue
        crypto = WeChatCrypto(settings.wechat_token, key, settings.wechat_appid)
        try:
            plaintext = PrpCrypto(crypto.key).decrypt(encrypted, settings.wechat_appid)
        except Exception:  # wrong key (mid-rotation), padding or AppID: try the previous key
            continue
        return Envelope(plaintext.decode("utf-8") if isinstance(plaintext, bytes) else plaintext, crypto)
    if "MsgType" in outer:  # compatible mode also carries the plain fields
        return Envelope(text, None)
    raise ProtocolError(400, "cannot decrypt: check HOTLINE_WECHAT_AES_KEY and HOTLINE_WECHAT_APPID")


def parse(xml: str) -> BaseMessage:
    """The typed wechatpy message, or a 400 for anything that is not one."""
    _parse_xml(xml)
    try:
        message = parse_message(xml)
        message.source, message.time  # noqa: B018  (fields convert lazily: fail here, not later)
    except Exception:
        raise ProtocolError(400, "not a WeChat message") from None
    if not message.source:
        raise ProtocolError(400, "message without sender")
    return message


def to_inbound(message: BaseMessage) -> Inbound:
    """Map wechatpy's message to the engine's typed inbound: the engine never sees XML."""
    raw_type = str(message.type or "unknown").lower()
    kind = _KINDS.get(raw_type, InboundKind.UNKNOWN)
    created = datetime.fromtimestamp(int(message.time or 0), UTC)
    event = getattr(message, "event", None) if kind is InboundKind.EVENT else None
    event = _EVENT_ALIASES.get(str(event).lower(), str(event).lower()) if event else None
    text = None
    if kind is InboundKind.TEXT:
        text = str(getattr(message, "content", "") or "")
    elif kind is InboundKind.VOICE:
        text = str(getattr(message, "recognition", "") or "") or None
    extra = {
        name: str(getattr(message, attr))
        for name, attr in (("label", "label"), ("url", "url"), ("title", "title"),
                           ("latitude", "location_x"), ("longitude", "location_y"))
        if getattr(message, attr, None)
    }
    msg_id = str(message.id) if getattr(message, "id", 0) else None
    return Inbound(
        openid=str(message.source),
        kind=kind,
        created_at=created,
        msg_id=msg_id,
        text=text,
        event=event,
        event_key=str(getattr(message, "key", "") or "") or None,
        extra=extra,
    )


def safe_text(text: str) -> str:
    """Reply text that cannot close the CDATA section it is wrapped in, within WeChat's size limit."""
    text = text.replace("]]>", "]] >")
    data = text.encode("utf-8")
    if len(data) <= MAX_REPLY_BYTES:
        return text
    ellipsis = "…".encode()
    return data[: MAX_REPLY_BYTES - len(ellipsis)].decode("utf-8", errors="ignore") + "…"


def render_reply(message: BaseMessage, text: str, envelope: Envelope, nonce: str) -> str:
    """A passive text reply, encrypted when the request came encrypted."""
    xml = TextReply(source=message.target, target=message.source, content=safe_text(text)).render()
    if envelope.crypto is None:
        return str(xml)
    return str(envelope.crypto.encrypt_message(xml, nonce or "hotline", str(int(time.time()))))
