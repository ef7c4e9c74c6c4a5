"""Wording residents read: no stray spaces inside Chinese text, whatever the configured phone looks like."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot import texts
from core.settings import Settings
from hotline.app import create_app
from tests.bot.conftest import Chat

# A space with Chinese text or full-width punctuation on both sides; spaces next to digits are fine.
STRAY_SPACE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”] +[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”]")
ANNOTATED_PHONE = "023-12345678（开发环境示例号码）"  # the development default


@pytest.fixture
def annotated(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"office_phone": ANNOTATED_PHONE}))) as client:
        yield client


def test_consent_and_refusal_have_no_stray_space_after_an_annotated_phone(annotated: TestClient) -> None:
    me = Chat(annotated, {}, "oSpaces")
    consent = me.say("我要抗原")
    refusal = me.say("不同意")
    for reply in (consent, refusal):
        assert ANNOTATED_PHONE in reply
        assert not STRAY_SPACE.search(reply), reply


def test_no_text_that_carries_the_office_phone_has_a_stray_space() -> None:
    from bot import texts

    for reply in (
        texts.welcome("幸福社区", ANNOTATED_PHONE),
        texts.help_text(ANNOTATED_PHONE),
        texts.help_in_flow("抗原申请", ANNOTATED_PHONE),
        texts.apology(ANNOTATED_PHONE),
        texts.voice_unrecognised(ANNOTATED_PHONE),
        texts.media_received("图片", ANNOTATED_PHONE),
        texts.unknown(ANNOTATED_PHONE),
        texts.not_understood(ANNOTATED_PHONE),
        texts.consent_request("安排抗原配送", ANNOTATED_PHONE),
        texts.consent_refused(ANNOTATED_PHONE),
    ):
        assert not STRAY_SPACE.search(reply), reply


def test_a_tentative_answer_names_its_question_then_offers_the_others_or_a_person() -> None:
    with_others = texts.tentative_answer("老人打疫苗有绿色通道吗？", "有。", "民发〔2023〕5号 第三条", ["疫苗在哪打？"])
    assert with_others.startswith("您问的可能是“老人打疫苗有绿色通道吗”：\n有。\n依据：民发〔2023〕5号 第三条")
    assert "1. 疫苗在哪打？" in with_others and "回复数字" in with_others
    alone = texts.tentative_answer("老人打疫苗有绿色通道吗？", "有。", "", [])
    assert "依据" not in alone and "回复数字" not in alone and "转人工" in alone
