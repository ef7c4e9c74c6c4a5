"""Personal data never reaches the logs unmasked."""

from __future__ import annotations

import logging
import sys

import pytest

from core.logs import JsonFormatter, MaskingFilter, TextFormatter, mask_key, mask_openid, mask_phone, mask_text


def test_mask_phone_keeps_only_what_identifies_nobody() -> None:
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("023-61234567") == "0236****4567"
    assert mask_phone("12") == "****"


def test_mask_text_masks_mobiles_landlines_and_id_cards_in_free_text() -> None:
    text = "我电话13812345678，座机023-61234567，身份证500101199001011234"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "61234567" not in masked
    assert "199001011234" not in masked and "500101********1234" in masked


def test_filter_masks_arguments_of_log_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("resident phone %s", "139 0000 1111")
    assert "139****1111" in caplog.text and "0000" not in caplog.text


def test_mask_openid() -> None:
    assert mask_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o") == "oUpF8u…"


def _record_of_a_failure() -> logging.LogRecord:
    try:
        raise ValueError("not a household size: 我电话13812345678")
    except ValueError:
        return logging.LogRecord("bot.pipeline", logging.ERROR, __file__, 1, "handling failed", None, sys.exc_info())


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
def test_the_message_key_is_logged_with_its_sender_masked_and_tracebacks_are_masked(
    formatter: logging.Formatter,
) -> None:
    record = _record_of_a_failure()
    record.msg_key = "m:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o:4242"
    record.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    line = formatter.format(record)
    assert "m:oUpF8u…:4242" in line  # the message can still be found by its MsgId
    assert "uMuAJO_M2pxb1Q9zNjWeS6o" not in line
    assert "ValueError" in line and "13812345678" not in line and "138****5678" in line


def test_mask_key_masks_the_sender_of_messages_and_events() -> None:
    assert mask_key("e:oUpF8uMuAJO:1769072400:click") == "e:oUpF8u…:1769072400:click"
    assert mask_key("odd") == "odd"
