"""The readers of facts said in passing (bot.flows.facts, bot.parsing): clean, typed values."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.filling import is_yes
from bot.flows.facts import facts_in
from bot.parsing import parse_address, parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "我妈80多岁了，高血压的药吃完了，她一个人住",
            {"who": "母亲", "age": 80, "conditions": ["独自居住", "高血压"]},
        ),
        ("我老伴七十来岁，有糖尿病", {"who": "老伴", "age": 70, "conditions": ["糖尿病"]}),
        ("我姓李，电话139 1234 5678", {"name": "李", "phone": "13912345678"}),
        ("张阿姨 13812345678", {"name": "张阿姨", "phone": "13812345678"}),
        ("给我自己买", {"who": "本人"}),
        ("我们家三口人", {"household_size": 3}),
        ("下午送", {"delivery": "送货上门（下午）"}),
        ("我自己去社区拿", {"delivery": "到社区自取"}),
        ("8栋1单元302，电话138 1234 5678", {"address": "8栋1单元302", "phone": "13812345678"}),
        ("想明天上午去区人民医院", {"when": "明天上午", "hospital": "区人民医院"}),
        ("我是想问一下", {}),
        ("我妈有老毛病", {"who": "母亲", "conditions": ["慢性病"]}),
    ],
)
def test_facts_in_a_sentence(text: str, expected: dict[str, Any]) -> None:
    found = facts_in(text)
    assert {key: found.get(key) for key in expected} == expected


def test_who_is_not_taken_from_who_the_speaker_is() -> None:
    assert "who" not in facts_in("我是她女儿")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12栋。3单元。401。", "12栋3单元401"), ("3-2-501", "3栋2单元501"), ("八栋一单元三零二", "8栋1单元302")],
)
def test_addresses_are_normalised(text: str, expected: str) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("我们家三口人", 3), ("八十多", 80), ("老人打疫苗有没得人照顾一下嘛", None), ("3 4", None)]
)
def test_counts(text: str, expected: int | None) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["是的", "对的，没问题", "确认无误", "没问题", "好的啊", "1"])
def test_confirmation_words(text: str) -> None:
    assert is_yes(text)


@pytest.mark.parametrize("text", ["不对", "的", "2", "地址错了"])
def test_no_confirmation(text: str) -> None:
    assert not is_yes(text)
