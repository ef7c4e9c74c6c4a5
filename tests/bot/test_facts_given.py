"""#15: every fact a resident already gave is used, only confirmed; natural answers are understood.

Each test talks to the bot as a resident would type, through the WeChat callback.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import Chat, tickets_of

QUESTIONS = {
    "medicines": "需要哪种药",
    "who": "是给谁办",
    "age": "多大年纪",
    "conditions": "有以下情况吗",
    "quantity": "需要多少",
    "delivery": "怎么领取",
    "address": "请告诉我住址",
    "phone": "请留下联系人和电话",
    "name": "怎么称呼您",
}


def asked(reply: str) -> set[str]:
    return {slot for slot, question in QUESTIONS.items() if question in reply}


def test_what_the_first_message_says_is_only_confirmed(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("帮我妈买降压药，她八十多岁了，有高血压")
    assert asked(me.say("同意")) == {"quantity"}  # medicine, who, age and illness came with the first message
    assert asked(me.say("两盒")) == {"delivery"}
    assert asked(me.say("下午送")) == {"address"}
    assert asked(me.say("12栋。3单元。401。")) == {"phone"}
    summary = me.say("我姓李，电话139 1234 5678")
    assert "母亲" in summary and "80 岁" in summary and "高血压" in summary and "2盒" in summary
    assert "联系人：李" in summary and "姓李" not in summary and "139****5678" in summary
    assert "特殊情况：高血压" in summary  # plain words, each once
    done = me.say("是的")
    assert "单号" in done and "孕妇" not in done and "婴幼儿" not in done  # advice for an older adult
    [ticket] = tickets_of(db(), me.openid)
    details = ticket.details
    assert details["who"] == "母亲" and details["age"] == 80 and details["conditions"] == ["高血压"]
    assert details["medicines"] == ["慢性病常用药（降压药）"] and details["quantity"] == "2盒"
    assert details["address"] == "12栋3单元401" and details["phone"] == "13912345678" and details["name"] == "李"
    assert details["delivery"].startswith("送货上门") and details["chronic"] is True


def test_choices_fit_the_person_and_an_implausible_age_is_questioned(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("帮我妈登记退烧药")
    assert "您的母亲多大年纪" in me.say("同意")
    doubt = me.say("1")
    assert "1岁？" in doubt and "母亲" in doubt  # not taken as one year old
    conditions = me.say("八十二")
    assert "有以下情况吗" in conditions and "怀孕" not in conditions and "独自居住" in conditions
    assert "需要多少" in me.say("1")  # 1 = 独自居住 in the list shown


def test_a_family_member_at_the_medicine_question_and_then_the_medicine(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要买药")
    assert "需要哪种药" in me.say("同意")
    again = me.say("给我自己买")
    assert "需要哪种药" in again and "是给谁办" not in again  # for whom is taken, the medicine asked again
    assert "您多大年纪" in me.say("布洛芬")


def test_natural_answers_for_the_household_and_the_quantity(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    assert "最多可领" in me.say("我们家三口人")
    assert "怎么领取" in me.say("两个")
    me.say("我自己去拿")
    # The address and the phone in one message: the phone is not asked.
    assert asked(me.say("8栋1单元302，电话138 1234 5678")) == {"name"}
    summary = me.say("我姓赵")
    assert "联系人：赵" in summary
    assert "单号" in me.say("对的，没问题")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["household_size"] == 3 and ticket.details["quantity"] == 2
    assert ticket.details["address"] == "8栋1单元302" and ticket.details["phone"] == "13812345678"
    assert ticket.details["delivery"] == "到社区自取"


def test_a_fact_said_before_the_request_is_used(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    me.say("我们家4口人")
    me.say("我要抗原")
    assert "最多可领" in me.say("同意")  # the household was said before the request began


def test_a_slot_corrected_at_the_confirmation_keeps_the_rest(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    for text in ("我要止咳药", "同意", "1", "40", "0", "1瓶", "1", "8栋1单元302", "张先生 13812345678"):
        me.say(text)
    assert "请告诉我住址" in me.say("地址错了")
    summary = me.say("9栋2单元201")
    assert "9栋2单元201" in summary and "1瓶" in summary and "138****5678" in summary
    summary = me.say("电话不对，应该是13900001111")
    assert "已改" in summary and "139****1111" in summary and "9栋2单元201" in summary
    assert "单号" in me.say("确认无误")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["address"] == "9栋2单元201" and ticket.details["phone"] == "13900001111"
    assert ticket.details["name"] == "张先生" and ticket.details["quantity"] == "1瓶"


def test_no_pregnancy_is_kept_for_a_father_in_a_referral(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我爸要去医院复查")
    assert "您的父亲多大年纪" in me.say("同意")
    conditions = me.say("七十来岁")
    assert "有以下情况吗" in conditions and "怀孕" not in conditions  # the need (复查) came first


def test_after_an_alarm_not_urgent_starts_the_referral_with_what_was_said(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    assert "120" in me.say("我爸胸闷好几天了")  # triage's decision, not the flow's
    consent = me.say("不是急事，就是想挂个号")
    assert "同意" in consent and "帮不上忙" not in consent
    assert "您的父亲多大年纪" in me.say("同意")  # who and the symptom came with the first message
