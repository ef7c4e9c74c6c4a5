"""Hospital referral: patient, age, symptoms, conditions, hospital, when."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import Chat, tickets_of


def test_a_referral_for_a_father_on_dialysis(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("我爸要透析，医院联系不上")
    assert "多大年纪" in me.say("同意")  # father and dialysis came with the first message
    assert "哪家医院" in me.say("81")  # what is needed (透析) came with the first message too
    me.say("区人民医院")
    assert "今天" in me.replies[-1]
    assert "周五上午" in me.say("9")
    me.say("2")
    me.say("6栋3单元402")
    summary = me.say("李先生 13700001234")
    assert "透析" in summary and "区人民医院" in summary and "明天" in summary and "137****1234" in summary
    assert "120" in me.say("1")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.type == "referral" and ticket.priority == "high"
    details = ticket.details
    assert details["who"] == "父亲" and details["age"] == 81 and details["dialysis"] is True
    assert details["conditions"] == ["透析"] and details["hospital"] == "区人民医院" and details["when"] == "明天"


def test_conditions_by_number_and_no_preferred_hospital(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("转诊")
    me.say("同意")
    me.say("本人")
    me.say("66")
    me.say("发烧5天了，咳嗽")
    assert "1 到 6" in me.say("9")  # no pregnancy offered at 66
    me.say("2 3")
    me.say("0")
    me.say("3")
    me.say("2-3-601")
    me.say("13812345678 刘阿姨")
    me.say("1")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["conditions"] == ["慢性肺病", "心脏病"] and ticket.details["chronic"] is True
    assert ticket.details["hospital"] == "无要求，就近安排" and ticket.details["address"] == "2栋3单元601"


def test_a_red_flag_given_as_a_symptom_is_an_emergency(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("想去医院看病")
    me.say("同意")
    me.say("1")
    me.say("70")
    alarm = me.say("胸口痛得很，出冷汗")
    assert "120" in alarm
    assert [t.type for t in tickets_of(db(), me.openid)] == ["emergency"]
