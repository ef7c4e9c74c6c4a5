"""Emergency triage: the first mode, checked on every message before anything else.

The reply comes at once and the urgent ticket is created in the same step: no consent question, no
slot, nothing the resident must answer first. Processing without consent is lawful here (PIPL Art.
13(4): to protect a person's life and health in an emergency). An active flow is put aside so that
"继续" brings it back once the danger is dealt with.

A committee member whose WeChat account is bound to a staff account is not the patient: their
"老人胸痛已送医" opens no urgent ticket; they are pointed to the console.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import lexicon
from bot import texts
from bot.audience import Audience
from bot.engine import filling
from bot.engine.message import Message
from bot.engine.runner import runner
from bot.flows import flow_for
from bot.flows.tickets import add_note, find_open, held_by_fallback, on_duty_people, open_ticket, reached, told
from bot.intents import Intent, detect
from bot.messages import Reply
from bot.parsing import find_phone, parse_address, parse_phone
from bot.state import SuspendedFlow, TicketMode
from bot.triage import Triage
from bot.turn import Turn
from core.timeutil import utcnow
from tickets import workflow
from tickets.models import Priority, Ticket, TicketType

# Within this window a second alarm (or the phone number the resident adds) goes onto the same
# ticket: one emergency, one ticket, the on-duty member is not paged twice.
FOLLOW_UP_WINDOW = timedelta(minutes=30)
# While the emergency ticket is open and this recent, "人呢" gets 120 again and the holders are told
# again, and 转人工 joins the emergency ticket instead of opening a consult.
LIVE_WINDOW = timedelta(hours=3)
WHERE_IS_HELP = lexicon.pattern("answers.where_is_help")
NOT_AN_EMERGENCY = lexicon.pattern("answers.not_an_emergency")
QUESTION_WORDS = ("吗", "是不是", "会不会", "要不要", "算不算", "有没有", "?", "？")
# Nobody on duty and no notice sent: what is true is that staff will see it when at work.
NOBODY_TOLD = "已转给社区工作人员，上班时间会有人处理"

# What to do while waiting for the ambulance, by the first red flag raised.
ADVICE = {
    "breathing": "让病人坐起来、松开衣领、开窗通风",
    "cyanosis": "让病人坐起来、松开衣领、开窗通风",
    "spo2": "让病人坐起来休息、开窗通风，有制氧机就先吸上",
    "consciousness": "让病人侧躺、保持呼吸顺畅，不要喂水喂药",
    "seizure": "让病人侧躺，移开身边硬物，不要往嘴里塞东西、不要按住手脚",
    "chest": "让病人马上停下、坐下或半躺休息，不要走动",
    "stroke": "让病人躺下或坐稳，记下发病的时间，不要喂水喂药",
    "bleeding": "让病人躺下休息、不要走动，不要吃东西",
    "injury": "用干净的布用力按住出血处，烫伤用流动的凉水冲，摔伤的人不要随意搬动",
    "poisoning": "离开有煤气的屋子、开窗通风，吃错的药和药瓶带上，噎住的人从背后用力拍背",
    "infant_fever": "给宝宝松开衣被，记下体温和吃奶、尿量",
}
# The reply goes on with "不要让病人独处；开门、备好病历和常用药", so this must not say it again.
DEFAULT_ADVICE = "守在病人身边，让病人躺下或坐稳休息"


def _details(turn: Turn, text: str, result: Triage, suspended: SuspendedFlow | None) -> dict[str, Any]:
    details: dict[str, Any] = {"message": text, "red_flags": list(result.flags)}
    if result.spo2 is not None:
        details["spo2"] = result.spo2
    resident = turn.resident
    for key in ("name", "phone", "address"):
        value = getattr(resident, key, None)
        if value:
            details[key] = value
    if suspended is not None and suspended.slots:
        # What the resident told the interrupted flow helps the member (who, age, conditions).
        details["during"] = suspended.flow
        for key in ("who", "age", "conditions", "phone", "address", "name"):
            if key in suspended.slots and key not in details:
                details[key] = suspended.slots[key]
    return details


def _recent_ticket(turn: Turn, window: timedelta = FOLLOW_UP_WINDOW) -> Ticket | None:
    recent = turn.state.emergency
    if recent is None:
        return None
    age = utcnow() - recent.at
    if age > LIVE_WINDOW:
        turn.state.emergency = None
        return None
    return find_open(turn, recent.ticket_id) if age <= window else None


def live_ticket(turn: Turn) -> Ticket | None:
    """The resident's emergency ticket while it is open and the alarm recent: help is still awaited."""
    return _recent_ticket(turn, LIVE_WINDOW)


def _notified(turn: Turn, ticket: Ticket) -> str:
    """Only what was really done: "已通知" when a notice was queued, else to whom it was handed."""
    whom = told(turn, ticket, reached(turn, ticket))
    if whom is not None:
        # "有人" rather than 他/他们: right for one person or two, and for a member we cannot name.
        return f"已通知{whom}，马上会有人联系您。"
    return f"{_handed(turn, ticket)}；急症请直接拨打 120，不要等回复。"


def _handed(turn: Turn, ticket: Ticket) -> str:
    """Nobody was sent a notice: the member it was handed to (seen in the console), or staff at work."""
    if held_by_fallback(turn, ticket):
        return NOBODY_TOLD
    return f"已转给{on_duty_people(turn, [ticket.assignee, ticket.backup])}"


def _told_again(turn: Turn, ticket: Ticket, said: str) -> str:
    """The resident's words on the ticket and the holders told again; what the reply may say of it."""
    whom = told(turn, ticket, workflow.nudge(session=turn.session, ticket=ticket, said=said, settings=turn.settings))
    if whom is None:
        return f"{_handed(turn, ticket)}（紧急单号 {ticket.number}），请不要等回复。"
    return f"已再次通知{whom}（紧急单号 {ticket.number}），请保持电话畅通。"


def _call_now(turn: Turn) -> str:
    return f"请立即拨打 120！社区应急电话 {turn.emergency_phone}。"


class EmergencyMode:
    """A red flag in the message: the reply and the urgent ticket at once, whatever else is going on."""

    name = "emergency"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        result, text = message.triage, message.text
        if not result.urgent:
            return None
        if turn.audience is Audience.MEMBER:
            return Reply(texts.member_no_resident_ticket(turn.office_phone), intent=None)
        suspended = runner.suspend(turn) or turn.state.suspended
        ticket = _recent_ticket(turn)
        if ticket is None:
            ticket = open_ticket(
                turn, TicketType.EMERGENCY, _details(turn, text, result, suspended), priority=Priority.URGENT
            ).ticket
        else:
            add_note(turn, ticket, text)
        turn.state.emergency = TicketMode(ticket.id, ticket.number, utcnow())
        advice = ADVICE.get(result.flags[0], DEFAULT_ADVICE) if result.flags else DEFAULT_ADVICE
        lines = [
            f"这可能是急症，{_call_now(turn)}",
            f"{_notified(turn, ticket)}（紧急单号 {ticket.number}）",
            f"等待时：{advice}，不要让病人独处；开门、备好病历和常用药。",
        ]
        if not ticket.details.get("phone"):
            lines.append("方便时回复您的电话和住址（如 13812345678 3栋2单元501），值班人员好找到您。")
        if suspended is not None:
            flow = runner.flows.get(suspended.flow)
            if flow is not None:
                lines.append(texts.flow_resumable(flow.title))
        return Reply("\n".join(lines), intent=Intent.EMERGENCY, ticket_id=ticket.id)


class FollowUpMode:
    """A phone number or address sent right after an alarm belongs on the emergency ticket."""

    name = "emergency follow-up"

    def handles(self, turn: Turn, message: Message) -> Reply | None:
        return follow_up(turn, message.text)


def follow_up(turn: Turn, text: str) -> Reply | None:
    """After an alarm: "人呢" gets 120 again, "不是急症" downgrades the ticket, a phone or address joins it."""
    if turn.state.emergency is None:
        return None
    live = live_ticket(turn)
    if live is not None and WHERE_IS_HELP.search(text):
        lines = [_call_now(turn), _told_again(turn, live, text)]
        return Reply("\n".join(lines), intent=Intent.EMERGENCY, ticket_id=live.id)
    if live is not None and NOT_AN_EMERGENCY.search(text) and not _is_question(text):
        return _downgrade(turn, live, text)
    if turn.state.flow is not None:
        return None
    phone = find_phone(text)
    rest = " ".join(part for part in text.split() if parse_phone(part) is None)
    address = parse_address(rest)
    if phone is None and address is None:
        return None
    ticket = _recent_ticket(turn)
    if ticket is None or ("phone" in ticket.details and "address" in ticket.details):
        return None
    add_note(turn, ticket, text)
    for key, value in (("phone", phone), ("address", address)):
        if value and key not in ticket.details:
            ticket.details = {**ticket.details, key: value}
    turn.session.add(ticket)
    whom = told(turn, ticket, reached(turn, ticket))
    then = f"{whom}会看到。" if whom else f"{_handed(turn, ticket)}。"
    return Reply(
        f"已补充到紧急单 {ticket.number}，{then}如情况加重，请立即拨打 120。",
        intent=Intent.EMERGENCY,
        ticket_id=ticket.id,
    )


def _is_question(text: str) -> bool:
    """A question about it ("没那么严重吧", "是不是搞错了") is no statement that it was no emergency.

    The text is cleaned (no final question mark), so the particles and the A-not-A forms decide.
    """
    return any(word in text for word in QUESTION_WORDS) or text.endswith(("吧", "么", "嘛", "?", "？"))


def _downgrade(turn: Turn, ticket: Ticket, text: str) -> Reply | None:
    """The resident says it was no emergency: the ticket stays, marked not urgent, and its holder is told.

    When the same message asks for something ("不是急事，就是想挂个号"), the line is said before that
    request starts (None: the next modes take the message).
    """
    whom = told(
        turn, ticket, workflow.downgrade(session=turn.session, ticket=ticket, said=text, settings=turn.settings)
    )
    turn.state.emergency = None
    check = f"已告诉{whom}，会有人打电话和您确认" if whom else "会有工作人员打电话和您确认"
    line = f"好的，已记下这不是急症（单号 {ticket.number}），{check}。情况有变化，请立即拨打 120。"
    if flow_for(detect(text, urgent=False)) is not None:
        alarm = ticket.details.get("message")
        if isinstance(alarm, str):
            filling.hear(turn, alarm)  # what the alarm said (who, the symptom) fills the request
        turn.state.notice = line
        return None
    return Reply(line, intent=Intent.EMERGENCY, ticket_id=ticket.id)


def join(turn: Turn, ticket: Ticket, text: str) -> Reply:
    """转人工 during an emergency: no second ticket; the messages that follow go onto the emergency one."""
    turn.state.consult = TicketMode(ticket.id, ticket.number, utcnow())
    lines = [
        _call_now(turn),
        _told_again(turn, ticket, text or "居民要求转人工"),
        "接下来您发的消息都会补充到这张紧急单；回复“结束”结束人工服务。",
    ]
    return Reply("\n".join(lines), intent=Intent.HUMAN, ticket_id=ticket.id)
