"""/wechat: verification, every sample message and event, bad input, retries, the answer budget."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import pipeline as pipeline_module
from bot.messages import Inbound, Reply
from bot.models import InboundMessage
from bot.turn import Turn
from tests.api.wechat_helpers import post, reply_fields, sign, signed_query, text_xml
from tests.conftest import OFFICE_PHONE, SHARED_DATA, TEST_TOKEN
from tickets.models import Ticket

SAMPLES = sorted((SHARED_DATA / "wechat-xml" / "wechatpy_test_parser").glob("*.xml"))


def _stored(engine: Engine) -> list[InboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(InboundMessage)))


# -- verification ---------------------------------------------------------------------------


def test_get_echoes_echostr_for_a_valid_signature(client: TestClient) -> None:
    query = signed_query() | {"echostr": "5837397520665436492"}
    response = client.get("/wechat", params=query)
    assert response.status_code == 200 and response.text == "5837397520665436492"


@pytest.mark.parametrize("tamper", ["wrong", "missing", "stale"])
def test_get_refuses_a_bad_signature_or_an_old_timestamp(client: TestClient, tamper: str) -> None:
    query = signed_query(timestamp=int(time.time()) - 3600 if tamper == "stale" else None) | {"echostr": "x"}
    if tamper == "wrong":
        query["signature"] = sign("another-token", query["timestamp"], query["nonce"])
    if tamper == "missing":
        del query["signature"]
    response = client.get("/wechat", params=query)
    assert response.status_code == 403 and response.text != "x"


# -- every sample message and event --------------------------------------------------------


@pytest.mark.skipif(not SAMPLES, reason=f"WeChat XML samples not found under {SHARED_DATA}")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_every_sample_gets_a_valid_answer(client: TestClient, sample: Path) -> None:
    body = sample.read_text()
    response = post(client, body)
    assert response.status_code == 200, response.text
    if response.text == "success":
        return
    fields = reply_fields(response)
    assert fields["MsgType"] == "text" and fields["Content"].strip()
    assert fields["ToUserName"] in body and fields["FromUserName"] in body  # sender and account swapped


def _sample(name: str) -> str:
    path = SHARED_DATA / "wechat-xml" / "wechatpy_test_parser" / f"{name}.xml"
    if not path.exists():
        pytest.skip(f"sample {name} not found")
    return path.read_text()


def test_subscribe_is_welcomed_with_the_numbered_menu(client: TestClient) -> None:
    content = reply_fields(post(client, _sample("events_subscribe_event")))["Content"]
    assert "幸福社区" in content and "1." in content and "申请抗原" in content and OFFICE_PHONE in content


def test_voice_without_recognition_asks_for_text_and_gives_the_phone(client: TestClient) -> None:
    content = reply_fields(post(client, _sample("parser_parse_voice_message")))["Content"]
    assert "打字" in content and OFFICE_PHONE in content


def test_voice_with_recognition_is_answered_like_text(client: TestClient) -> None:
    body = _sample("parser_parse_voice_message").replace(
        "<MsgId>", "<Recognition><![CDATA[我要。申请抗原。]]></Recognition><MsgId>"
    )
    content = reply_fields(post(client, body))["Content"]
    assert "同意" in content  # the antigen flow asks for consent first


def test_unsubscribe_and_delivery_reports_are_acknowledged_with_success(client: TestClient) -> None:
    assert post(client, _sample("events_unsubscribe_event")).text == "success"
    assert post(client, _sample("events_template_send_job_finish_event")).text == "success"


# -- bad input -----------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    "<xml><ToUserName>a</ToUserName><FromUserName>&lol2;</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<xml><FromUserName>&e;</FromUserName><MsgType>text</MsgType></xml>"
)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("<xml><ToUserName>unclosed", 400),
        ("not xml at all", 400),
        (BILLION_LAUGHS, 400),
        (EXTERNAL_ENTITY, 400),
        ("<xml><ToUserName>a</ToUserName></xml>", 400),
        (b"\xff\xfe\x00garbage", 400),
        ("<xml>" + "a" * (1024 * 1024 + 10) + "</xml>", 413),
    ],
    ids=["unclosed", "not-xml", "billion-laughs", "external-entity", "no-type", "not-utf8", "too-large"],
)
def test_bad_bodies_are_refused_quickly_without_storing_anything(
    client: TestClient, engine: Engine, body: str | bytes, status: int
) -> None:
    assert post(client, body).status_code == status
    assert _stored(engine) == []


@pytest.mark.parametrize("tamper", ["wrong", "missing", "stale"])
def test_bad_signatures_are_refused_without_storing_anything(client: TestClient, engine: Engine, tamper: str) -> None:
    query = signed_query(timestamp=int(time.time()) - 301 if tamper == "stale" else None)
    if tamper == "wrong":
        query["signature"] = "0" * 40
    if tamper == "missing":
        del query["signature"]
    assert post(client, text_xml("oAttacker", "帮助"), query).status_code == 403
    assert _stored(engine) == []


def test_text_closing_cdata_cannot_break_the_reply(client: TestClient) -> None:
    openid = "oCdata"
    for text in ("申请抗原", "同意", "3", "2", "1"):
        post(client, text_xml(openid, text))
    post(client, text_xml(openid, "光明路12号]]></Content><MsgType>news</MsgType>"))
    response = post(client, text_xml(openid, "张阿姨 13812345678"))  # the summary echoes the address
    fields = reply_fields(response)  # still well-formed XML
    assert fields["MsgType"] == "text"
    assert "光明路12号]] ></Content>" in fields["Content"] and "]]>" not in fields["Content"]


def test_a_failing_handler_still_gets_an_apology_with_the_phone(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(turn: Turn) -> Reply:
        raise RuntimeError("database fell over")

    monkeypatch.setattr(pipeline_module, "dispatch", broken)
    response = post(client, text_xml("oUnlucky", "我要退烧药"))
    assert response.status_code == 200
    assert OFFICE_PHONE in reply_fields(response)["Content"]


# -- retries -------------------------------------------------------------------------------


def test_three_concurrent_retries_are_handled_once_and_answered_alike(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    openid = "oRetry"
    for text in ("申请抗原", "同意", "3", "2", "1", "8栋1单元302", "张阿姨 13812345678"):
        post(client, text_xml(openid, text))
    real_dispatch = pipeline_module.dispatch
    pipeline = client.app.state.pipeline  # type: ignore[attr-defined]
    real_wait = pipeline._reply_of_first
    calls: list[str] = []
    retries: list[str] = []
    all_arrived = threading.Event()

    def counting_wait(inbound: Inbound, wait_seconds: float) -> Reply | None:
        # A retry that finds the first attempt running waits for its reply (it never queues for the database).
        retries.append(inbound.dedup_key)
        if len(retries) == 2:
            all_arrived.set()
        return real_wait(inbound, wait_seconds)  # type: ignore[no-any-return]

    def slow_dispatch(turn: Turn) -> Reply:
        calls.append(turn.inbound.dedup_key)
        all_arrived.wait(5)  # hold the first until both retries have arrived and found it claimed
        return real_dispatch(turn)

    monkeypatch.setattr(pipeline, "_reply_of_first", counting_wait)
    monkeypatch.setattr(pipeline_module, "dispatch", slow_dispatch)
    confirm = text_xml(openid, "1", msg_id=777000111)
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: post(client, confirm), range(3)))
    contents = [reply_fields(response)["Content"] for response in responses]
    assert len(set(contents)) == 1 and "单号" in contents[0]
    assert len(calls) == 1 and len(retries) == 2  # all three overlapped
    with Session(engine) as session:
        tickets = session.exec(select(Ticket).where(Ticket.openid == openid)).all()
        rows = session.exec(select(InboundMessage).where(InboundMessage.dedup_key == f"m:{openid}:777000111")).all()
    assert len(tickets) == 1 and len(rows) == 1


def test_a_reply_over_budget_answers_success_then_follows_as_a_message(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.app.state.settings.wechat_reply_budget_ms = 100  # type: ignore[attr-defined]
    pipeline = client.app.state.pipeline  # type: ignore[attr-defined]
    delivered: list[tuple[str, str]] = []
    arrived = threading.Event()

    def sink(openid: str, text: str) -> None:
        delivered.append((openid, text))
        arrived.set()

    monkeypatch.setattr(pipeline, "late_sink", sink)
    real_dispatch = pipeline_module.dispatch

    def slow(turn: Turn) -> Reply:
        time.sleep(0.5)
        return real_dispatch(turn)

    monkeypatch.setattr(pipeline_module, "dispatch", slow)
    response = post(client, text_xml("oSlow", "帮助"))
    assert response.text == "success"
    assert arrived.wait(5)
    assert delivered[0][0] == "oSlow" and OFFICE_PHONE in delivered[0][1]


def test_a_signed_request_with_a_token_of_another_account_is_refused(client: TestClient) -> None:
    query = signed_query(token=TEST_TOKEN + "-other")
    assert post(client, text_xml("oX", "帮助"), query).status_code == 403
