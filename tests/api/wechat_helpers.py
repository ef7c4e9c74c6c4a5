"""Speaking to /wechat the way WeChat's servers do: signed query strings, XML bodies."""

from __future__ import annotations

import hashlib
import itertools
import time
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import TEST_TOKEN

_sequence = itertools.count(1)


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed_query(token: str = TEST_TOKEN, timestamp: int | None = None) -> dict[str, str]:
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), f"nonce{next(_sequence)}"
    return {"signature": sign(token, stamp, nonce), "timestamp": stamp, "nonce": nonce}


def cdata(text: str) -> str:
    """A CDATA section holding any text, ``]]>`` included, the way an XML writer splits it."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_xml(openid: str, text: str, msg_id: int | None = None) -> str:
    msg_id = msg_id if msg_id is not None else int(time.time() * 1000) * 100 + next(_sequence) % 100
    return (
        "<xml><ToUserName><![CDATA[gh_community]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content>{cdata(text)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


def post(client: TestClient, body: str | bytes, query: dict[str, str] | None = None) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return client.post("/wechat", params=query or signed_query(), content=data)


def reply_fields(response: Response) -> dict[str, str]:
    """The reply XML as a dict of its child elements (fails the test if it is not XML)."""
    root = ET.fromstring(response.text)
    return {child.tag: child.text or "" for child in root}
