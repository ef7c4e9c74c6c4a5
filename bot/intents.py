"""Intent names (the fixed contract) and detection on free text and menu keys."""

from __future__ import annotations

import re
from enum import StrEnum


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

# Asking *about* something (a policy question) rather than asking *for* it.
_QUESTION = re.compile(r"怎么|怎样|咋|如何|什么|啥|为什么|多久|几天|是否|能不能打|政策|规定|要求|注意")
_REQUEST = re.compile(r"申请|登记|领|要|需要|想要|求|发|给我|送|买|有没有|有吗|缺")

_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (Intent.HUMAN, re.compile(r"转人工|人工|真人|客服|工作人员|网格员|找人")),
    (Intent.STATUS, re.compile(r"进度|到哪|怎么还没|还没到|单号|查询")),
    (Intent.ANTIGEN, re.compile(r"抗原|试剂|自测盒|检测盒|测试盒")),
    (Intent.REFERRAL, re.compile(r"转诊|住院|医院|看病|就医|挂号|透析|急诊")),
    (Intent.MEDICINE, re.compile(r"药|布洛芬|对乙酰氨基酚|退烧|退热|止痛|止咳|连花")),
)


def detect(text: str) -> Intent:
    """The resident's intent from free text; POLICY when it reads as a question, else UNKNOWN."""
    for intent, pattern in _PATTERNS:
        if pattern.search(text):
            if (
                intent in (Intent.ANTIGEN, Intent.MEDICINE, Intent.REFERRAL)
                and _QUESTION.search(text)
                and not (_REQUEST.search(text))
            ):
                return Intent.POLICY
            return intent
    return Intent.POLICY
