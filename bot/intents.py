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

import lexicon
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
# Cantonese, Minnan- and Wu-influenced wordings are read as their Mandarin (有冇 → 有没有).
_VARIANTS = tuple(
    pair
    for name in ("intent_slips", "intent_cantonese", "intent_minnan", "intent_wu")
    for pair in lexicon.replacements(f"dialect.{name}")
)

# The words of each rule are data (lexicon/intents.yaml, with a note on each); the order in which
# they are read is the code below.
_CANCEL = lexicon.pattern("intents.cancel")
_CANCEL_NEGATION = lexicon.pattern("intents.cancel_negation")
_NEGATION_QUESTION = lexicon.pattern("intents.negation_question")
_CANCEL_TOPIC = lexicon.pattern("intents.cancel_topic")
_ABOUT_BOT = lexicon.pattern("intents.about_bot")
_NEED = lexicon.pattern("intents.need")
_OFF_TOPIC = lexicon.pattern("intents.off_topic")
_OWN_REQUEST = lexicon.pattern("intents.own_request")
_STATUS_SHARED = lexicon.pattern("intents.status_shared")
_HUMAN_ASK = lexicon.pattern("intents.human_ask")
_HUMAN_ROLE = lexicon.pattern("intents.roles")
# The services a resident can ask for, in the order of lexicon/services.yaml (the first named wins);
# each name is the intent its flow declares. A name the Intent enum does not list is a flow added since.
_SERVICES = tuple(
    (Intent(name) if name in Intent._value2member_map_ else name, lexicon.pattern(f"services.{name}"))
    for name in lexicon.load("services")
)
_STRONG_REQUEST = lexicon.pattern("intents.strong_request")
_REQUEST = lexicon.pattern("intents.request")
_STRONG_INFO = lexicon.pattern("intents.strong_info")
_CONDITIONS = lexicon.pattern("intents.conditions")
_VACCINE = lexicon.pattern("intents.vaccine")
_OLD_RULES = lexicon.pattern("intents.old_rules")
_MUST_I = lexicon.pattern("intents.must_i")
_QUESTION = lexicon.pattern("intents.question")
_POLICY_TOPIC = lexicon.pattern("intents.policy_topic")
_GREETING = lexicon.pattern("intents.greeting")
_SMALL_TALK = lexicon.pattern("intents.small_talk")


def normalize_for_intent(text: str) -> str:
    text = normalize(text)
    for pattern, canonical in _VARIANTS:
        text = pattern.sub(canonical, text)
    return text


def named_service(text: str) -> str | None:
    """The service (antigen, medicine, referral) a message names, whether it asks for it or about it.

    A vaccination question names none: the 医院 of "去医院打疫苗要预约吗" is where one is vaccinated.
    """
    norm = normalize_for_intent(text)
    return None if _VACCINE.search(norm) else _service(norm)


def _service(text: str) -> str | None:
    for intent, pattern in _SERVICES:
        if pattern.search(text):
            return intent
    return None


def _request_or_question(intent: str, text: str) -> str:
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


def _cancels(norm: str) -> bool:
    """取消 said outright, or a negation (不要了, 唔使) said as a statement: inside a question it asks."""
    if _CANCEL_TOPIC.search(norm):
        return False
    if _CANCEL.search(norm):
        return True
    return bool(_CANCEL_NEGATION.search(norm)) and not _NEGATION_QUESTION.search(norm)


def negation_in_question(text: str) -> bool:
    """A negation word inside a question ("唔使登记咩"): it never triggers a command."""
    norm = normalize_for_intent(text)
    return bool(_CANCEL_NEGATION.search(norm)) and bool(_NEGATION_QUESTION.search(norm))


def about_bot(text: str) -> bool:
    """A question about the bot itself ("你是机器人吗") or a joke: a plain answer, no ticket."""
    return bool(_ABOUT_BOT.search(normalize_for_intent(text)))


def detect(text: str, urgent: bool | None = None) -> str:
    """The resident's intent from free text (typed or recognised speech).

    ``urgent`` is the turn's triage of this text when already made (it is made once per message).
    """
    if is_emergency(text) if urgent is None else urgent:
        return Intent.EMERGENCY
    norm = normalize_for_intent(text)
    if not re.search(r"[\u4e00-\u9fff]", norm):
        return Intent.UNKNOWN
    if _cancels(norm):
        return Intent.CANCEL
    if _ABOUT_BOT.search(norm):
        return Intent.UNKNOWN  # "你是机器人吗" asks about the bot, not for a person: a plain answer
    if _OWN_REQUEST.search(norm) or _STATUS_SHARED.search(norm):
        return Intent.STATUS
    if _HUMAN_ASK.search(norm) or _HUMAN_ROLE.search(norm):
        return Intent.HUMAN
    service = _service(norm)
    if service is not None:
        return _request_or_question(service, norm)
    if _OFF_TOPIC.search(norm):
        return Intent.UNKNOWN  # 楼道灯坏了找谁: no policy question, whatever words it shares
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
    """A question about a service rather than a demand for it: "社区有抗原发吗", "可以送药吗".

    It is answered first, with an offer to start the request (docs/CONVERSATIONS.md, issue #14).
    "我要抗原", "帮我买药", "能不能给我拿点药" say a need outright and start it.
    """
    norm = normalize_for_intent(text)
    return bool(_QUESTION.search(norm)) and not _NEED.search(norm)


def off_topic(text: str) -> bool:
    """An everyday matter beside the epidemic services (报修, 快递, 驾照 …): only a staff entry answers it."""
    return bool(_OFF_TOPIC.search(normalize_for_intent(text)))


def about_old_rules(text: str) -> bool:
    """Whether the message names the measures of 2020–2022 or the past: it may ask about an old rule."""
    return bool(_OLD_RULES.search(normalize_for_intent(text)))


def may_be_policy(text: str, intent: str) -> bool:
    """Whether the rules chose ``intent`` only on words policy questions also use.

    Then the knowledge base may take the message instead when it is sure of an answer (bot.routing):
    "网格员会上门不" names a person without asking for one, "阳了在屋头有人管没" is no question about
    a request, "庙会还办吧" has no question word. A message that asks for a person or names the
    resident's own request keeps its intent, and so does one naming a service: "社区有抗原发吗" asks
    for antigen kits (docs/CONVERSATIONS.md), however much it sounds like a question about them.
    """
    norm = normalize_for_intent(text)
    if intent == Intent.UNKNOWN:
        chinese = re.findall(r"[\u4e00-\u9fff]", norm)
        talk = _SMALL_TALK.search(norm) or _GREETING.search(norm) or _ABOUT_BOT.search(norm)
        return len(chinese) >= 4 and not talk
    if intent == Intent.HUMAN:
        return not _HUMAN_ASK.search(norm)
    if intent == Intent.STATUS:
        return not _OWN_REQUEST.search(norm)
    return False
