"""The engine's declared order and its command table."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot import triage as triage_module
from bot.engine import commands, conversation
from bot.engine.modes import MODES
from bot.triage import Triage
from tests.bot.conftest import Chat


def test_the_modes_are_read_in_their_declared_order() -> None:
    assert [mode.name for mode in MODES] == [
        "blank",
        "bind",
        "alarm check",
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


def test_triage_runs_once_per_message(chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = triage_module.triage

    def counted(text: str) -> Triage:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(triage_module, "triage", counted)
    monkeypatch.setattr(conversation, "triage", counted)
    me = chat()
    for text in ("社区有抗原发吗", "我要买退烧药", "老人打疫苗有绿色通道吗", "查询进度"):
        calls.clear()
        me.say(text)
        assert len(calls) == 1, (text, calls)
