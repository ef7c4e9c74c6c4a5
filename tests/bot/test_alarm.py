"""bot.alarm: a red flag happening now to a person alarms; one only mentioned is read CONDITIONAL (#15)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.alarm import AlarmReading, Assessment, assess, lexicon
from bot.triage import triage

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
DEV = yaml.safe_load((DATA / "alarm_dev.yaml").read_text(encoding="utf-8"))


def _intent_emergencies() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("intent_messages*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for split in ("dev", "heldout"):
            texts += [item["text"] for item in data.get(split) or [] if item["intent"] == "emergency"]
    return texts


def _assessed(text: str) -> Assessment:
    flags = triage(text).flags
    assert flags, f"triage does not flag {text!r}: nothing to assess"
    return assess(text, flags)


def test_every_flagged_emergency_of_the_intent_sets_stays_present() -> None:
    """Recall stays 100%: all five intent sets' emergencies that triage flags are read PRESENT."""
    emergencies = [text for text in _intent_emergencies() if triage(text).urgent]
    assert len(emergencies) >= 300
    conditional = {text: assessment.reason for text in emergencies if not (assessment := _assessed(text)).present}
    assert conditional == {}


@pytest.mark.parametrize("item", DEV["near_misses"], ids=lambda item: item["text"][:12])
def test_dev_near_misses_are_conditional(item: dict[str, str]) -> None:
    """Read CONDITIONAL; the reason given is compared with the kind in bench/alarm_dev.py (it may differ)."""
    assert _assessed(item["text"]).reading is AlarmReading.CONDITIONAL


@pytest.mark.parametrize("item", DEV["emergencies"], ids=lambda item: item["text"][:12])
def test_dev_emergencies_with_traps_stay_present(item: dict[str, str]) -> None:
    assert _assessed(item["text"]).present


@pytest.mark.parametrize(
    "text",
    [
        "我爸去年中风过，今天又嘴歪了",  # past, then now
        "我家狗没事，是我爸抽起来了",  # an animal, then a person
        "如果现在我妈嘴唇发紫了该怎么办？她现在就是这样",  # a "what if" that is now
        "救命，电视剧看到一半我妈晕过去了",  # a call for help outranks the story
        "我妈以前也这样过，现在又喘不上气了",
        "血氧88",
    ],
)
def test_present_words_outrank_the_traps(text: str) -> None:
    assert _assessed(text) == Assessment(AlarmReading.PRESENT, "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我家猫一直在喘", "animal"),
        ("我家狗抽搐了", "animal"),
        ("我爸去年呼吸困难住过院，想问保险能不能报", "past"),
        ("以前胸痛过，能打疫苗吗", "past"),
        ("我妈两年前中风，能上门打疫苗吗", "past"),
        ("电视剧里有个人昏迷了", "story"),
        ("呼吸困难是不是新冠的症状", "general_question"),
        ("胸口有点闷，是不是焦虑", "general_question"),
        ("物业费让我喘不上气", "figure_of_speech"),
    ],
)
def test_the_false_alarms_of_the_issue_are_conditional(text: str, reason: str) -> None:
    assert _assessed(text) == Assessment(AlarmReading.CONDITIONAL, reason)


def test_without_flags_or_with_a_flag_no_part_holds_it_alarms() -> None:
    assert assess("你好", ()).present
    assert assess("你好", ("breathing",)).present  # a flag the parts cannot place: unsure, so it alarms


def test_every_word_list_has_a_note_for_reviewers() -> None:
    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "lexicon" / "alarm_context.yaml").read_text("utf-8"))
    assert set(raw) == set(lexicon())
    for key, entry in raw.items():
        assert entry["note"].strip(), key
        assert entry["words"], key
