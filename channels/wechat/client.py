"""Outbound WeChat API: one shared access_token, refreshed by one worker, and the calls we make.

The token comes from ``POST /cgi-bin/stable_token`` (it does not rotate a valid token, unlike
``/cgi-bin/token`` whose every call invalidates the previous one and which allows ~2,000 calls a day).
It is kept in one store shared by every worker and instance — the database, or Redis when
``HOTLINE_REDIS_URL`` is set — and refreshed under a lock, so instances never invalidate each other.
https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import timedelta
from enum import IntEnum
from typing import Any

import httpx

# The token store lives in channels.wechat.token; its names stay importable from here.
from channels.wechat.token import (
    LOCK_SECONDS,
    CachedToken,
    DatabaseTokenStore,
    RedisOrDatabaseTokenStore,
    RedisTokenStore,
    TokenStore,
    token_store_for,
)
from core.settings import Settings
from core.timeutil import utcnow

__all__ = [
    "LOCK_SECONDS",
    "CachedToken",
    "DatabaseTokenStore",
    "ErrCode",
    "RedisOrDatabaseTokenStore",
    "RedisTokenStore",
    "TokenStore",
    "WeChatClient",
    "WeChatError",
    "WeChatUnavailable",
    "WeComRobot",
    "post_json",
    "token_store_for",
]
log = logging.getLogger(__name__)

EARLY_REFRESH = timedelta(minutes=5)  # old and new token overlap ~5 min; refresh before the end
WAIT_FOR_PEER_SECONDS = 5.0


class ErrCode(IntEnum):
    OK = 0
    BUSY = -1
    INVALID_CREDENTIAL = 40001
    INVALID_OPENID = 40003
    INVALID_TOKEN = 40014
    INVALID_TEMPLATE = 40037
    TOKEN_EXPIRED = 42001
    NOT_SUBSCRIBED = 43004
    DAILY_QUOTA = 45009
    OUT_OF_WINDOW = 45015
    TOO_MANY_CS = 45047


TOKEN_ERRORS = frozenset({ErrCode.INVALID_CREDENTIAL, ErrCode.INVALID_TOKEN, ErrCode.TOKEN_EXPIRED})


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode} {errmsg}".strip())
        self.errcode, self.errmsg = errcode, errmsg


class WeChatUnavailable(Exception):
    """No answer: connection refused, timeout, a 5xx, or a body that is not JSON. Try again later."""


# -- the client ------------------------------------------------------------------------------------
class WeChatClient:
    """Synchronous, thread-safe calls to the official-account API (base URL from settings)."""

    def __init__(self, settings: Settings, store: TokenStore, http: httpx.Client | None = None) -> None:
        self.settings, self.store = settings, store
        self.http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))
        self.owner = secrets.token_hex(8)

    def close(self) -> None:
        self.http.close()

    # The calls -----------------------------------------------------------------------------------
    def send_custom_text(self, openid: str, text: str) -> dict[str, Any]:
        """客服消息 (text); 45015 outside the window, 45047 too many in it."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return self.call("/cgi-bin/message/custom/send", body)

    def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> dict[str, Any]:
        """模板消息: ``data`` maps each template keyword to its text."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            body["url"] = url
        return self.call("/cgi-bin/message/template/send", body)

    def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        return self.call("/cgi-bin/menu/create", menu)

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with the shared token; on 40001/42001/40014 refresh the token once and retry once."""
        token = self.access_token()
        try:
            return self._post(path, body, token)
        except WeChatError as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
            log.warning("WeChat rejected the access token (%s); refreshing once", error.errcode)
            return self._post(path, body, self.access_token(stale=token))

    # The token -----------------------------------------------------------------------------------
    def access_token(self, stale: str | None = None) -> str:
        """A valid token from the store; only the lock holder fetches a new one, the others wait for it."""
        cached = self.store.get()
        if cached and cached.value != stale and cached.expires_at - EARLY_REFRESH > utcnow():
            return cached.value
        deadline = time.monotonic() + WAIT_FOR_PEER_SECONDS
        while not self.store.acquire(self.owner):
            if time.monotonic() > deadline:
                raise WeChatUnavailable("another worker holds the token lock")
            time.sleep(0.05)
            cached = self.store.get()
            if cached and cached.value != stale and cached.expires_at - EARLY_REFRESH > utcnow():
                return cached.value
        try:
            cached = self.store.get()  # a peer may have refreshed between our read and the lock
            if cached and cached.value != stale and cached.expires_at - EARLY_REFRESH > utcnow():
                return cached.value
            fresh = self._fetch(force=False)
            if fresh.value == stale:  # WeChat still hands out the token it just rejected
                fresh = self._fetch(force=True)
            self.store.put(fresh)
            return fresh.value
        finally:
            self.store.release(self.owner)

    def _fetch(self, *, force: bool) -> CachedToken:
        body = {
            "grant_type": "client_credential",
            "appid": self.settings.wechat_appid,
            "secret": self.settings.wechat_secret,
            "force_refresh": force,
        }
        data = self._request("/cgi-bin/stable_token", body, params={})
        expires_in = int(data.get("expires_in", 7200))
        return CachedToken(str(data["access_token"]), utcnow() + timedelta(seconds=expires_in))

    def _post(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        return self._request(path, body, params={"access_token": token})

    def _request(self, path: str, body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        url = self.settings.wechat_api_base.rstrip("/") + path
        return post_json(self.http, url, body, params)


def post_json(http: httpx.Client, url: str, body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    """POST UTF-8 JSON (not \\u escapes: WeChat shows them literally) and check the errcode."""
    content = json.dumps(body, ensure_ascii=False).encode()
    try:
        response = http.post(url, params=params or None, content=content, headers={"Content-Type": "application/json"})
    except httpx.HTTPError as error:
        raise WeChatUnavailable(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 500 or response.status_code == 429:
        raise WeChatUnavailable(f"HTTP {response.status_code}")
    try:
        data: dict[str, Any] = response.json()
    except ValueError as error:
        raise WeChatUnavailable(f"HTTP {response.status_code}: not JSON") from error
    errcode = int(data.get("errcode", 0) or 0)
    if errcode != 0:
        raise WeChatError(errcode, str(data.get("errmsg", "")))
    return data


class WeComRobot:
    """企业微信群机器人: a JSON POST to the group's webhook URL (rate limit 20 a minute → 45009)."""

    def __init__(self, http: httpx.Client | None = None) -> None:
        self.http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))

    def send_markdown(self, webhook_url: str, content: str) -> dict[str, Any]:
        return post_json(self.http, webhook_url, {"msgtype": "markdown", "markdown": {"content": content}}, {})

    def send_text(self, webhook_url: str, content: str, mentioned: list[str] | None = None) -> dict[str, Any]:
        body = {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mentioned or []}}
        return post_json(self.http, webhook_url, body, {})
