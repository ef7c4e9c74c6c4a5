"""Reading numbers, phones and addresses the way residents type or speak them."""

from __future__ import annotations

import re

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_FULLWIDTH = str.maketrans("０１２３４５６７８９－（）", "0123456789-()")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_ADDRESS_MARK = re.compile(r"\d+\s*(栋|幢|号楼|楼|单元|室|号|组|户|座)")


def clean(text: str) -> str:
    """Full-width digits to ASCII and voice-recognition punctuation trimmed."""
    return text.translate(_FULLWIDTH).strip().strip("。，,.!！？?~～ ")


def parse_count(text: str) -> int | None:
    """'4', '4个', '四口人', '十二', '两份' -> the number; None when there is none or several."""
    text = clean(text)
    numbers = re.findall(r"\d+", text)
    if len(numbers) == 1:
        return int(numbers[0])
    if numbers:
        return None
    match = re.search(r"([一二两俩三四五六七八九]?)(十?)([一二三四五六七八九]?)", text)
    if not match or not any(match.groups()):
        return None
    tens, ten, ones = match.groups()
    if ten:
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[tens] if tens else None


def parse_phone(text: str) -> str | None:
    """A mobile (11 digits) or landline with area code, with or without spaces and dashes."""
    digits = re.sub(r"[\s\-()]", "", clean(text)).removeprefix("+86").removeprefix("86")
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(digits):
        return digits
    return None


def parse_address(text: str) -> str | None:
    """A door-level address: it must name a building or group and a door number."""
    text = re.sub(r"\s+", "", clean(text))
    if not 3 <= len(text) <= 60 or not _ADDRESS_MARK.search(text):
        return None
    return text
