"""Medicine requests, for oneself or a family member, and an emergency in the middle of one."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from tests.bot.conftest import Chat, tickets_of


def test_a_family_member_requests_medicine_for_an_elderly_mother(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("帮我妈登记一下药")
    assert "哪种药" in me.say("同意")
    assert "1 到 4" in me.say("5")  # wrong answer: asked again with an example
    age_prompt = me.say("1 3")
    assert "多大年纪" in age_prompt  # 'for whom' came from the first message
    assert "如 72" in me.say("很老了")
    me.say("78岁")
    me.say("1 2")  # no pregnancy offered for a 78-year-old mother: 1 独自居住, 2 慢性病
    me.say("2盒")
    me.say("1")
    me.say("5栋1单元101")
    summary = me.say("王阿姨 13900001111")
    assert "母亲" in summary and "78 岁" in summary and "139****1111" in summary
    assert "单号" in me.say("1")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.type == "medicine"
    details = ticket.details
    assert details["who"] == "母亲" and details["age"] == 78 and details["medicines"] == ["退烧药", "止咳药"]
    assert details["lives_alone"] is True and details["chronic"] is True and details["pregnant"] is False
    assert ticket.priority == "high"  # 65+ living alone and chronically ill: a key group


def test_a_pregnant_resident_is_a_priority_and_free_text_medicine_is_kept(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oPregnant")
    me.say("我要。布洛芬。")
    me.say("同意")
    assert "1. 本人" in me.replies[-1]  # medicine known from the first message: for whom?
    me.say("1")
    me.say("29")
    me.say("怀孕了")
    me.say("一盒")
    me.say("自己来取")
    me.say("3栋2单元501")
    me.say("小林 13812345678")
    me.say("确认")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["medicines"] == ["退烧药（布洛芬）"]
    assert ticket.details["pregnant"] is True and ticket.details["delivery"] == "到社区自取"
    assert ticket.priority == "high"


def test_an_emergency_in_the_middle_creates_an_urgent_ticket_at_once_and_continue_resumes(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("我要退烧药")
    me.say("同意")
    assert "多大年纪" in me.say("2")
    assert "有以下情况吗" in me.say("72")
    alarm = me.say("我妈突然喘不上气了")
    assert "120" in alarm and "023-61230120" in alarm  # the community's emergency number
    assert "继续" in alarm and "坐" in alarm  # what to do meanwhile, and the request is kept
    session = db()
    [emergency] = tickets_of(session, me.openid)
    assert emergency.type == "emergency" and emergency.priority == "urgent"
    assert "breathing" in emergency.details["red_flags"] and emergency.details["message"] == "我妈突然喘不上气了"
    resumed = me.say("继续")
    assert "继续买药登记" in resumed and "有以下情况吗" in resumed  # the same question again
    me.say("0")
    me.say("1盒")
    me.say("1")
    me.say("8栋1单元302")
    me.say("13812345678 王女士")
    assert "单号" in me.say("1")
    tickets = tickets_of(db(), me.openid)
    assert [t.type for t in tickets] == ["emergency", "medicine"]


def test_a_change_at_the_confirmation(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    for text in ("我要止咳药", "同意", "1", "40", "0", "1瓶", "1", "8栋1单元302", "张先生 13812345678"):
        me.say(text)
    menu = me.say("2")
    assert "要修改哪一项" in menu and "数量" in menu
    me.say("5")  # 数量 is the 5th item shown
    summary = me.say("2瓶")
    assert "2瓶" in summary and "回复 1 确认" in summary
    me.say("1")
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.details["quantity"] == "2瓶"


def test_a_quantity_of_nothing_is_asked_again(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat()
    for text in ("我要止咳药", "同意", "1", "40"):
        me.say(text)
    assert "需要多少" in me.say("0")  # no special conditions
    assert "至少要 1" in me.say("0")
    assert "至少要 1" in me.say("0盒")
    assert "怎么领取" in me.say("1瓶")
