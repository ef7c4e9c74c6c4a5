"""Reading numbers, phones and addresses the way residents type or speak them."""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "洞": 0,  # radio-style reading of 0, common in spoken phone numbers
    "一": 1,
    "幺": 1,  # spoken 1 in phone numbers (幺三八…)
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
_DASHED_ADDRESS = re.compile(r"^(\d{1,3})[-—_－](\d{1,2})[-—_－](\d{2,4})$")
# Punctuation that voice recognition sprinkles into a sentence ("我要。退烧药。").
_PUNCT = re.compile(r"[\s\u3000。，、,.!！？?~～;；:：…·'\"“”‘’「」『』()（）【】\[\]<>《》*#@&^_=+|/\\-]+")
_CN_NUMBER = re.compile(r"百分之|[零〇一二两三四五六七八九十百]+")


def clean(text: str) -> str:
    """Full-width digits to ASCII and voice-recognition punctuation trimmed."""
    return text.translate(_FULLWIDTH).strip().strip("。，,.!！？?~～ ")


def normalize(text: str) -> str:
    """For matching: NFKC (full-width to ASCII), lower case, no spaces or punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


def cn_number(chars: str) -> int | None:
    """'九十一' -> 91, '八十' -> 80, '十二' -> 12, '三' -> 3, '九一' -> 91 (digits read one by one)."""
    if not chars or any(c not in _CN_DIGITS and c not in "十百" for c in chars):
        return None
    if "百" in chars:
        head, _, rest = chars.partition("百")
        hundreds = _CN_DIGITS.get(head, 1) if head else 1
        tail = cn_number(rest.lstrip("零〇")) if rest.strip("零〇") else 0
        return hundreds * 100 + (tail or 0)
    if "十" in chars:
        tens, _, ones = chars.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in chars))


def cn_to_digits(text: str) -> str:
    """Chinese numerals inside a sentence to digits: '血氧才九十' -> '血氧才90'."""

    def convert(match: re.Match[str]) -> str:
        if match.group(0) == "百分之":
            return ""
        value = cn_number(match.group(0))
        return match.group(0) if value is None else str(value)

    return _CN_NUMBER.sub(convert, text)


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


def _spoken_digits(text: str) -> str:
    """'幺三八一二三四五六七八' -> '13812345678' (speech recognition sometimes writes digits so)."""
    return "".join(str(_CN_DIGITS[c]) if c in _CN_DIGITS and c not in "两俩" else c for c in text)


def find_phone(text: str) -> str | None:
    """A phone number anywhere in ``text`` (with words around it), or None."""
    spoken = _spoken_digits(clean(text))
    # A run of digits with the spaces and dashes people type inside numbers ("138 1234 5678");
    # when the run is no phone as a whole, its space-separated parts may be ("138… 8栋").
    for run in re.findall(r"\+?\d[\d\s\-()—]{5,20}\d", spoken):
        for candidate in (run, *run.split()):
            phone = parse_phone(candidate)
            if phone:
                return phone
    return None


def parse_phone(text: str) -> str | None:
    """A mobile (11 digits) or landline with area code, with or without spaces and dashes."""
    digits = re.sub(r"[\s\-()—]", "", _spoken_digits(clean(text))).removeprefix("+86")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(digits):
        return digits
    return None


def parse_address(text: str) -> str | None:
    """A door-level address: it must name a building or group and a door number."""
    text = re.sub(r"\s+", "", clean(text))
    dashed = _DASHED_ADDRESS.match(text)
    if dashed:
        # '8-1-302' is how many residents write building-unit-room.
        building, unit, room = dashed.groups()
        return f"{int(building)}栋{int(unit)}单元{room}"
    if not 3 <= len(text) <= 60 or not _ADDRESS_MARK.search(text):
        return None
    return text
