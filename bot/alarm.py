"""Is a red flag happening now to a person, or only mentioned? (issue #15)

Called only for a message triage (bot/triage.py) has flagged. PRESENT: happening now to the writer or
someone with them; the urgent ticket opens at once. CONDITIONAL: in the past, about an animal, in a
story, a general question, a "what if", negated, already in hospital care or a figure of speech; the
bot gives the 120 advice conditionally and a one-tap check ("是现在有人这样吗？回复 1"). Rules, not a
model, erring to PRESENT: each part of a sentence (split at ，and spaces) holding a red flag is read
with the words around it (lexicon/alarm_context.yaml, for a clinician to review).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.parsing import cn_to_digits
from bot.triage import rules_flag, triage
from lexicon import load

_SENTENCE = re.compile(r"[。！？!?；;\n]+")
# "、" stays inside a part: it joins a list ("没有发烧、咳嗽、呼吸困难").
_PART = re.compile(r"[，,：:~～…\s]+")
_HANZI_ITEM = r"[\u3400-\u9fff]{1,6}[、和或及/]"
_NUMBER = re.compile(r"\D{0,6}\d{2,3}")
_YEAR = re.compile(r"(?:19|20)\d\d年")  # "2020年我爸心梗做过手术"
_join = "，".join
_OWNER = re.compile(r"[们家里的养只条那这]{0,3}")
_SELF = re.compile(r"[我俺](?!想|要|问|请|看|听|们|家|的)")  # the writer speaks of themself
_LIST_TAIL = r"(?:这些|这种|那些|这类|之类的?|等|的情况|情况|症状)?[倒也都]?"


class AlarmReading(StrEnum):
    PRESENT = "present"
    CONDITIONAL = "conditional"


@dataclass(frozen=True)
class Assessment:
    """PRESENT with reason "", or CONDITIONAL with why: past, animal, story, general_question,
    hypothetical, negated, treated_elsewhere, figure_of_speech."""

    reading: AlarmReading
    reason: str = ""

    @property
    def present(self) -> bool:
        return self.reading is AlarmReading.PRESENT


PRESENT = Assessment(AlarmReading.PRESENT)


@cache
def lexicon() -> dict[str, tuple[str, ...]]:
    """The word lists of lexicon/alarm_context.yaml, lower case (notes dropped)."""
    return {key: tuple(str(word).lower() for word in entry["words"]) for key, entry in load("alarm_context").items()}


@cache
def _pattern(key: str) -> re.Pattern[str]:
    words = sorted(lexicon()[key], key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words))


def _has(key: str, text: str) -> bool:
    return bool(text) and bool(_pattern(key).search(text))


@dataclass(frozen=True)
class _Part:
    text: str  # a red-flag part of the message
    before: str  # the same sentence before it
    after: str  # the same sentence after it
    earlier: str  # the whole message before it


def _red_flag_parts(text: str, flags: Sequence[str], use_rules: bool) -> list[_Part] | None:
    """The parts holding the red flags (single parts, then pairs, then sentences); None if one is in none."""
    parts = [(n, part) for n, sentence in enumerate(_SENTENCE.split(text)) for part in _PART.split(sentence) if part]
    needed = (set(flags) - {"model"}) if use_rules else {"model"}
    found: list[_Part] = []
    for size in (1, 2, len(parts)):  # a part, two parts, the rest of the sentence
        for first in range(len(parts)):
            sentence = parts[first][0]
            last = max(i for i in range(first, min(first + size, len(parts))) if parts[i][0] == sentence)
            body = _join(p for _, p in parts[first : last + 1])
            names = set(triage(body).flags) - ({"model"} if use_rules else set())
            if names and (size == 1 or names & needed):
                before, after = (
                    _join(p for n, p in side if n == sentence) for side in (parts[:first], parts[last + 1 :])
                )
                found.append(_Part(body, before, after, _join(p for _, p in parts[:first])))
                needed -= names
        if not needed:
            return found
    return None


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the live red-flag words stand in a part: shortest stretches the rules flag, left to right."""
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = next((j for j in range(start + 1, len(text) + 1) if rules_flag(text[start:j])), None)
        if end is None:
            break
        begin = max(i for i in range(start, end) if rules_flag(text[i:end]))
        spans.append((begin, end))
        start = end
    return spans or [(0, len(text))]


def _negated(text: str, begin: int, end: int) -> bool:
    """没有/不 before the red-flag word (over a list), or 没有 after it; not a question (是不是, 有没有)."""
    negation, filler = _pattern("negation").pattern, _pattern("negation_filler").pattern
    before = re.search(rf"(?:{negation})(?:{filler})*((?:{_HANZI_ITEM})*|.{{1,8}})$", text[:begin])
    if before and before.start() > 0 and text[before.start() - 1] == text[before.start() + 1 : before.start() + 2]:
        before = None  # A-not-A: 是不是, 有没有, 会不会
    if before and before.group(1) and not re.fullmatch(rf"(?:{_HANZI_ITEM})*", before.group(1)):
        middle = before.group(1)  # only other red flags (没有胸闷气短) or the start of this one (没发现嘴|唇发紫)
        before = before if rules_flag(middle) or (len(middle) == 1 and rules_flag(middle + text[begin:end])) else None
    if re.search(r"[不没][闷痛疼喘抽紫]$", text[begin:end]) or (re.match(r"没有?意识[不模]", text[begin:])):
        return True  # 胸口不闷; 没有意识不清
    after = re.match(rf"{_LIST_TAIL}(?:{_pattern('negation_after').pattern})[的啊呢吧]*(?:$|，)", text[end:])
    return bool(before or after)


def _all_negated(text: str, spans: list[tuple[int, int]]) -> bool:
    """Every red-flag word negated; words in one list share a negation ("没有任何胸闷气短", "胸闷、气短都没有")."""
    negated = [_negated(text, begin, end) for begin, end in spans]
    for _ in range(2):  # forwards, then backwards along the list
        for i in range(1, len(spans)):
            if re.fullmatch(r"(?:[、和或及/][\u3400-\u9fff]{0,2})?", text[spans[i - 1][1] : spans[i][0]]):
                negated[i] = negated[i - 1] = negated[i] or negated[i - 1]
    return all(negated)


def _figure(part: _Part, calm: bool) -> bool:
    """A burden in the sentence linked to the body word ("物业费…压得我喘不上气"), or a set phrase."""
    sentence = _join((part.before, part.text, part.after))
    writer = _self_subject(part.before + part.text) and not _has("specific_person", part.before + part.text)
    linked = _has("figure_link", part.text) or (calm and writer)  # the writer (我, not 我妈) with no "now"
    idiom = _has("figure_idiom", re.sub(r"(?:不是|没|不)(?:在|是)?(?:开个?玩笑|说着玩)", "", sentence))
    return (_has("figure_burden", sentence) and linked) or idiom


def _subject(text: str) -> str | None:
    """'animal' or 'person': whichever is named last in the text (a pet's owner and a biting dog aside)."""
    for word in lexicon()["not_animal"]:
        text = text.replace(word, "＿" * len(word))
    animals, acts = list(_pattern("animal").finditer(text)), _pattern("animal_acts_on_person")
    named = [
        (m.end(), "animal")
        for m in animals
        if text[m.start() - 1 : m.start()] != "被" and not acts.match(text, m.end())
    ]
    for m in _pattern("person").finditer(text):  # 我家狗, 邻居的猫: the owner, not the one with the symptom
        if not any(_OWNER.fullmatch(text, m.end(), a.start()) for a in animals if a.start() >= m.end()):
            named.append((m.end(), "person"))
    return max(named)[1] if named else None


def _now(text: str, begin: int, end: int) -> bool:
    recovered = _pattern("recovered").pattern
    cleaned = re.sub(rf"现在(?:已经|都|也|基本)?(?:{recovered})", "", text)
    return _has("present_now", cleaned) or _has("present_again", text[max(0, begin - 2) : end])


def _past(key: str, text: str) -> bool:
    """A past word not comparing (比以前), recent (半小时之前) nor denied (以前没这样过)."""
    for match in _pattern(key).finditer(text):
        previous = text[max(0, match.start() - 2) : match.start()]
        if _has("comparison", previous[-1:]) or _has("recent_units", previous):
            continue
        if not re.match(r"(?:从来|从|都|也|一直|还)?[没不]", text[match.end() :]):
            return True
    return key == "past" and bool(_YEAR.search(text))


def _reading(text: str) -> bool:
    digits = cn_to_digits(text)
    return any(_NUMBER.match(digits, match.end()) for match in _pattern("reading_anchor").finditer(digits))


def _after_story(text: str) -> bool:
    """The writer or their own named after a story word, outside it ("电视剧放着呢，我奶奶…"; not "梦见我妈…")."""
    stories = list(_pattern("story").finditer(text))
    rest = text[stories[-1].end() :] if stories else ""
    mine = [m.start() for m in _pattern("specific_person").finditer(rest)] + [m.start() for m in _SELF.finditer(rest)]
    return any(start > 2 or "，" in rest[:start] for start in mine)


def _named(text: str) -> bool:
    """A person named, not only "人" / "有人" ("新冠会不会让人突然晕倒")."""
    return any(match.group() not in ("人", "有人") for match in _pattern("person").finditer(text))


def _self_subject(head: str) -> bool:
    """The writer speaks of themself ("我胸口痛"), not only asks ("我想问…")."""
    return bool(_SELF.search(head))


def _general(part: _Part, head: str, end: int) -> bool:
    """A question about symptoms in general, or about a mild feeling no particular person has."""
    scope, named, hedged = _join((part.before, part.text, part.after)), part.before + head, _has("hedge", part.text)
    mild = not (_has("intense", part.text) or re.match(r"[^，]{0,2}了", part.text[end:]))
    # "抽搐算不算癫痫", "(我)胸口有点闷，是不是焦虑"; not "孩子抽搐是不是…", "喘不上气了，要不要打120"
    case = _has("case_question", part.text[end:]) or (_has("case_question", scope) and hedged)
    if case and mild and (not _named(named) or (hedged and not _has("specific_person", named))):
        return True
    previous = part.before.split("，")[-1]  # "经常说胡话，认不出人": a red flag just before, now and then too
    if _has("occasional", part.text) or (_has("occasional", previous) and rules_flag(previous)):
        return True
    if not (_has("general_question", scope) or _pattern("category_after_flag").match(part.text[end:])):
        return False
    return not (_has("specific_person", named) or (_self_subject(head) and not hedged))


def _reason(part: _Part, use_rules: bool) -> str:
    """Why this red-flag part is only a mention, or "" when it is happening now (or unsure)."""
    text = part.text
    # The model flags a message, not a word: all of it comes before the flag. A very long part is not searched.
    spans = [(len(text), len(text))] if not use_rules else _spans(text) if len(text) <= 150 else [(0, len(text))]
    begin, end = spans[0]
    head, after_flag, last_after = text[:begin], text[end:], text[spans[-1][1] :]
    own_subject = _subject(head) is not None
    # What the earlier parts of the sentence say carries over only to a part without its own subject.
    carried = "" if own_subject else part.before
    if _all_negated(text, spans):
        return "negated"
    now, ongoing = _now(text, begin, end), _has("present_ongoing", text)
    if _figure(part, not (now or ongoing)):
        return "figure_of_speech"
    if (_subject(head) or _subject(part.earlier)) == "animal":
        return "animal"
    mine = _has("specific_person", part.before + head) or _self_subject(part.before + head)
    # "我妈晕倒了": a particular person to whom it has happened (unless the part itself is a story)
    happened = mine and bool(re.match(r"[^，]{0,2}了", after_flag))
    story = _has("story", part.before + text) or (_has("story", part.earlier) and not mine)
    real = now or ongoing or (happened and not _has("story", text)) or _after_story(part.before + head)
    if story and not ((mine or _named(part.before + head)) and real):
        return "story"
    ongoing = ongoing or happened
    # "发烧会不会烧成抽风": will it turn into (a general question such as 会不会引起 aside)
    future = _has("future_before_flag", carried + head[-8:]) and not _has("general_question", head)
    hypothetical = _has("hypothetical", carried + head) or _pattern("hypothetical_after_flag").match(after_flag)
    if (hypothetical or future) and not _has("hypothetical_cancel", text):
        return "hypothetical"
    # "…，像去年住院那次一样" compares with the past: it is now
    after = "" if re.search(r"[像跟和同如].*(一样|那样|似的)", part.after) else part.after
    treated = _pattern("treated_elsewhere").search(scope := _join((carried, text, after)))
    if treated and not _has("not_treated_after", scope[treated.end() :][:3]) and not _has("treated_cancel", text):
        return "treated_elsewhere"
    if now or (_reading(text) and not _past("past", text)):
        return ""
    if _has("seen_by_doctor", _join((carried, text, after))):
        return "treated_elsewhere"
    if (
        _past("past", text)
        or (_past("past", carried) and not _now(carried, 0, 0))
        or (_pattern("past_after_flag").match(last_after) and not re.match(r"过[去来气]", last_after))
    ):
        return "past"
    general = _general(part, head, end)
    if ongoing and (_named(part.before + head) or not general):
        return ""
    if _past("past_vague", text) or _has("recovered_after", (after_flag if use_rules else text) + "，" + part.after):
        return "past"
    return "general_question" if general else ""


def assess(text: str, flags: Sequence[str]) -> Assessment:
    """Whether the red flags triage found in ``text`` (``flags``: Triage.flags) are happening now to a person.

    PRESENT (reason "") opens the urgent ticket; CONDITIONAL names why the red flag is only mentioned.
    """
    low = unicodedata.normalize("NFKC", text).lower()
    if not flags or _has("urgent_call", low) or _has("now_is_so", low):
        return PRESENT
    use_rules = any(flag != "model" for flag in flags)
    parts = _red_flag_parts(low, flags, use_rules) or ([] if use_rules else [_Part(low, "", "", "")])
    if not parts:
        return PRESENT
    reasons = [_reason(part, use_rules) for part in parts]
    if any(reason == "" for reason in reasons):
        return PRESENT
    said_now = rf"(?:{_pattern('present_now').pattern}).{{0,8}}(?:{_pattern('now_symptom').pattern})"
    if {"hypothetical", "general_question", "past"} & set(reasons) and re.search(said_now, low):
        return PRESENT  # another sentence says it is now: "…怎么办？她现在就是这样", "我现在疼得厉害"
    return Assessment(AlarmReading.CONDITIONAL, reasons[0])
