"""Intent names (the fixed contract) and detection on free text and menu keys.

Detection is rules over normalised text: fast, deterministic, explainable to a committee member.
The order of the checks is the order of precedence:

1. emergency (any red flag, :mod:`bot.triage`) — whatever else the message says;
2. cancel, status, human — words about the resident's own requests or about talking to a person;
3. a service (antigen, medicine, referral) named in the text — then *asking for* it (a request) or
   *asking about* it (a policy question) decides between the flow and the knowledge base;
4. policy for the remaining questions and epidemic topics, unknown for small talk and noise.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.parsing import normalize
from bot.triage import is_emergency


class Intent(StrEnum):
    MEDICINE = "medicine"
    ANTIGEN = "antigen"
    REFERRAL = "referral"
    EMERGENCY = "emergency"
    POLICY = "policy"
    HUMAN = "human"
    STATUS = "status"
    CANCEL = "cancel"
    UNKNOWN = "unknown"


class MenuKey(StrEnum):
    """CLICK event keys of the custom menu (see hotline/menu.json)."""

    ANTIGEN = "MENU_ANTIGEN"
    MEDICINE = "MENU_MEDICINE"
    REFERRAL = "MENU_REFERRAL"
    POLICY = "MENU_POLICY"
    STATUS = "MENU_STATUS"
    HUMAN = "MENU_HUMAN"
    HELP = "MENU_HELP"


MENU_INTENTS: dict[str, Intent] = {
    MenuKey.ANTIGEN: Intent.ANTIGEN,
    MenuKey.MEDICINE: Intent.MEDICINE,
    MenuKey.REFERRAL: Intent.REFERRAL,
    MenuKey.POLICY: Intent.POLICY,
    MenuKey.STATUS: Intent.STATUS,
    MenuKey.HUMAN: Intent.HUMAN,
}

# Misspellings and voice-recognition homophones of the words the rules below look for.
_VARIANTS = (
    (re.compile(r"[抗康亢扛][元园圆源远]|康原|亢原|扛原"), "抗原"),
    (re.compile(r"退[骚绕少扫]|推烧|腿烧"), "退烧"),
    (re.compile(r"[布不步][洛落罗诺][芬分粉份]"), "布洛芬"),
    (re.compile(r"[连莲][花华]清[瘟温文]"), "连花清瘟"),
    (re.compile(r"人公|仁工|人攻"), "人工"),
    (re.compile(r"[进近尽]渡|近度|尽度"), "进度"),
    (re.compile(r"转[真珍针诊]|专诊"), "转诊"),
    (re.compile(r"止疼"), "止痛"),
    (re.compile(r"查寻|察询"), "查询"),
)


def _words(fragments: str) -> re.Pattern[str]:
    """Space-separated regex fragments, any of which may match (lists stay one screen long)."""
    return re.compile("|".join(fragments.split()))


# -- the resident's own requests and people ----------------------------------------------------
_CANCEL = _words(
    r"取消 撤销 撤回 撤(了|掉) 作废 退掉 唔使 不办了 不弄了 算了 不(要|需要|用)了 (不|莫|别)(用|要)(送|登记|来|帮) "
    r"不(用|要|需要)[^吗]{1,4}了(?!吗)"
)
# 取消 also appears in questions about measures being lifted ("核酸取消了吗").
_CANCEL_TOPIC = _words(r"隔离 核酸 健康码 行程码 封控 管控 限制 政策 措施 口罩")
# Words that can only be about the resident's own request, and words policy questions share
# ("阳了在屋头有人管没", "流动接种车啥时候来"): bot.routing lets the knowledge base take the latter.
_OWN_REQUEST = _words(
    r"进度 到哪 送到哪 到了没 (还|咋|怎么|啷个|为什么|为啥)(还)?(没|冇|未)(有)?(送|到|来|人|消息|回|联系|处理|动静) "
    r"单子 单号 处理(了|得|到)?(没|吗|咋样|怎么样|如何|好了|完) "
    r"(登记|申请|报|提交)(的|了|过).{0,8}(怎么样|咋样|结果|到哪|了吗|没|呢|状态) (登记|申请)的$ "
    r"查(一下|一哈|下)?(我|进度|单) "
    r"(到现在|到今天|这么久|好几天)(都|也|还)?(没|冇|未) [都也](没|冇)(有)?(动静|消息|回音|回复|人来|人联系)"
)
_STATUS_SHARED = _words(r"(啥|什么|几)时(候)?(能)?(到|送|来) 有人管 状态")
# Asking for a person outright, or only naming one ("网格员会上门不", "楼栋长管啥子" are policy questions).
_ROLES = r"(工作人员|网格员|楼栋长|书记|主任|社工)"
_HUMAN_ASK = _words(
    r"人工 真人 活人 客服 投诉 找(个|一个)?人 [叫喊来](个|一个)人 有人(吗|在吗|没|不)$ [跟同和找]人[讲说] 机器人 "
    r"(不想|不要)跟机器 (给我|回我|打我).{0,3}电话 打.{0,2}电话给我 "
    rf"(找|叫|喊|让|请|咨询|问问).{{0,6}}{_ROLES} {_ROLES}.{{0,2}}(电话|手机|微信|联系方式)"
)
_HUMAN_ROLE = re.compile(_ROLES)

# -- services -----------------------------------------------------------------------------------
_ANTIGEN = _words(r"抗原 试剂 检测盒 自测盒 测试盒 检测卡 试纸 自测卡")
_MEDICINE = _words(
    r"药 布洛芬 对乙酰氨基酚 扑热息痛 美林 泰诺林 芬必得 散利痛 百服宁 退烧 退热 止痛 止咳 连花清瘟 感冒灵 胰岛素 "
    r"二甲双胍 糖浆 混悬液 胶囊 含片 红花油 膏药 退热贴 健康包"
)
_REFERRAL = _words(
    r"转诊 住院 医院 看病 就医 就诊 挂号 透析 化疗 放疗 门诊 复查 产检 生孩子 分娩 专家 床位 睇医生 看医生 "
    r"瞧病 急诊 医生"
)
_SERVICES = ((Intent.ANTIGEN, _ANTIGEN), (Intent.MEDICINE, _MEDICINE), (Intent.REFERRAL, _REFERRAL))

# Wanting the community to provide or arrange something.
_STRONG_REQUEST = _words(
    r"领 申请 登记(?!吗|不) 我要 要(点|些|一|两|几|\d|个|份|盒|啲) 想要 给我 帮我 帮忙 帮手 送 再要 急需 攞 "
    r"拿点 拿些 买不到 联系(一下|下)?医院"
)
_REQUEST = _words(
    r"要 想 需要 发 缺 没(有|得)?.{0,6}了 冇 吃完 用完 断了 快没 还有 有没有 有没得 不够 联系不上 不让进 不收 "
    r"住不进 挂不[到上] 排不上 停了 有.{0,10}(吗|么|没|不|冇)$ 有(吗|没有|没得|冇) ^(我|俺|咱) "
    r"(我|俺)(爸|妈|家|老|爷|奶|外|婆|公|孩|娃|儿|女)"
)
# Wanting information: how something works, what the rules are.
_STRONG_INFO = _words(
    r"政策 手续 流程 规定 意思 怎么用 咋用 怎么吃 咋吃 用法 多久 起效 一起吃 副作用 区别 注意 多少度 多少算 正常 "
    r"(登记|报备|核酸)吗 是否 为什么 为啥 点解 有效期 准不准 阳性 阳了 阴性 转阴 两条杠 一条杠 什么药 啥药 哪种药 "
    r"能开 可以开 里(面|头)?有(啥|什么|哪些) [低高](于|过)多少 超过多少 (咋个|怎样|如何)(用|吃|测) 说明 指南 教程 "
    r"直通 热线 绿色通道 包干 万一 吃(好多|多少|几[片粒颗次]) 是(啥|什么)(子)?(东西|意思)?$ 是(啥|什么)(子)?东西"
)
# Asking about the conditions of a service, even with 领/申请 in it: "领抗原要带什么证件", "健康包哪个能领".
_CONDITIONS = _words(
    r"要钱 收费 花钱 (要|需要|得)(带|准备)?(什么|啥)(子)?(材料|证件|手续|证明) 哪些人 哪个能 谁能 谁可以 给哪些"
)
# Vaccination named beside a service word ("去医院打疫苗", "吃着药打新冠针"): a vaccination question.
_VACCINE = _words(r"疫苗 接种 打针 打.{0,3}针 加强针")
# Words of the 2020–2022 measures or of the past ("封控的时候谁送药", "以前高风险区咋看病"): such a message
# may be about an old rule rather than a request now (bot.routing asks the knowledge base).
_OLD_RULES = _words(
    r"封控 封城 封楼 封小区 封闭(管理|期间|的时候|那) 管控区 防范区 [高中低]风险 健康码 行程码 场所码 "
    r"以前 那时候 当时 那阵 那会儿 20(20|21|22)年 疫情(期间|那几年|那时)"
)
# "去医院要预约吗", "住院需要核酸吗": asking what is required, not asking for something.
_MUST_I = re.compile(r"(要|需要|得|必须)[^我]{0,6}(吗|么|不)$")
_QUESTION = _words(
    r"吗 么 嘛 不$ 没有$ 没$ 什么 啥 哪 怎 咋 如何 能不能 可不可以 可以 是不是 几 多少 点样 咩 边度 问 \? 呢$"
)

# -- everything else ---------------------------------------------------------------------------
_POLICY_TOPIC = _words(
    r"疫苗 接种 打针 第.针 加强针 隔离 核酸 健康码 行程码 阳 转阴 感染 重症 症状 口罩 消毒 政策 规定 措施 补贴 "
    r"报销 医保 处方 绿色通道 出行 返乡 回老家 报备 上班 复工 上学 开学 探视 养老院 封 乙类乙管 发热 发烧 献血 "
    r"独居 老人 孕妇 儿童 服务 照顾 反映 平台 网上 社区 新冠 病毒 防疫 防控 居家 血氧"
)
# Season's greetings and greetings of the hour, at the start of a message: answered in kind.
_GREETING = _words(
    r"^(祝您|祝你|祝)?(新年|春节|节日|元旦|中秋|国庆)快乐 ^过年好 ^(给您|给你)?拜年 ^(早上|上午|中午|下午|晚上)好 ^晚安"
)
_SMALL_TALK = _words(
    r"天气 几号 星期几 礼拜几 你是谁 你叫什么 干嘛 干啥呢 嘎哈 哈哈 呵呵 红包 早上好 晚上好 中午好 晚安 谢谢 "
    r"多谢 唔该晒 辛苦了 好的 收到 ^嗯+$ ^哦+$ ^啊+$"
)


def normalize_for_intent(text: str) -> str:
    text = normalize(text)
    for pattern, canonical in _VARIANTS:
        text = pattern.sub(canonical, text)
    return text


def named_service(text: str) -> Intent | None:
    """The service (antigen, medicine, referral) a message names, whether it asks for it or about it.

    A vaccination question names none: the 医院 of "去医院打疫苗要预约吗" is where one is vaccinated.
    """
    norm = normalize_for_intent(text)
    return None if _VACCINE.search(norm) else _service(norm)


def _service(text: str) -> Intent | None:
    for intent, pattern in _SERVICES:
        if pattern.search(text):
            return intent
    return None


def _request_or_question(intent: Intent, text: str) -> Intent:
    """A named service: start its flow when it is asked *for*, the knowledge base when asked *about*."""
    if _CONDITIONS.search(text):
        return Intent.POLICY
    strong_request = bool(_STRONG_REQUEST.search(text))
    if (_STRONG_INFO.search(text) or _MUST_I.search(text) or _VACCINE.search(text)) and not strong_request:
        return Intent.POLICY
    if strong_request or _REQUEST.search(text):
        return intent
    if _QUESTION.search(text):
        return Intent.POLICY
    return intent


def detect(text: str, urgent: bool | None = None) -> Intent:
    """The resident's intent from free text (typed or recognised speech).

    ``urgent`` is the turn's triage of this text when already made (it is made once per message).
    """
    if is_emergency(text) if urgent is None else urgent:
        return Intent.EMERGENCY
    norm = normalize_for_intent(text)
    if not re.search(r"[\u4e00-\u9fff]", norm):
        return Intent.UNKNOWN
    if _CANCEL.search(norm) and not _CANCEL_TOPIC.search(norm):
        return Intent.CANCEL
    if _OWN_REQUEST.search(norm) or _STATUS_SHARED.search(norm):
        return Intent.STATUS
    if _HUMAN_ASK.search(norm) or _HUMAN_ROLE.search(norm):
        return Intent.HUMAN
    service = _service(norm)
    if service is not None:
        return _request_or_question(service, norm)
    if (_SMALL_TALK.search(norm) or _GREETING.search(norm)) and not _POLICY_TOPIC.search(norm):
        return Intent.UNKNOWN
    if _POLICY_TOPIC.search(norm) or (_QUESTION.search(norm) and len(norm) >= 4):
        return Intent.POLICY
    return Intent.UNKNOWN


SERVICES = frozenset(intent for intent, _ in _SERVICES)


def is_greeting(text: str) -> bool:
    """新年快乐, 早上好 …: a greeting to return, not a question nobody can answer."""
    norm = normalize_for_intent(text)
    return bool(_GREETING.search(norm)) and not _POLICY_TOPIC.search(norm)


def asks_about_service(text: str) -> bool:
    """A question about a service rather than a demand for it: "社区有抗原发吗", "退烧药没得了咋办".

    It starts the service's request all the same (docs/CONVERSATIONS.md); bot.routing adds the
    knowledge base's answer before it when the base is sure. "我要抗原", "帮我买药" ask outright.
    """
    norm = normalize_for_intent(text)
    return bool(_QUESTION.search(norm)) and not _STRONG_REQUEST.search(norm)


def about_old_rules(text: str) -> bool:
    """Whether the message names the measures of 2020–2022 or the past: it may ask about an old rule."""
    return bool(_OLD_RULES.search(normalize_for_intent(text)))


def may_be_policy(text: str, intent: Intent) -> bool:
    """Whether the rules chose ``intent`` only on words policy questions also use.

    Then the knowledge base may take the message instead when it is sure of an answer (bot.routing):
    "网格员会上门不" names a person without asking for one, "阳了在屋头有人管没" is no question about
    a request, "庙会还办不办" has no question word. A message that asks for a person or names the
    resident's own request keeps its intent, and so does one naming a service: "社区有抗原发吗" asks
    for antigen kits (docs/CONVERSATIONS.md), however much it sounds like a question about them.
    """
    norm = normalize_for_intent(text)
    if intent == Intent.UNKNOWN:
        chinese = re.findall(r"[\u4e00-\u9fff]", norm)
        return len(chinese) >= 4 and not _SMALL_TALK.search(norm) and not _GREETING.search(norm)
    if intent == Intent.HUMAN:
        return not _HUMAN_ASK.search(norm)
    if intent == Intent.STATUS:
        return not _OWN_REQUEST.search(norm)
    return False
