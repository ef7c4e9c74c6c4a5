"""Facts a resident states in passing, in any message: who it is for, an age, illnesses, medicines,
how many, the household, a name, a phone, an address, pick-up or delivery, a hospital, a day.

Each reader returns a clean, typed value or None; :func:`facts_in` gathers them all and each flow keeps
the ones it has slots for (:meth:`bot.flows.base.Flow.extract`). The words are in ``lexicon/``.
"""

from __future__ import annotations

import re
from typing import Any

import lexicon
from bot.parsing import age_in, cn_to_digits, find_address, find_phone

SELF = "本人"
DELIVERY = "送货上门"
PICKUP = "到社区自取"

_RELATIONS = lexicon.replacements("dialect.relations")
_SELF_IN_TEXT = lexicon.pattern("answers.self_in_text")
_CONDITIONS = lexicon.replacements("slots.conditions")
_CHRONIC = lexicon.words("slots.chronic_labels")
_SYMPTOMS = lexicon.pattern("slots.symptoms")
_OWN_SYMPTOM = re.compile(rf"(?:{_SYMPTOMS.pattern})(?![^，,。]{{0,3}}药)")
_SURNAMES = "|".join(sorted(lexicon.words("slots.surnames"), key=len, reverse=True))
_HONORIFIC = lexicon.pattern("slots.honorifics").pattern
_DELIVERY_IN_TEXT = lexicon.pattern("answers.delivery_in_text")
_PICK_UP_IN_TEXT = lexicon.pattern("answers.pick_up_in_text")

# "我姓李" -> 李, "我叫张秀英" -> 张秀英, "张阿姨" / "老王" / "小陈" -> as written.
_NAMES = (
    re.compile(rf"(?:我|本人|联系人)?姓({_SURNAMES})(?!{_HONORIFIC})"),
    re.compile(rf"(?:我|本人|联系人)?姓((?:{_SURNAMES})(?:{_HONORIFIC}))"),
    re.compile(r"(?:我叫|联系人是?|叫我)([\u4e00-\u9fa5]{2,4}?)(?=[，,。\s\d电手]|$|的?(?:电话|手机)|就行|就好)"),
    re.compile(rf"我是((?:{_SURNAMES})[\u4e00-\u9fa5]{{1,3}}?)(?=[，,。\s\d电手]|$|的?(?:电话|手机))"),
    re.compile(rf"((?:{_SURNAMES})(?:{_HONORIFIC}))"),
    re.compile(
        rf"((?:老|小)(?:{_SURNAMES}))(?![\u4e00-\u9fa5]?(?:区|路|街|村|楼|栋)|病|头|家|人|年|板|师|乡|子|爷|太)"
    ),
)
_NOT_NAMES = re.compile(r"^(?:本人|自己|社区|居民|一个|他|她|孩子|老人|病人)")
# "我是她女儿": the resident says who they are, not whom the request is for.
_SPEAKER = re.compile(r"我是(?:他|她|病人|老人)的?[\u4e00-\u9fa5]{1,3}")
_SYMPTOM_LEAD = re.compile(
    r"^(?:我家|我们家|我)?(?:的)?(?:" + "|".join(pattern.pattern for pattern, _ in _RELATIONS) + r")?(?:他|她)?"
)
_HOUSEHOLD = (
    re.compile(r"(?:家|家里|屋里|一共|总共|全家|一家|我们|户)[^\d，,。]{0,4}?(\d{1,2})(?:口人|口|个人|人)"),
    re.compile(r"(\d{1,2})口人"),
)
_TWO_OF_US = re.compile(
    r"老两口|两口子|就我(?:们)?(?:和|跟)(?:老伴|爱人|老公|老婆|[\u4e00-\u9fa5]{1,2})两个人?|我们2个人"
)
_ALONE = re.compile(r"就我一个|家里就我|只有我一个|我1个人住|一个人住|独居")
_HOSPITAL = re.compile(r"([\u4e00-\u9fa5]{2,12}?(?:医院|卫生院|卫生服务中心|诊所|保健院))")
_HOSPITAL_LEAD = re.compile(r"^(?:我|想|要|去|到|上|送|在|联系|找|挂|帮我|帮忙|能|可以|给|最好|希望|就|还是|的)+")
_HOSPITAL_CUT = re.compile(r".*(?:去|到|送|在|联系|找|挂|是|想|要)")
_VAGUE_HOSPITAL = re.compile(r"^(?:大|好|哪家|什么|哪个|附近的?|就近的?|近的?|随便|一家|个|正规)?$")
_WHEN = re.compile(
    r"(?:今天|明天|后天|大后天|这周[一二三四五六日天末]?|下周[一二三四五六日天]?|周[一二三四五六日天末]|"
    r"星期[一二三四五六日天]|\d{1,2}月\d{1,2}[号日]|\d{1,2}[号日](?!楼))(?:上午|下午|中午|晚上|早上)?|尽快|越快越好"
)
_PERIOD = re.compile(r"(上午|下午|中午|晚上|早上|傍晚)")


def relation_in(text: str) -> str | None:
    """'帮我妈登记一下药' -> '母亲'; None when no family member is named."""
    for pattern, relation in _RELATIONS:
        if pattern.search(text):
            return relation
    return None


def who_in(text: str) -> str | None:
    """For whom: a family member named, or 本人 when the sentence says it is for oneself."""
    relation = relation_in(_SPEAKER.sub("", text))
    if relation:
        return relation
    if _SELF_IN_TEXT.search(text) or re.search(r"我(?:今年|已经|都)?(?:\d{2,3}|[七八九]十)", text):
        return SELF
    # Nobody else named, the resident speaks of themself and of an illness: it is for them.
    if "我" in text and not re.search(r"我们|家里人|家人", text) and _OWN_SYMPTOM.search(text):
        return SELF
    return None


def conditions_in(text: str) -> list[str]:
    """Plain labels of the illnesses and circumstances named: '高血压，一个人住' -> ['高血压', '独自居住']."""
    found = [label for pattern, label in _CONDITIONS if pattern.search(text)]
    if "慢性病" in found and len([label for label in found if label in _CHRONIC]) > 1:
        found.remove("慢性病")  # a named illness says more than the general word
    return list(dict.fromkeys(found))


def is_chronic(label: str) -> bool:
    return label in _CHRONIC


def name_in(text: str) -> str | None:
    """How the resident is called: '我姓李' -> '李', '张阿姨 139…' -> '张阿姨'."""
    plain = re.sub(r"\s+", "", text)
    for pattern in _NAMES:
        match = pattern.search(plain)
        if match and not _NOT_NAMES.match(match.group(1)) and not re.search(r"\d", match.group(1)):
            return match.group(1)
    return None


def household_in(text: str) -> int | None:
    """'我们家三口人' -> 3, '就我和老伴两个' -> 2."""
    converted = cn_to_digits(re.sub(r"\s+", "", text))
    for pattern in _HOUSEHOLD:
        match = pattern.search(converted)
        if match and 1 <= int(match.group(1)) <= 30:
            return int(match.group(1))
    if _TWO_OF_US.search(converted):
        return 2
    if _ALONE.search(converted):
        return 1
    return None


def delivery_in(text: str) -> str | None:
    """送货上门 (with the time of day when said: '下午送') or 到社区自取; None when neither is said."""
    if _PICK_UP_IN_TEXT.search(text):
        return PICKUP
    if _DELIVERY_IN_TEXT.search(text):
        period = _PERIOD.search(text)
        return f"{DELIVERY}（{period.group(1)}）" if period else DELIVERY
    return None


def hospital_in(text: str) -> str | None:
    for match in _HOSPITAL.finditer(re.sub(r"\s+", "", text)):
        name = _HOSPITAL_LEAD.sub("", _HOSPITAL_CUT.sub("", match.group(1)))
        if not _VAGUE_HOSPITAL.match(name.removesuffix("医院")):
            return name
    return None


def when_in(text: str) -> str | None:
    match = _WHEN.search(cn_to_digits(re.sub(r"\s+", "", text)))
    return match.group(0) if match else None


def symptoms_in(text: str) -> str | None:
    """The clauses that say what is wrong: '我爸胸闷好几天了，想挂个号' -> '胸闷好几天了'."""
    clauses = [c for c in re.split(r"[，,。！!？?；;\s]+", text) if c and _SYMPTOMS.search(c)]
    kept = [lead for lead in (_SYMPTOM_LEAD.sub("", c) for c in clauses) if len(lead) >= 2]
    return "，".join(kept) if kept else None


def facts_in(text: str) -> dict[str, Any]:
    """Every fact the text states, by slot name; flows keep those they have slots for."""
    facts: dict[str, Any] = {}
    readers: dict[str, Any] = {
        "who": who_in(text),
        "age": age_in(text),
        "conditions": conditions_in(text) or None,
        "household_size": household_in(text),
        "phone": find_phone(text),
        "address": find_address(text),
        "name": name_in(text),
        "delivery": delivery_in(text),
        "hospital": hospital_in(text),
        "when": when_in(text),
        "symptoms": symptoms_in(text.strip()),
    }
    for slot, value in readers.items():
        if value is not None:
            facts[slot] = value
    return facts
