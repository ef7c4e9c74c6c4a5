"""Every sentence a resident reads, in one place: short, plain Chinese, each with a next step."""

from __future__ import annotations

MENU_ITEMS = (
    ("1", "申请抗原", "antigen"),
    ("2", "登记买药", "medicine"),
    ("3", "就医转诊", "referral"),
    ("4", "政策咨询", "policy"),
    ("5", "查询进度", "status"),
    ("6", "转人工", "human"),
)


def menu() -> str:
    items = "\n".join(f"{number}. {title}" for number, title, _ in MENU_ITEMS)
    return f"请回复数字：\n{items}"


def welcome(community: str, office_phone: str) -> str:
    return (
        f"您好，这里是{community}居民服务号。可以帮您登记抗原和药品、联系医院，解答防疫政策。\n"
        f"{menu()}\n也可以直接打字或发语音告诉我。社区电话：{office_phone}"
    )


def help_text(office_phone: str) -> str:
    return f"{menu()}\n随时可回复：取消、重新开始、转人工、查询进度。\n急症请直接拨打120。社区电话：{office_phone}"


def help_in_flow(title: str, office_phone: str) -> str:
    return (
        f"您正在办理{title}，还没办完。不办了回复“取消”，找工作人员回复“转人工”，"
        f"急症请直接拨打120。社区电话：{office_phone}"
    )


def help_in_consult(number: str, office_phone: str) -> str:
    return (
        f"您正在和社区工作人员对话（单号 {number}），直接留言即可，工作人员会在这里回复您。\n"
        "回复“结束”结束人工服务，之后可以申请抗原、登记买药、就医转诊、咨询政策。\n"
        f"回复“查询进度”查看您办理的事项。急症请直接拨打120。社区电话：{office_phone}"
    )


def consult_ended() -> str:
    return "好的，人工服务已结束。还需要什么帮助？回复“帮助”查看菜单。"


def consult_ended_by_cancel() -> str:
    return "好的，人工服务已结束。要取消登记的事项，请再回复“取消”。"


def consult_restarted() -> str:
    return f"好的，人工服务已结束，我们重新开始。\n{menu()}"


def consult_cancelled(number: str) -> str:
    return f"已取消单号 {number}，人工服务已结束。还需要什么帮助？回复“帮助”查看菜单。"


def consult_goes_on() -> str:
    return "（您仍在人工服务中，直接留言即可；回复“结束”结束人工服务。）"


def apology(office_phone: str) -> str:
    return f"抱歉，系统刚才出了点问题，您的消息已记录。请稍后再试，或拨打社区电话 {office_phone}。"


def voice_unrecognised(office_phone: str) -> str:
    return f"抱歉，这条语音没听清。请打字告诉我，或拨打社区电话 {office_phone}。"


def media_received(what: str, office_phone: str) -> str:
    return f"收到您的{what}。我只能看懂文字和语音，请用文字说说需要什么帮助，或拨打社区电话 {office_phone}。"


def location_received(label: str) -> str:
    place = f"（{label}）" if label else ""
    return f"收到您的位置{place}。登记时请告诉我楼栋-单元-门牌，如 3栋2单元501。\n{menu()}"


def unknown(office_phone: str) -> str:
    return f"这个问题我还答不上来，已记录并转给社区工作人员。也可拨打 {office_phone}。\n回复“帮助”查看我能做什么。"


def not_understood(office_phone: str) -> str:
    """For what is neither a request nor a policy question: nothing was logged, so nothing is promised."""
    return (
        "这个我帮不上忙。我能帮您申请抗原、登记买药、联系医院，也能解答防疫政策。"
        f"也可拨打 {office_phone}。\n回复“帮助”查看菜单。"
    )


def cancelled() -> str:
    return "好的，已取消。还需要什么帮助？回复“帮助”查看菜单。"


def restarted() -> str:
    return f"好的，我们重新开始。\n{menu()}"


def consent_request(purpose: str, office_phone: str) -> str:
    # One separate consent (PIPL Art. 29) covering contact details and the health facts the
    # requests need, asked once before any is collected and remembered for later requests.
    return (
        f"为了{purpose}，需要记录您的称呼、电话、住址，以及用药或就医人的年龄和健康情况，"
        f"仅用于社区为您办理服务，社区工作人员可见，下次办理不用再填。\n"
        f"回复“同意”继续；如不同意，可拨打社区电话办理：{office_phone}。"
    )


def consent_refused(office_phone: str) -> str:
    # The phone comes last in its sentence: a configured number may end in Chinese (a note in brackets).
    return f"好的，不记录您的信息。请拨打社区电话办理：{office_phone}。如改变主意，回复“同意”即可在线登记。"


def consent_granted() -> str:
    return "谢谢，已记录您的同意。"


def consent_reask() -> str:
    return "请回复“同意”或“不同意”。"


def confirm_footer() -> str:
    return "回复 1 确认，2 修改，0 取消。"


def choose_slot_to_edit(options: list[str]) -> str:
    lines = "\n".join(f"{i}. {name}" for i, name in enumerate(options, 1))
    return f"要修改哪一项？请回复数字：\n{lines}\n不用改了回复 0。"


def corrected() -> str:
    return "好的，已改过来。"


def flow_timed_out(title: str) -> str:
    return f"上次的{title}超过时间没有完成，已为您清除。"


def flow_resumable(title: str) -> str:
    return f"（您的{title}已保留，稍后回复“继续”即可完成。）"


def flow_waiting(title: str) -> str:
    return f"（您的{title}还没办完，回复“继续”即可完成。）"


def flow_aside_expired(title: str) -> str:
    return f"（您的{title}超过时间没有完成，需要时请重新办理。）"


def flow_pending(title: str) -> str:
    return f"（您的{title}还没办完）"


def greeting_back() -> str:
    return "您好！祝您和家人身体健康。需要帮忙请直接告诉我，或回复“帮助”查看菜单。"


def thanks() -> str:
    return "不客气！还需要什么帮助，回复“帮助”查看菜单。"


def nothing_to_end() -> str:
    return "现在没有进行中的人工服务，不用结束。"


def goodbye() -> str:
    return "好的，有需要随时找我。"


def what_next() -> str:
    return "需要帮助回复“帮助”查看菜单，找工作人员回复“转人工”。"


def flow_still_open(title: str) -> str:
    return f"您的{title}还没办完，不办了回复“取消”。"


def nothing_to_resume() -> str:
    return "没有需要继续的登记。回复“帮助”查看菜单。"


def suggestions(questions: list[str]) -> str:
    lines = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1))
    return f"您是不是想问：\n{lines}\n回复数字查看，或直接换个说法问我。"


def policy_answer(answer: str, source: str) -> str:
    return f"{answer}\n依据：{source}" if source else answer


def superseded_answer(answer: str, source: str, note: str | None, current: str | None, numbered: bool) -> str:
    """A superseded rule: that it no longer applies and what replaced it first, then what it said."""
    lines = [f"这是以前的规定，现在已不再执行。{note or ''}", f"以前的规定：{answer}"]
    if source:
        lines.append(f"依据：{source}（已停止执行）")
    if current and numbered:
        lines.append(f"回复“1”查看现在的规定：{current.rstrip('？?')}")
    elif current:
        lines.append(f"想了解现在的规定，可以问我：“{current}”")
    return "\n".join(lines)


# After a policy answer to a message that could also have been a request: how to make the request.
_HOW_TO_ASK = {
    "antigen": "需要社区送抗原，请回复“要抗原”。",
    "medicine": "需要社区帮您买药送药，请回复“买药”。",
    "referral": "需要社区帮您联系医院，请回复“联系医院”。",
    "human": "想找工作人员，请回复“转人工”。",
}


def how_to_ask_for(intent: str) -> str:
    return _HOW_TO_ASK.get(intent, "")


def tentative_answer(question: str, answer: str, source: str, others: list[str]) -> str:
    """The likely entry's answer, saying which question it answers, then the other choices."""
    text = f"您问的可能是“{question.rstrip('？?')}”：\n{policy_answer(answer, source)}"
    if not others:
        return f"{text}\n不是这个的话，请换个说法问我，或回复“转人工”找工作人员。"
    lines = "\n".join(f"{i}. {q}" for i, q in enumerate(others, 1))
    return f"{text}\n不是这个的话，您是不是想问：\n{lines}\n回复数字查看，或直接换个说法问我。"


def member_no_resident_ticket(office_phone: str) -> str:
    """A committee member's WeChat account is bound to a staff account: it opens no resident ticket."""
    return (
        "您的微信已绑定社区工作人员账号，这里不会以居民身份为您开单。"
        f"为居民登记、跟进请在社区工作台操作；有人危急请立即拨打120。社区电话：{office_phone}"
    )


def rate_limited(office_phone: str) -> str:
    """Said once to a resident who sends faster than anyone types; later messages of the minute get nothing."""
    return f"您发送得太快了，请稍等一分钟再发。我们会处理您之前的消息；急事请拨打社区电话 {office_phone}。"


def alarm_if_now(emergency_phone: str) -> str:
    """A red flag only mentioned (the past, a pet, a story, a general question): the advice, in conditional words."""
    return (
        f"如果现在就有人这样（喘不上气、胸痛、叫不醒、抽搐等），请立即拨打 120，社区应急电话 {emergency_phone}。\n"
        "是现在有人这样吗？是的话回复“1”，我马上通知值班人员。"
    )


# What the community does for each service (民发〔2023〕5号 第三条), told when the knowledge base has no
# sure answer to a question about it.
_SERVICE_STATEMENTS = {
    "antigen": "社区配合社区卫生服务站，为老年人和其他高风险人群提供抗原检测等服务，可以在这里登记。",
    "medicine": (
        "社区配合社区卫生服务站，为老年人和其他高风险人群提供药品等服务，具体有哪些药各社区不同，用药请遵医嘱。"
    ),
    "referral": "社区配合社区卫生服务站，为老年人和其他高风险人群提供联系上级医院等服务；病情危急请直接拨打120。",
}
_SERVICE_SOURCE = "民发〔2023〕5号 第三条"


def service_statement(intent: str, title: str) -> str:
    statement = _SERVICE_STATEMENTS.get(intent)
    if statement is None:
        return f"社区可以帮您办理{title or '这项服务'}。"
    return policy_answer(statement, _SERVICE_SOURCE)


_OFFER_WHAT = {"antigen": "要抗原", "medicine": "要社区帮您买药", "referral": "要社区帮您联系医院"}


def offer_request(intent: str = "") -> str:
    return f"{_OFFER_WHAT.get(intent, '需要')}的话回复“1”，我帮您登记。"


def about_the_bot(office_phone: str) -> str:
    return (
        "我是社区的自动回复助手，能帮您申请抗原、登记买药、联系医院，解答防疫政策。"
        f"想找工作人员请回复“转人工”，或拨打社区电话 {office_phone}。"
    )


def not_helped(office_phone: str) -> str:
    """After two replies in a row that did not help: a person, in so many words."""
    return f"需要的话回复“转人工”，社区工作人员会在这里回复您；也可以直接拨打社区电话 {office_phone}。"


def stuck(office_phone: str, flow_title: str | None) -> str:
    """Instead of the same reply a fourth time running."""
    text = f"看来我没能帮上您，抱歉。{not_helped(office_phone)}"
    return f"{text}\n{flow_title}不办了请回复“取消”。" if flow_title else text


def regional(region: str, answer: str) -> str:
    """A province's own rule, told to a resident whose community is not in it."""
    return f"{region}的做法是：{answer}"
