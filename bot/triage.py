"""Red-flag triage: is this message a possible emergency?

Checked on every message, mid-flow too. Recall matters more than precision: a false alarm costs a
committee member one phone call, a missed one can cost a life. So the patterns are broad, dialect and
voice-recognition variants included, and a negation only cancels a red flag when it stands right in
front of it ("没有呼吸困难"); anything less clear triggers.

The words and figures are data, for a clinician to review: lexicon/red_flags.yaml, readings.yaml and
dialect.yaml. This module is how they are applied.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import lexicon
from bot.parsing import cn_to_digits, normalize
from bot.triage_model import model

# The learned model reads sentences only; short answers inside a flow are the rules' alone.
MODEL_MIN_HANZI = 6
_HANZI = re.compile(r"[\u3400-\u9fff]")

# Oxygen saturation below this is a red flag (2023 national guidance: SpO2 < 93% at rest).
SPO2_THRESHOLD: int = lexicon.value("readings.spo2_threshold")

# Homophones and spellings voice recognition produces for the words that matter here.
_VARIANTS = lexicon.pairs("dialect.red_flag_slips")

# The red flags by name, in the order of lexicon/red_flags.yaml (the first decides the advice).
_PATTERNS = lexicon.patterns("red_flags")

# A negation right in front of the red flag, not part of a question such as 是不是 / 有没有.
_NEGATED = lexicon.pattern("readings.negation")

_SPO2_ANCHOR = lexicon.pattern("readings.spo2_anchor")
_SPO2_LOW_WORDS = lexicon.pattern("readings.spo2_low")
_SPO2_ASKING = lexicon.pattern("readings.spo2_asking")


@dataclass(frozen=True)
class Triage:
    flags: tuple[str, ...] = ()
    spo2: int | None = None

    @property
    def urgent(self) -> bool:
        return bool(self.flags)


def _prepare(text: str) -> str:
    text = normalize(text)
    for variant, canonical in _VARIANTS:
        text = text.replace(variant, canonical)
    return text


def _spo2(text: str) -> tuple[bool, int | None]:
    """A low oxygen reading: '血氧88', '血氧饱和度才九十', '氧饱和90%', '血氧掉到八十几'."""
    low, reading = False, None
    for anchor in _SPO2_ANCHOR.finditer(text):
        window = cn_to_digits(text[anchor.end() : anchor.end() + 14])
        number = re.search(r"(?<![\d.])(\d{2,3})(?:\.\d)?", window)
        if number and 50 <= int(number.group(1)) <= 100:
            reading = int(number.group(1))
            low = low or reading < SPO2_THRESHOLD
        elif _SPO2_LOW_WORDS.search(window) and not _SPO2_ASKING.search(window):
            low = True
    return low, reading


def _live_matches(pattern: re.Pattern[str], text: str) -> bool:
    """True when at least one match is not negated right before it."""
    return any(not _NEGATED.search(text[: match.start()]) for match in pattern.finditer(text))


# Readings that are emergencies whatever words come with them (read before "." and "/" are dropped).
_TEMPERATURE = lexicon.pattern("readings.temperature")
_HEART_RATE = lexicon.pattern("readings.heart_rate")
_BLOOD_PRESSURE = lexicon.pattern("readings.blood_pressure")
_TEMPERATURE_ALARM: list[int] = lexicon.value("readings.temperature_alarm")
_TEMPERATURE_ORDINARY: list[int] = lexicon.value("readings.temperature_ordinary")
_HEART_RATE_ALARM: list[int] = lexicon.value("readings.heart_rate_alarm")
_BLOOD_PRESSURE_ALARM: list[int] = lexicon.value("readings.blood_pressure_alarm")

# What the rules exclude on purpose reads like a red flag to character n-grams.
_LOOKALIKE = lexicon.pattern("readings.lookalike")


def _readings(text: str) -> tuple[bool, bool]:
    """(a bad reading, a temperature in the ordinary range) in the raw text.

    The limits are in lexicon/readings.yaml: bad is 体温 41 to 43, heart rate 130 and above or 20 to 45,
    systolic 180 and above or 40 to under 90; ordinary a temperature from 35 to below 41.
    """
    text = cn_to_digits(unicodedata.normalize("NFKC", text).lower())
    temperatures = [int(m.group(2)) for m in _TEMPERATURE.finditer(text)]
    pulses = [int(m.group(2)) for m in _HEART_RATE.finditer(text)]
    pressures = [int(m.group(2)) for m in _BLOOD_PRESSURE.finditer(text)]
    hot_from, hot_to = _TEMPERATURE_ALARM
    fast, slow_from, slow_to = _HEART_RATE_ALARM
    high, low_from, low_below = _BLOOD_PRESSURE_ALARM
    bad = (
        any(hot_from <= t <= hot_to for t in temperatures)
        or any(p >= fast or slow_from <= p <= slow_to for p in pulses)
        or any(p >= high or low_from <= p < low_below for p in pressures)
    )
    ordinary_from, ordinary_below = _TEMPERATURE_ORDINARY
    return bad, any(ordinary_from <= t < ordinary_below for t in temperatures)


def _rule_flags(text: str) -> tuple[list[str], int | None, bool]:
    """Live flags, the oxygen reading, and whether the message says outright that a flag is absent."""
    prepared = _prepare(text)
    named = [name for name, pattern in _PATTERNS.items() if pattern.search(prepared)]
    flags = [name for name in named if _live_matches(_PATTERNS[name], prepared)]
    low, reading = _spo2(prepared)
    if low:
        flags.append("spo2")
    bad_reading, ordinary_temperature = _readings(text)
    if bad_reading:
        flags.append("reading")
    # A flag named but negated (不喘), a normal oxygen reading or temperature, a known look-alike.
    denied = bool(named) or ordinary_temperature or bool(_LOOKALIKE.search(prepared))
    denied = denied or (reading is not None and reading >= SPO2_THRESHOLD)
    return flags, reading, denied


def rules_flag(text: str) -> bool:
    """Whether the word-class rules alone see a red flag (tools/train_triage.py measures them apart)."""
    return bool(_rule_flags(text)[0])


def model_may_flag(text: str) -> bool:
    """The learned model speaks only where the rules are silent and the message denies no flag.

    "不喘，血氧97" names a red flag and says it is absent (negated, or a normal reading): the rules
    already read that, and character n-grams cannot.
    """
    flags, _, denied = _rule_flags(text)
    return not flags and not denied and _sentence_like(text)


def _sentence_like(text: str) -> bool:
    """At least MODEL_MIN_HANZI Chinese characters: a description, not a flow's answer (8栋1单元302, 同意, 王伟)."""
    return len(_HANZI.findall(text)) >= MODEL_MIN_HANZI


def triage(text: str) -> Triage:
    """Which red flags ``text`` raises (empty when none): the rules', else the learned model's."""
    flags, reading, denied = _rule_flags(text)
    if not flags and not denied and _sentence_like(text) and (learned := model()) is not None and learned.flags(text):
        flags.append("model")
    return Triage(flags=tuple(flags), spo2=reading)


def is_emergency(text: str) -> bool:
    return triage(text).urgent
