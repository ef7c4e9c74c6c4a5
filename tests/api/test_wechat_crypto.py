"""Safe and compatible (AES) modes against the shared vectors, key rotation and the replay window."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from channels.wechat.protocol import ProtocolError, check_signature, open_envelope
from core.settings import Settings
from hotline.app import create_app
from tests.api.wechat_helpers import sign, signed_query, text_xml
from tests.conftest import SHARED_DATA

VECTORS = SHARED_DATA / "wechat-xml" / "crypto" / "vectors.json"
OLD_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NEW_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"


def _vector(name: str) -> dict[str, Any]:
    if not VECTORS.exists():
        pytest.skip(f"crypto vectors not found at {VECTORS}")
    return next(vector for vector in json.loads(VECTORS.read_text()) if vector["name"] == name)


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update=overrides)))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _decrypt_reply(text: str, token: str, key: str, appid: str) -> ET.Element:
    root = ET.fromstring(text)
    encrypted = root.findtext("Encrypt") or ""
    signature = sign(token, root.findtext("TimeStamp") or "", root.findtext("Nonce") or "", encrypted)
    assert root.findtext("MsgSignature") == signature
    plain = PrpCrypto(WeChatCrypto(token, key, appid).key).decrypt(encrypted, appid)
    return ET.fromstring(plain)


def test_tencents_official_sample_is_decrypted_and_answered_encrypted(app_with: Callable[..., TestClient]) -> None:
    vector = _vector("tencent_official_mp_sample")
    client = app_with(
        wechat_token=vector["token"],
        wechat_aes_key=vector["encoding_aes_key"],
        wechat_appid=vector["appid"],
        wechat_timestamp_window=20 * 365 * 86400,  # the sample is from 2014
    )
    response = client.post("/wechat", params=vector["query"], content=vector["body"].encode())
    assert response.status_code == 200, response.text
    reply = _decrypt_reply(response.text, vector["token"], vector["encoding_aes_key"], vector["appid"])
    assert reply.findtext("ToUserName") == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert reply.findtext("FromUserName") == "gh_10f6c3c3ac5a"
    assert (reply.findtext("Content") or "").strip()


def test_the_replay_window_refuses_the_2014_sample_by_default(app_with: Callable[..., TestClient]) -> None:
    vector = _vector("tencent_official_mp_sample")
    client = app_with(
        wechat_token=vector["token"], wechat_aes_key=vector["encoding_aes_key"], wechat_appid=vector["appid"]
    )
    assert client.post("/wechat", params=vector["query"], content=vector["body"].encode()).status_code == 403


def test_the_wecom_vector_decrypts_to_its_plaintext(settings: Settings) -> None:
    vector = _vector("wechatpy_work_crypto_test")
    configured = settings.model_copy(
        update={
            "wechat_token": vector["token"],
            "wechat_aes_key": vector["encoding_aes_key"],
            "wechat_appid": vector["appid"],
            "wechat_timestamp_window": 20 * 365 * 86400,
        }
    )
    envelope = open_envelope(vector["body"].encode(), vector["query"] | {"encrypt_type": "aes"}, configured)
    assert envelope.xml == vector["expected_plaintext"] and envelope.crypto is not None


def test_the_bad_signature_case_is_refused_and_the_right_nonce_accepted() -> None:
    vector = _vector("wechatpy_work_crypto_test")
    case = vector["bad_signature_case"]
    with pytest.raises(ProtocolError) as refused:
        check_signature(case["signature"], vector["token"], case["timestamp"], case["nonce"], case["echostr"])
    assert refused.value.status == 403
    check_signature(case["signature"], vector["token"], case["timestamp"], "437374425", case["echostr"])


def _encrypted_request(key: str, openid: str = "oSafe") -> tuple[dict[str, str], bytes]:
    crypto = WeChatCrypto("test-wechat-token", key, "wx0000000000000000")
    timestamp, nonce = str(int(time.time())), "n12345"
    envelope = ET.fromstring(crypto.encrypt_message(text_xml(openid, "帮助"), nonce, timestamp))
    encrypted = envelope.findtext("Encrypt") or ""
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": sign("test-wechat-token", timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": sign("test-wechat-token", timestamp, nonce, encrypted),
    }
    body = f"<xml><ToUserName><![CDATA[gh_community]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return query, body.encode()


def test_the_previous_key_is_accepted_during_a_rotation(app_with: Callable[..., TestClient]) -> None:
    client = app_with(wechat_aes_key=NEW_KEY, wechat_previous_aes_key=OLD_KEY)
    query, body = _encrypted_request(OLD_KEY)
    response = client.post("/wechat", params=query, content=body)
    assert response.status_code == 200
    reply = _decrypt_reply(response.text, "test-wechat-token", OLD_KEY, "wx0000000000000000")
    assert reply.findtext("ToUserName") == "oSafe"


def test_an_unknown_key_or_a_bad_msg_signature_is_refused(app_with: Callable[..., TestClient]) -> None:
    client = app_with(wechat_aes_key=NEW_KEY)
    query, body = _encrypted_request(OLD_KEY)
    assert client.post("/wechat", params=query, content=body).status_code == 400
    query, body = _encrypted_request(NEW_KEY)
    assert client.post("/wechat", params=query | {"msg_signature": "0" * 40}, content=body).status_code == 403


def test_plaintext_requests_still_work_when_a_key_is_configured(app_with: Callable[..., TestClient]) -> None:
    client = app_with(wechat_aes_key=NEW_KEY)
    response = client.post("/wechat", params=signed_query(), content=text_xml("oPlain", "帮助").encode())
    assert response.status_code == 200 and ET.fromstring(response.text).findtext("Content")
