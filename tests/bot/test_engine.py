"""The engine's declared order and its command table."""

from __future__ import annotations

import pytest

from bot.engine import commands
from bot.engine.modes import MODES


def test_the_modes_are_read_in_their_declared_order() -> None:
    assert [mode.name for mode in MODES] == [
        "blank",
        "emergency",
        "emergency follow-up",
        "consult",
        "command",
        "cancel by number",
        "flow step",
        "choices",
        "digit menu",
        "route",
    ]


def test_a_word_cannot_be_registered_for_two_commands() -> None:
    with pytest.raises(ValueError, match="取消"):
        commands.command(frozenset({"取消"}))(commands.help_menu)


def test_a_command_is_found_by_its_word_or_a_short_form_of_it() -> None:
    assert commands.find("算了") is commands.cancel
    assert commands.find("我要继续吧") is commands.resume
    assert commands.find("HELP") is commands.help_menu
    assert commands.find("我要抗原") is None
