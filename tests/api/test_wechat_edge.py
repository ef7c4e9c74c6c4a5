"""/wechat edge cases: the XML → Inbound mapping, odd fields, body streaming, events, failures."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.messages import InboundKind
from bot.models import InboundMessage
from bot.pipeline import Pipeline
from channels.wechat import route as wechat_module
from channels.wechat.protocol import Envelope, ProtocolError, parse, render_reply, safe_text, to_inbound
from tests.api.wechat_helpers import post, reply_fields, signed_query, text_xml
from tests.conftest import OFFICE_PHONE


def _sample(shared_data: Path, name: str) -> str:
    path = shared_data / "wechat-xml" / "wechatpy_test_parser" / f"{name}.xml"
    if not path.exists():
        pytest.skip(f"sample {name} not found")
    return path.read_text()


def _stored(engine: Engine) -> list[InboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(InboundMessage)))


def _message(fields: str) -> str:
    return f"<xml><ToUserName>gh_c</ToUserName>{fields}</xml>"


# -- mapping to Inbound --------------------------------------------------------------------------


def test_a_location_message_keeps_its_label_and_coordinates(shared_data: Path) -> None:
    inbound = to_inbound(parse(_sample(shared_data, "parser_parse_location_message")))
    assert inbound.kind is InboundKind.LOCATION and inbound.msg_id == "1234567890123456"
    assert inbound.extra == {"label": "位置信息", "latitude": "23.134521", "longitude": "113.358803"}
    assert inbound.dedup_key == "m:fromUser:1234567890123456"


def test_the_location_event_and_a_link_map_their_fields(shared_data: Path) -> None:
    event = to_inbound(parse(_sample(shared_data, "events_location_event")))
    assert event.kind is InboundKind.EVENT and event.event == "location" and event.msg_id is None
    assert event.extra == {"latitude": "23.137466", "longitude": "113.352425"}
    link = to_inbound(parse(_sample(shared_data, "parser_parse_link_message")))
    assert link.kind is InboundKind.LINK and link.extra == {"title": "公众平台官网链接", "url": "url"}


def test_events_are_lower_case_and_keyed_by_sender_and_time(shared_data: Path) -> None:
    click = to_inbound(parse(_sample(shared_data, "events_click_event")))
    assert (click.event, click.event_key, click.msg_id) == ("click", "EVENTKEY", None)
    assert click.dedup_key == "e:FromUser:123456789:click"
    scan = to_inbound(parse(_sample(shared_data, "parser_parse_subscribe_scan_event")))
    assert (scan.event, scan.event_key) == ("subscribe", "123123")  # a QR-code subscription is a subscription


def test_voice_carries_the_recognition_as_text(shared_data: Path) -> None:
    body = _sample(shared_data, "parser_parse_voice_message")
    assert to_inbound(parse(body)).text is None
    recognised = body.replace("<MsgId>", "<Recognition><![CDATA[我要抗原]]></Recognition><MsgId>")
    inbound = to_inbound(parse(recognised))
    assert inbound.kind is InboundKind.VOICE and inbound.text == "我要抗原"


@pytest.mark.parametrize(
    "fields",
    [
        "<FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>abc</MsgId>",
        "<FromUserName>o1</FromUserName><CreateTime>99999999999999999999</CreateTime><MsgType>text</MsgType>",
        "<FromUserName>o1</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType>",
        "<FromUserName><a>1</a></FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>",
        "<FromUserName>o1</FromUserName><FromUserName>o2</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>",
        "<FromUserName>o1</FromUserName><CreateTime>1</CreateTime>",
    ],
    ids=["msgid-letters", "time-overflow", "time-letters", "nested-sender", "two-senders", "no-type"],
)
def test_fields_wechat_never_sends_are_a_400_not_a_500(client: TestClient, engine: Engine, fields: str) -> None:
    with pytest.raises(ProtocolError):
        parse(_message(fields))
    assert post(client, _message(fields)).status_code == 400
    assert _stored(engine) == []


# -- replies ---------------------------------------------------------------------------------


def test_reply_text_is_capped_at_2048_bytes_on_a_character_boundary() -> None:
    capped = safe_text("抗" * 1000)  # 3,000 bytes
    assert len(capped.encode()) <= 2048 and capped.endswith("…")
    assert capped.encode().decode() == capped  # no half character
    assert safe_text("短") == "短"


def test_echoed_ids_and_control_characters_cannot_break_the_reply() -> None:
    message = parse(_message("<FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"))
    message._data["ToUserName"] = "gh_c]]><MsgType>news</MsgType>"

    root = ET.fromstring(render_reply(message, "好\x01的]]>", Envelope("", None), "n"))
    assert [child.tag for child in root].count("MsgType") == 1
    assert root.findtext("Content") == "好的]] >" and root.findtext("FromUserName", "").startswith("gh_c]] >")


# -- the body -----------------------------------------------------------------------------


def test_a_streamed_body_over_1_mb_is_refused_without_a_content_length(client: TestClient, engine: Engine) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"<xml><Content>"
        for _ in range(20):
            yield b"x" * 65536  # 1.25 MB in all, sent chunked: no Content-Length to trust
        yield b"</Content></xml>"

    response = client.post("/wechat", params=signed_query(), content=chunks())
    assert response.status_code == 413
    assert _stored(engine) == []


def test_a_forged_request_is_refused_before_its_body_is_read(client: TestClient) -> None:
    query = signed_query() | {"signature": "0" * 40}
    # Over the size limit as well: the signature is checked first, so the answer is 403, not 413.
    assert post(client, "<xml>" + "a" * (2 * 1024 * 1024) + "</xml>", query).status_code == 403


# -- events and retries of events ------------------------------------------------------------


def test_a_menu_click_starts_its_flow(client: TestClient) -> None:
    body = (
        "<xml><ToUserName>gh_c</ToUserName><FromUserName>oClick</FromUserName><CreateTime>1769072400</CreateTime>"
        "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>MENU_ANTIGEN</EventKey></xml>"
    )
    content = reply_fields(post(client, body))["Content"]
    assert "同意" in content  # the antigen flow asks for consent first


def test_a_retried_subscribe_event_is_handled_once_and_answered_alike(
    client: TestClient, engine: Engine, shared_data: Path
) -> None:
    body = _sample(shared_data, "events_subscribe_event")
    first, again = post(client, body), post(client, body)
    assert reply_fields(first)["Content"] == reply_fields(again)["Content"]
    assert [row.dedup_key for row in _stored(engine)] == ["e:FromUser:123456789:subscribe"]


def test_view_scan_and_unknown_types_get_valid_answers(client: TestClient, shared_data: Path) -> None:
    assert post(client, _sample(shared_data, "events_view_event")).text == "success"
    assert "幸福社区" in reply_fields(post(client, _sample(shared_data, "events_scan_event")))["Content"]
    assert OFFICE_PHONE in reply_fields(post(client, _sample(shared_data, "parser_parse_unknown_message")))["Content"]


# -- failures at the edge ---------------------------------------------------------------------


def test_an_unexpected_error_while_reading_is_acknowledged_not_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("wechatpy changed under us")

    monkeypatch.setattr(wechat_module, "to_inbound", broken)
    with caplog.at_level(logging.ERROR, logger="channels.wechat.route"):
        response = post(client, text_xml("oX", "帮助"))
    assert response.status_code == 200 and response.text == "success"
    assert any("could not be read" in record.getMessage() for record in caplog.records)


def test_a_failing_pipeline_gets_an_apology_logged_with_the_message_key(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline: Pipeline = client.app.state.pipeline  # type: ignore[attr-defined]

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the inbox table is gone")

    monkeypatch.setattr(pipeline, "process", broken)
    with caplog.at_level(logging.ERROR, logger="channels.wechat.route"):
        response = post(client, text_xml("oUnlucky", "我要退烧药", msg_id=4242))
    content = reply_fields(response)["Content"]
    assert response.status_code == 200 and "抱歉" in content and OFFICE_PHONE in content
    assert any(getattr(record, "msg_key", "") == "m:oUnlucky:4242" for record in caplog.records)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("MENU_ANTIGEN", "抗原"),
        ("MENU_MEDICINE", "用药"),
        ("MENU_REFERRAL", "就医"),
        ("MENU_POLICY", "政策"),
        ("MENU_STATUS", "没有正在办理"),
        ("MENU_HUMAN", "结束"),
        ("MENU_HELP", "1. 申请抗原"),
    ],
)
def test_every_menu_key_starts_what_its_button_says(client: TestClient, key: str, expected: str) -> None:
    openid = f"oMenu{key}"
    body = (
        f"<xml><ToUserName>gh_c</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1769072400</CreateTime>"
        f"<MsgType>event</MsgType><Event>CLICK</Event><EventKey>{key}</EventKey></xml>"
    )
    content = reply_fields(post(client, body))["Content"]
    assert expected in content, content
    first_question = {"MENU_ANTIGEN": "几口人", "MENU_MEDICINE": "哪种药", "MENU_REFERRAL": "给谁"}.get(key)
    if first_question:  # a request flow: consent first, then its first question
        assert "同意" in content
        assert first_question in reply_fields(post(client, text_xml(openid, "同意")))["Content"]
