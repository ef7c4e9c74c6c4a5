"""Issue #14: honest dead ends, the same reply never four times running, dialect and negation, region."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.intents import Intent, detect
from bot.routing import route
from knowledge.models import FaqEntry, UnansweredQuestion
from residents.models import Community
from tests.bot.conftest import Chat, tickets_of
from tests.conftest import OFFICE_PHONE


@pytest.mark.parametrize("text", ["你是机器人吗", "你是真人吗", "给我讲个笑话"])
def test_a_question_about_the_bot_or_a_joke_opens_nothing(
    text: str, chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat(transport="simulate")
    reply = me.say(text)
    assert me.last["ticket_id"] is None and tickets_of(db(), me.openid) == []
    assert "已记录" not in reply and "已为您转人工" not in reply
    assert db().exec(select(UnansweredQuestion)).all() == []


def test_a_real_need_for_a_person_still_opens_a_consult(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat(transport="simulate")
    me.say("我不想跟机器人说，帮我找个人")
    assert me.last["intent"] == "human" and len(tickets_of(db(), me.openid)) == 1


def test_two_replies_in_a_row_that_did_not_help_offer_a_person(chat: Callable[..., Chat]) -> None:
    me = chat()
    first = me.say("蓝色的大象飞过去了")
    assert "转人工" not in first
    second = me.say("紫色的长颈鹿在跳舞")
    assert "回复“转人工”" in second and OFFICE_PHONE in second
    assert "已记录" not in second  # nothing was logged


@pytest.mark.parametrize("texts", [["哈哈哈"] * 4, ["阿巴阿巴", "嗯嗯啊啊", "呃呃呃呃", "哦哦哦哦"]])
def test_never_the_same_reply_to_four_messages_running(texts: list[str], chat: Callable[..., Chat]) -> None:
    me = chat()
    replies = [me.say(text) for text in texts]
    assert len(set(replies)) > 1, replies
    assert "转人工" in replies[-1] and OFFICE_PHONE in replies[-1]


def test_off_script_answers_to_a_slot_question_do_not_get_the_same_prompt_four_times(
    chat: Callable[..., Chat],
) -> None:
    me = chat()
    me.say("我要抗原")
    me.say("同意")
    replies = [me.say(text) for text in ("不晓得", "不清楚", "随便", "你猜")]
    for i in range(len(replies) - 3):
        assert len(set(replies[i : i + 4])) > 1, replies
    assert any("转人工" in reply for reply in replies)


def test_the_digit_menu_is_not_shown_four_times_running(chat: Callable[..., Chat]) -> None:
    me = chat()
    replies = [me.say(text) for text in ("9", "8", "7", "99")]
    assert len(set(replies)) > 1, replies


def test_an_alarm_is_never_replaced(chat: Callable[..., Chat]) -> None:
    me = chat()
    replies = [me.say("我妈喘不上气了") for _ in range(4)]
    assert all("120" in reply for reply in replies)


@pytest.mark.parametrize("text", ["唔使登记咩", "仲使唔使戴口罩", "抗原唔使钱咩"])
def test_a_negation_inside_a_question_is_no_cancellation(text: str, chat: Callable[..., Chat]) -> None:
    me = chat(transport="simulate")
    me.say(text)
    assert me.last["intent"] != "cancel"


@pytest.mark.parametrize("text", ["唔使了", "不要了", "覅了"])
def test_a_negation_said_outright_still_cancels(text: str) -> None:
    assert detect(text) == Intent.CANCEL


def test_choices_only_answers_are_logged_for_staff(chat: Callable[..., Chat], db: Callable[[], Session]) -> None:
    me = chat(transport="simulate")
    reply = me.say("药的事情问一哈")
    if "回复数字" in reply and me.last["faq_id"] is None:
        assert db().exec(select(UnansweredQuestion)).all() != []


def _set_region(engine: Engine, region: str) -> None:
    with Session(engine) as session:
        for community in session.exec(select(Community)).all():
            community.region = region
            session.add(community)
        session.commit()


def test_with_no_region_a_provinces_own_rule_is_named_as_that_provinces(
    chat: Callable[..., Chat], engine: Engine
) -> None:
    _set_region(engine, "")
    me = chat(transport="simulate")
    reply = me.say("辽宁低保户能免费领健康包吗")
    if me.last["faq_id"] is not None and "辽宁" in reply.split("依据")[0]:
        assert reply.startswith("辽宁的做法是")


def test_with_no_region_a_nationwide_entry_comes_first(
    chat: Callable[..., Chat], engine: Engine, db: Callable[[], Session]
) -> None:
    _set_region(engine, "")
    me = chat(transport="simulate")
    me.say("社区能提供抗原检测吗")
    entry = db().get(FaqEntry, me.last["faq_id"])
    assert entry is not None and entry.region == "全国"


def test_with_a_region_set_only_that_regions_rule_is_served(
    chat: Callable[..., Chat], engine: Engine, db: Callable[[], Session]
) -> None:
    _set_region(engine, "重庆市")
    me = chat(transport="simulate")
    reply = me.say("特殊困难群众能免费领应急健康包吗")
    entry = db().get(FaqEntry, me.last["faq_id"]) if me.last["faq_id"] else None
    assert "辽宁" not in reply and (entry is None or entry.region in ("全国", "重庆"))


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("社区有冇抗原派呀", "antigen"),  # Cantonese
        ("社区敢有退烧药", "medicine"),  # Minnan-influenced
        ("阿拉社区阿有退烧药", "medicine"),  # Wu-influenced
        ("社区发不发抗原", "antigen"),
    ],
)
def test_dialect_questions_about_a_service_are_answered_first(text: str, service: str) -> None:
    routed = route(text, None, "", lambda: False)
    assert routed.intent == service and routed.asked, routed


@pytest.mark.parametrize("text", ["我欲买退烧药", "俾我啲抗原", "覅了"])
def test_dialect_needs_and_negations_are_read(text: str) -> None:
    assert detect(text) in (Intent.MEDICINE, Intent.ANTIGEN, Intent.CANCEL)
    assert route(text, None, "", lambda: False).asked is False


@pytest.mark.parametrize("text", ["楼道灯坏了找谁", "社区食堂几点开饭"])
def test_everyday_matters_outside_the_service_are_not_answered_from_the_base(
    text: str, chat: Callable[..., Chat]
) -> None:
    me = chat(transport="simulate")
    reply = me.say(text)
    assert me.last["faq_id"] is None and OFFICE_PHONE in reply
