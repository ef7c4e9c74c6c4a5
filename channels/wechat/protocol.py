"""WeChat's callback protocol: signatures, the replay window, AES envelopes, parsing, replies.

微信公众号消息加解密说明：
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
Everything here is pure: no database, no bot. The route in :mod:`api.wechat` strings it together.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
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
from core.settings import Settings

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024
# A passive text reply over about 2 KB is refused by WeChat; cut well before, at a character.
MAX_REPLY_BYTES = 2048
_KINDS = {kind.value: kind for kind in InboundKind}
_KINDS["shortvideo"] = InboundKind.VIDEO
# Subscribing through a QR code with a scene is still a subscription (wechatpy names it apart).
_EVENT_ALIASES = {"subscribe_scan": "subscribe", "subscribe_scan_product": "subscribe"}
_EXTRA = {  # WeChat's field -> Inbound.extra; Location_X/Y in a message, Latitude/Longitude in the event
    "Label": "label",
    "Url": "url",
    "Title": "title",
    "Location_X": "latitude",
    "Location_Y": "longitude",
    "Latitude": "latitude",
    "Longitude": "longitude",
}
_MAX_CREATE_TIME = 32503680000  # year 3000: beyond it datetime overflows on some platforms
# XML 1.0 forbids these code points even inside CDATA; a reply carrying one is not valid XML.
_XML_INVALID = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


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
    """Refuse replays: a signed request is valid ``window`` seconds either way."""
    try:
        sent = int(timestamp)
    except ValueError:
        raise ProtocolError(403, "invalid timestamp") from None
    if abs((now if now is not None else time.time()) - sent) > window:
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


def verify_query(query: dict[str, str], settings: Settings) -> None:
    """The checks that need no body: the plain signature and the replay window (a quick 403)."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    # Safe mode signs with msg_signature over the body; WeChat adds the plain signature too, and
    # when it is there it is checked here, before a byte of the body is read.
    if "signature" in query or query.get("encrypt_type", "raw").lower() != "aes":
        check_signature(query.get("signature"), settings.wechat_token, timestamp, nonce)
    check_timestamp(timestamp, settings.wechat_timestamp_window)


def open_envelope(body: bytes, query: dict[str, str], settings: Settings) -> Envelope:
    """The plaintext XML of a request whose query passed :func:`verify_query` (decrypting AES bodies)."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
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
    keys = [key for key in (settings.wechat_aes_key, settings.wechat_previous_aes_key) if key]
    if not keys:
        log.error("an encrypted request arrived but HOTLINE_WECHAT_AES_KEY is not set")
    for key in keys:
        crypto = WeChatCrypto(settings.wechat_token, key, settings.wechat_appid)
        try:
            plaintext = PrpCrypto(crypto.key).decrypt(encrypted, settings.wechat_appid)
        except Exception:  # wrong key (mid-rotation), padding or AppID: try the previous key
            continue
        return Envelope(plaintext.decode("utf-8") if isinstance(plaintext, bytes) else plaintext, crypto)
    if "MsgType" in outer:  # compatible mode also carries the plain fields, and may be answered plainly
        log.error("cannot decrypt a compatible-mode request; answering its plain fields (check the AES key)")
        return Envelope(text, None)
    raise ProtocolError(400, "cannot decrypt: check HOTLINE_WECHAT_AES_KEY and HOTLINE_WECHAT_APPID")


def _field(fields: dict[str, Any], name: str) -> str:
    """A field's text; "" when absent or not plain text (a repeated or nested element)."""
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse(xml: str) -> BaseMessage:
    """The typed wechatpy message, or a 400 for anything that is not one."""
    fields = _parse_xml(xml)
    # wechatpy converts fields lazily with int()/str(): a nested sender or a MsgId of letters
    # would surface later as a 500 or a resident named "{'a': '1'}". Check what we rely on here.
    if not _field(fields, "FromUserName") or not _field(fields, "MsgType"):
        raise ProtocolError(400, "message without sender or type")
    created = _field(fields, "CreateTime")
    if not created.isdigit() or int(created) > _MAX_CREATE_TIME:
        raise ProtocolError(400, "missing or invalid CreateTime")
    msg_id = fields.get("MsgId")
    if msg_id is not None and not (isinstance(msg_id, str) and msg_id.strip().isdigit()):
        raise ProtocolError(400, "invalid MsgId")
    try:
        return parse_message(xml)
    except Exception:
        raise ProtocolError(400, "not a WeChat message") from None


def to_inbound(message: BaseMessage) -> Inbound:
    """Map wechatpy's message to the engine's typed inbound: the engine never sees XML."""
    fields: dict[str, Any] = message._data
    raw_type = str(message.type or "unknown").lower()
    kind = _KINDS.get(raw_type, InboundKind.UNKNOWN)
    event = _field(fields, "Event").lower() if kind is InboundKind.EVENT else ""
    event = _EVENT_ALIASES.get(event, event)
    text = None
    if kind is InboundKind.TEXT:
        text = _field(fields, "Content")
    elif kind is InboundKind.VOICE:
        text = _field(fields, "Recognition") or None  # WeChat's speech recognition, when switched on
    extra = {ours: value for theirs, ours in _EXTRA.items() if (value := _field(fields, theirs))}
    return Inbound(
        sender=_field(fields, "FromUserName"),
        kind=kind,
        created_at=datetime.fromtimestamp(int(_field(fields, "CreateTime")), UTC),
        # Kept as the digits WeChat sent: it is only ever compared, never computed with.
        msg_id=_field(fields, "MsgId") or None if kind is not InboundKind.EVENT else None,
        text=text,
        event=event or None,
        # wechatpy has already cut "qrscene_" off a QR-code subscription's scene.
        event_key=_field(fields, "EventKey") or None,
        extra=extra,
    )


def cdata_safe(text: str) -> str:
    """Text that cannot close the CDATA section it goes in, nor carry characters XML 1.0 forbids."""
    return text.translate(_XML_INVALID).replace("]]>", "]] >")


def safe_text(text: str) -> str:
    """Reply text safe inside CDATA, within WeChat's size limit (cut at a character boundary)."""
    text = cdata_safe(text)
    data = text.encode("utf-8")
    if len(data) <= MAX_REPLY_BYTES:
        return text
    ellipsis = "…".encode()
    return data[: MAX_REPLY_BYTES - len(ellipsis)].decode("utf-8", errors="ignore") + "…"


def render_reply(message: BaseMessage, text: str, envelope: Envelope, nonce: str) -> str:
    """A passive text reply, encrypted when the request came encrypted."""
    # The account and resident ids are echoed from the request: they go through the same cleaning.
    xml = TextReply(
        source=cdata_safe(_field(message._data, "ToUserName")),
        target=cdata_safe(_field(message._data, "FromUserName")),
        content=safe_text(text),
    ).render()
    if envelope.crypto is None:
        return str(xml)
    return str(envelope.crypto.encrypt_message(xml, nonce or "hotline", str(int(time.time()))))
