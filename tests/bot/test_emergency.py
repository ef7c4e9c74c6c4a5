"""Emergency triage: caught in any wording, at any point, answered at once with an urgent ticket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.triage import triage
from core.settings import Settings
from core.timeutil import utcnow
from hotline.app import create_app
from residents import accounts
from residents import service as resident_service
from tests.bot.conftest import Chat, notes_of, request_antigen, tickets_of
from tickets import duty
from tickets.models import OutboxMessage, Ticket

RED_FLAGS = [
    "呼吸困难",
    "我妈喘不上气",
    "嘴唇发紫",
    "意识不清",
    "人昏迷了",
    "叫不醒",
    "喊不醒",
    "一直在抽搐",
    "胸痛",
    "血氧 88",
    "血氧饱和度才九十",
    "氧饱和90%",
    "spo2 91",
    "SpO2：89",
    "嘴巴乌了",
    "脸发紫",
    "晕过去了",
    "娃儿一直抽",
    "胸口痛得很",
    "出不赢气",
    "气紧得很",
    "血氧掉到八十几了",
    "雪氧92",
    "我。妈。呼吸。困难。",
    "老人摔倒了起不来",
    "不省人事",
    # word classes widened after an independently written set (bench/data/intent_messages_fresh.yaml)
    # found them missing: Cantonese negation, "also/even then does not wake", confusion, homophones.
    "透唔过气",
    "呼吸好辛苦",
    "阿婆晕咗",
    "喊都唔醒",
    "宝宝喂奶都不醒",
    "叫他也不应",
    "说话颠三倒四的",
    "人迷糊了",
    "胡吸困难",
    "刚才抽了几下",
    # and after a second one (bench/data/intent_messages_second.yaml), one example per widened class
    "我爸气接不上来",
    "宝宝鼻翼一扇一扇的",
    "吸气时肋骨那里凹下去",
    "奶奶反应很慢",
    "孩子特别嗜睡",
    "四肢发硬 眼睛往上翻",
    "一边手脚没力气",
    "说话含糊不清",
    "咳出好多血",
    "吐的东西是咖啡色的",
    "宝宝一个半月 发烧了",
    "二十天的娃 体温37.9",
    "怀孕五个月 流血了",
    "不想活了",
    "摔在地上半天站不起来",
    "指夹显示88",
    "面孔发灰",
    # and after a third (bench/data/intent_messages_third.yaml)
    "问他话也不吭声",
    "敲门半天没动静",
    "整个人软绵绵的",
    "两眼发直",
    "推都推不醒",
    "手上的血止不住",
    "烫伤一大片",
    "屋里好大煤气味",
    "把安眠药当成维生素吃错药了",
    "孩子掉进河里了",
    "喉咙肿得咽不下口水",
    "体温41度",
    "心率160",
    "心跳才四十",
    "血压210/120",
    "血压80/50",
    "wo ba chuan bu shang qi",
]
NOT_RED_FLAGS = [
    "没有呼吸困难",
    "不胸痛，也没有胸闷",
    "血氧98正常吗",
    "血氧多少算正常",
    "我要退烧药",
    "头晕了想要点药",
    "腿抽筋了",
    "8栋1单元302",
    "哮喘病人能打疫苗吗",
    "今天抽了一下血",
    "紧急救助怎么申请",
    "中风险地区还有吗",
    "胸口不痛，就是喉咙痛",
    "发烧咳嗽，不喘，血氧97",
    "爬楼爬得气喘吁吁",
    "娃儿有癫痫 能打疫苗吗",
    "孩子两岁 发烧38度",
    "烫伤了怎么处理",
    "体温38.5",
    "血压130/80",
    "心率80",
    "我要跟真人说话，机器人说不清楚",
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flags_are_caught_in_any_wording(text: str) -> None:
    assert triage(text).urgent, text


@pytest.mark.parametrize("text", NOT_RED_FLAGS)
def test_plain_negations_and_normal_readings_are_not_alarms(text: str) -> None:
    assert not triage(text).urgent, text


def test_but_a_negated_flag_next_to_a_live_one_still_triggers() -> None:
    assert triage("没有发烧，但是呼吸困难").urgent
    assert triage("没有胸痛，血氧90").urgent


def test_a_first_message_emergency_needs_no_consent_and_no_question(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oNewcomer")
    reply = me.say("救命 我老伴倒在地上叫不醒")
    assert reply.startswith("这可能是急症，请立即拨打 120") and "023-61230120" in reply
    assert "同意" not in reply
    assert "侧躺" in reply  # what to do meanwhile fits the red flag (unconscious)
    [ticket] = tickets_of(db(), me.openid)
    assert ticket.type == "emergency" and ticket.priority == "urgent"
    assert me.last.get("intent", "emergency") == "emergency"


def test_a_second_alarm_and_the_phone_go_onto_the_same_ticket(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat()
    me.say("血氧88")
    assert "电话和住址" in me.replies[-1]  # the member needs to find the resident
    me.say("嘴唇也发紫了")
    added = me.say("13812345678 8栋1单元302")
    assert "已补充到紧急单" in added
    session = db()
    [ticket] = tickets_of(session, me.openid)
    assert ticket.details["spo2"] == 88 and ticket.details["phone"] == "13812345678"
    assert ticket.details["address"] == "8栋1单元302"
    assert notes_of(session, ticket.id or 0) == ["嘴唇也发紫了", "13812345678 8栋1单元302"]


def test_an_emergency_during_consent_keeps_the_request_for_later(chat: Callable[..., Chat]) -> None:
    me = chat()
    me.say("我要抗原")
    assert "继续" in me.say("我爸胸口疼得厉害")
    assert "同意" in me.say("继续")
    assert "几口人" in me.say("同意")


# -- a resident cancelling an emergency: it stays open, the member is told and calls to confirm -------
@pytest.fixture
def paged(settings: Settings) -> Iterator[TestClient]:
    """Member notifications on (template messages); 李芳 is on duty and follows the account."""
    configured = settings.model_copy(update={"wechat_template_ticket": "TPL_TICKET"})
    with TestClient(create_app(configured)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        with Session(engine) as session:
            user = accounts.add_user(
                session=session, username="lifang", role="member", password="long password", display_name="李芳"
            )
            user.openid = "oMemberLi"
            community = resident_service.default_community(session=session, settings=configured)
            assert community.id is not None
            duty.set_shift(
                session=session,
                username="lifang",
                starts_at=utcnow() - timedelta(hours=1),
                ends_at=utcnow() + timedelta(hours=12),
                community_id=community.id,
            )
            session.commit()
        yield client


def _messages_to(session: Session, openid: str) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.target == openid)))


def test_cancelling_an_emergency_keeps_it_open_and_tells_the_member(paged: TestClient) -> None:
    me = Chat(paged, {}, "oWithdraw")
    me.say("我妈喘不上气了")
    engine = paged.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        [ticket] = tickets_of(session, me.openid)
        assert ticket.assignee == "lifang" and len(_messages_to(session, "oMemberLi")) == 1
    assert "确认取消" in me.say("取消")
    reply = me.say("1")
    assert "已取消" not in reply and "确认" in reply and "电话" in reply
    with Session(engine) as session:
        ticket = session.get(Ticket, ticket.id)
        assert ticket is not None and ticket.is_open and ticket.status != "cancelled"
        assert any("不需要" in note for note in notes_of(session, ticket.id or 0))
        pages = _messages_to(session, "oMemberLi")
        assert len(pages) == 2 and "确认" in pages[-1].payload["data"]["first"]
    # Asking again changes nothing more: one note, one page.
    me.say("取消")
    me.say("1")
    with Session(engine) as session:
        assert sum("不需要" in note for note in notes_of(session, ticket.id or 0)) == 1
        assert len(_messages_to(session, "oMemberLi")) == 2
        assert "紧急求助" in me.say("查询进度")


def test_other_requests_still_cancel_while_an_emergency_is_open(
    chat: Callable[..., Chat], db: Callable[[], Session]
) -> None:
    me = chat("oBoth")
    request_antigen(me)
    me.say("胸痛")
    antigen, urgent = tickets_of(db(), me.openid)
    me.say(f"取消 {antigen.number}")
    assert "已取消单号" in me.say("1")
    session = db()
    assert session.get(Ticket, antigen.id).status == "cancelled"  # type: ignore[union-attr]
    assert session.get(Ticket, urgent.id).is_open  # type: ignore[union-attr]


def test_every_red_flag_has_advice_that_does_not_repeat_the_reply() -> None:
    from bot.engine.emergency import ADVICE, DEFAULT_ADVICE
    from bot.triage import _PATTERNS as _FLAGS

    assert set(_FLAGS) - {"other"} <= set(ADVICE)
    for advice in (*ADVICE.values(), DEFAULT_ADVICE):
        assert "备好病历" not in advice and "独处" not in advice, advice
