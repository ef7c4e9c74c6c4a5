"""The words the bot reads, as data: red flags, readings, commands, intents, priority, dialect.

Each ``*.yaml`` file beside this module is a mapping of entries; each entry has a ``note`` in plain
words and one of ``words`` (plain text), ``patterns`` (regular expressions, any of which may match),
``pairs`` ([what is written, what it means]; ``regex: true`` when the left side is a pattern) or
``value`` (a figure). An entry is named ``file.entry``: ``words("commands.cancel")``.

Files are read and patterns compiled once per process (functools.cache); callers bind what they use
at import time.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

FILES = (
    "red_flags",
    "readings",
    "commands",
    "answers",
    "intents",
    "services",
    "dialect",
    "slots",
    "priority",
    "alarm_context",
    "staff",
)
KINDS = ("words", "patterns", "pairs", "value")


class LexiconError(ValueError):
    """A lexicon file or entry that is missing or malformed."""


@cache
def load(file: str) -> dict[str, dict[str, Any]]:
    """Every entry of ``file`` (without ``.yaml``), in the file's order."""
    if file not in FILES:
        raise LexiconError(f"no lexicon file {file!r}")
    data = yaml.safe_load(files(__name__).joinpath(f"{file}.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise LexiconError(f"{file}.yaml is not a mapping of entries")
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("note"), str):
            raise LexiconError(f"{file}.{name} needs a note")
        if [kind for kind in KINDS if kind in entry] == []:
            raise LexiconError(f"{file}.{name} has none of {KINDS}")
    return data


def entry(name: str) -> dict[str, Any]:
    """The entry ``file.entry``."""
    file, _, key = name.partition(".")
    found = load(file).get(key)
    if found is None:
        raise LexiconError(f"no lexicon entry {name!r}")
    return found


def _strings(name: str, kind: str) -> list[str]:
    values = entry(name).get(kind)
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise LexiconError(f"{name} has no list of {kind}")
    return values


@cache
def words(name: str) -> frozenset[str]:
    """A ``words`` entry: plain texts compared as they stand."""
    return frozenset(_strings(name, "words"))


@cache
def pattern(name: str) -> re.Pattern[str]:
    """A ``patterns`` entry as one pattern (any line may match); a ``words`` entry matches any of its words."""
    found = entry(name)
    if "patterns" in found:
        return re.compile("|".join(_strings(name, "patterns")))
    return re.compile("|".join(re.escape(word) for word in _strings(name, "words")))


@cache
def patterns(file: str) -> dict[str, re.Pattern[str]]:
    """Every entry of ``file`` as a pattern, by name, in the file's order (the red flags)."""
    return {key: pattern(f"{file}.{key}") for key in load(file)}


@cache
def pairs(name: str) -> tuple[tuple[str, str], ...]:
    """A ``pairs`` entry: (what is written, what it means), in order."""
    values = entry(name).get("pairs")
    if not isinstance(values, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in values):
        raise LexiconError(f"{name} has no list of pairs")
    return tuple((str(written), str(meant)) for written, meant in values)


@cache
def replacements(name: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A ``pairs`` entry with ``regex: true``, its left sides compiled."""
    if entry(name).get("regex") is not True:
        raise LexiconError(f"{name} is not a pattern entry (regex: true)")
    return tuple((re.compile(written), meant) for written, meant in pairs(name))


def value(name: str) -> Any:
    """A ``value`` entry: a figure or a list of figures."""
    found = entry(name)
    if "value" not in found:
        raise LexiconError(f"{name} has no value")
    return found["value"]
