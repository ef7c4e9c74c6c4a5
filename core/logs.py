"""Structured logs with personal data masked (PIPL: never log it unmasked)."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -]?(\d{3,4})(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")


def mask_phone(phone: str) -> str:
    """138 1234 5678 -> 138****5678; a landline keeps its area code and last four digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:-4][:4]}****{digits[-4:]}"
    return "****"


def mask_openid(openid: str) -> str:
    return openid[:6] + "…" if len(openid) > 6 else "…"


def mask_text(text: str) -> str:
    """Mask phone and ID-card numbers wherever they appear in free text."""
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def mask_key(key: str) -> str:
    """A message key (``m:<openid>:<MsgId>``, ``e:<openid>:<time>:<event>``) with its sender masked."""
    kind, _, rest = key.partition(":")
    openid, found, tail = rest.partition(":")
    if not found:
        return mask_text(key)
    return f"{kind}:{mask_openid(openid)}:{mask_text(tail)}"


def _masked_extras(record: logging.LogRecord) -> dict[str, object]:
    extras: dict[str, object] = {}
    msg_key, openid = getattr(record, "msg_key", None), getattr(record, "openid", None)
    if msg_key:
        extras["msg_key"] = mask_key(str(msg_key))
    if openid:
        extras["openid"] = mask_openid(str(openid))
    for key in ("ticket", "event"):
        if hasattr(record, key):
            extras[key] = getattr(record, key)
    return extras


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True


class TextFormatter(logging.Formatter):
    """One line per record with the message key appended (to find the message again); the whole
    output, tracebacks included, masked: an exception's text may quote what a resident wrote."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = _masked_extras(record)
        if "msg_key" in extras:
            line += f" [msg_key={extras['msg_key']}]"
        return line

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        entry.update(_masked_extras(record))
        if record.exc_info:
            entry["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
