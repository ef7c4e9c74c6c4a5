"""The lexicon files: each parses, each entry compiles, commands own their words, red flags are shared."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

import lexicon
from bot import triage
from bot.engine import commands
from tickets import priority
from tickets.models import Priority


def test_every_yaml_file_is_a_listed_lexicon_file() -> None:
    on_disk = {path.name.removesuffix(".yaml") for path in files("lexicon").iterdir() if path.name.endswith(".yaml")}
    assert on_disk == set(lexicon.FILES)


@pytest.mark.parametrize("file", lexicon.FILES)
def test_each_file_parses_and_each_entry_compiles(file: str) -> None:
    entries = lexicon.load(file)
    assert entries, file
    for key, entry in entries.items():
        name = f"{file}.{key}"
        assert entry["note"].strip(), name
        if "patterns" in entry or "words" in entry:
            assert isinstance(lexicon.pattern(name), re.Pattern)
        if "words" in entry:
            assert all(word.strip() == word and word for word in lexicon.words(name)), name
        if "pairs" in entry:
            assert lexicon.pairs(name), name
            if entry.get("regex"):
                assert lexicon.replacements(name), name
        if "value" in entry:
            assert lexicon.value(name) is not None


def test_no_word_is_claimed_by_two_commands() -> None:
    owners: dict[str, str] = {}
    for command in lexicon.load("commands"):
        for word in lexicon.words(f"commands.{command}"):
            assert word not in owners, f"{word!r} belongs to {owners.get(word)} and {command}"
            owners[word] = command
    assert set(commands.COMMANDS) == set(owners)


def test_priority_and_triage_read_the_same_red_flags() -> None:
    shared = lexicon.patterns("red_flags")
    assert triage._PATTERNS is shared
    assert tuple(shared.values()) == priority.RED_FLAGS
    assert priority.SPO2_THRESHOLD == triage.SPO2_THRESHOLD == lexicon.value("readings.spo2_threshold")


URGENT_TEXTS = ["呼吸困难", "嘴唇发紫", "意识不清", "昏迷", "抽搐", "胸痛", "大出血", "急危重症", "胸口闷"]


@pytest.mark.parametrize("text", URGENT_TEXTS)
def test_a_red_flag_in_a_requests_text_makes_it_urgent(text: str) -> None:
    assert priority.assess(type="medicine", details={"conditions": [text]}) == Priority.URGENT


def test_a_missing_entry_is_a_clear_error() -> None:
    with pytest.raises(lexicon.LexiconError):
        lexicon.words("commands.nonexistent")
    with pytest.raises(lexicon.LexiconError):
        lexicon.load("secrets")
