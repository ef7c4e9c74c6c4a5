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


# Words with 一 that are no number ("照顾一下", "一起"), and what may follow a counted number.
_NOT_NUMBERS = re.compile(
    r"一下|一点|一些|一起|一直|一样|一般|一定|一会|一趟|统一|万一|一旦|一共|一家|一切|唯一|一边|一次性"
)
_COUNTED = re.compile(r"\d+\s*(?:多|来|几)?\s*(?:口|个|人|份|盒|位|岁|周岁|板|瓶|支|袋|片|粒|包|贴|罐|套|管)")


def parse_count(text: str) -> int | None:
    """'4', '4个', '四口人', '我们家三口人', '十二', '两份' -> the number; None when there is none or several.

    In a longer sentence the number must be counting something ('家里一共五口人'), so that
    '老人打疫苗有人照顾一下吗' is no count.
    """
    converted = cn_to_digits(_NOT_NUMBERS.sub("", clean(text)))
    numbers = re.findall(r"\d+", converted)
    if len(numbers) != 1:
        return None
    if len(re.sub(r"\s+", "", converted)) > 6 and not _COUNTED.search(converted):
        return None
    return int(numbers[0])


# An age said with its word around it: '82岁', '80多岁', '七十来岁', '今年75', '我妈80多了', '八十多的老人'.
_AGE_AFTER = (
    r"(?![\d.]|个|天|盒|份|口|人|点|号|栋|幢|月|年|周|次|度|粒|片|瓶|板|支|袋|包"
    r"|单元|楼|层|室|斤|公斤|分|块|元|小时|℃|毫|mm)"
)
_ELDER_WORDS = r"老人家|妈|爸|娘|爹|母亲|父亲|老人|老伴|奶奶|爷爷|外婆|外公|婆婆|公公|老头|老太|老汉|本人|我|他|她"
_AGES = (
    re.compile(r"(\d{1,3})(?:多|来|几)?(?:周岁|岁)"),
    re.compile(
        r"(?:今年|年纪|年龄|岁数|已经|都|快|满|高龄)(?:是|有|已经|都|快)?(\d{2,3})(?:多|来)?(?:了|啦)?" + _AGE_AFTER
    ),
    re.compile(rf"(?:{_ELDER_WORDS})(?:今年|都|已经|快|有)?(\d{{2,3}})(?:多|来)?(?:了|啦|出头|左右)" + _AGE_AFTER),
    re.compile(r"(\d{2,3})(?:多|来)?的(?:老人|老太太|老太|老头|老母亲|老父亲|母亲|父亲|老妈|老爸|奶奶|爷爷|婆婆|公公)"),
)
_MONTHS = re.compile(r"(\d{1,2})个(?:多)?月(?:大|的宝宝|的孩子|的娃|的婴儿)|刚满月|新生儿|刚出生")


def age_in(text: str) -> int | None:
    """An age stated anywhere in a sentence (an infant's months count as 0); None when none is."""
    converted = cn_to_digits(re.sub(r"\s+", "", clean(text)))
    if _MONTHS.search(converted) and "岁" not in converted:
        return 0
    for pattern in _AGES:
        match = pattern.search(converted)
        if match and 0 <= int(match.group(1)) <= 120:
            return int(match.group(1))
    return None


_UNIT_COUNT = re.compile(
    r"(\d{1,3}|半)\s*(人份|盒|板|瓶|支|袋|片|粒|包|贴|份|个|罐|排|套|管)(?!人|月|多|小时|星期|礼拜|钟|孩子|老人|娃)"
)


def counts_in(text: str) -> list[tuple[int, str]]:
    """'布洛芬两盒，降压药一盒' -> [(2, '盒'), (1, '盒')]: each number said with its unit."""
    found = []
    for number, unit in _UNIT_COUNT.findall(cn_to_digits(clean(text))):
        found.append((0 if number == "半" else int(number), unit))
    return found


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


def tidy_address(text: str) -> str:
    """'12栋。3单元。401。' -> '12栋3单元401': spaces and the punctuation voice input sprinkles, removed."""
    return re.sub(r"[\s\u3000。，,、.！!？?~～;；:：]+", "", clean(text))


_PLACE = r"(?:[\u4e00-\u9fa5A-Za-z]{1,10}?(?:小区|花园|家园|苑|公寓|新村|村|大院|社区|里|城|院)(?:\d+期)?)?"
_DOOR = re.compile(
    _PLACE
    + r"(?:\d{1,3}(?:栋|幢|号楼|座|组|栋楼)(?:\d{1,2}(?:单元|门))?(?:\d{1,2}(?:楼|层))?(?:\d{1,4}(?:室|号|户)?)"
    + r"|\d{1,3}[-—_－]\d{1,2}[-—_－]\d{2,4}(?!\d)|\d{1,3}(?:号楼?)\d{2,4}(?:室|户)?)"
)
_PLACE_LEAD = re.compile(r"^(?:我家|我们家|家里|家|我|住在|住|在|是|地址|住址|就|送到|送去|到)+")


def find_address(text: str) -> str | None:
    """A door-level address inside a sentence: '8栋1单元302，电话138…' -> '8栋1单元302'."""
    phone = find_phone(text)
    rest = clean(text)
    if phone:
        rest = re.sub(r"[\d\s\-()—]{7,}", " ", rest)
    compact = cn_to_digits(tidy_address(rest).replace("零", "0"))
    match = _DOOR.search(compact)
    if match is None:
        return None
    found = _PLACE_LEAD.sub("", match.group(0))
    dashed = _DASHED_ADDRESS.match(found)
    if dashed:
        building, unit, room = dashed.groups()
        return f"{int(building)}栋{int(unit)}单元{room}"
    return found if _ADDRESS_MARK.search(found) else None


def parse_address(text: str) -> str | None:
    """A door-level address: it must name a building or group and a door number."""
    found = find_address(text)
    if found is not None:
        return found
    text = tidy_address(text)
    dashed = _DASHED_ADDRESS.match(text)
    if dashed:
        # '8-1-302' is how many residents write building-unit-room.
        building, unit, room = dashed.groups()
        return f"{int(building)}栋{int(unit)}单元{room}"
    if not 3 <= len(text) <= 60 or not _ADDRESS_MARK.search(text) or find_phone(text):
        return None
    return text
