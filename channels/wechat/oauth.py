"""WeChat web authorisation (网页授权, scope ``snsapi_base``): a silent code → openid exchange.

Inside WeChat's browser a link to the console goes first to WeChat's authorize page, which comes
back to us with ``code`` (valid 5 minutes, once); we exchange it at
``{HOTLINE_WECHAT_API_BASE}/sns/oauth2/access_token`` for the visitor's openid. ``snsapi_base`` asks
the user nothing and gives nothing but the openid — all the console needs to find a bound member.
https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from core.settings import Settings

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"


class OAuthError(Exception):
    """The code was refused (40029 invalid code, 40163 code used…) or WeChat could not be reached."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode} {errmsg}".strip())
        self.errcode = errcode


def authorize_url(*, settings: Settings, redirect_uri: str, state: str) -> str:
    """Where to send the browser: WeChat returns to ``redirect_uri`` with ``code`` and ``state``."""
    query = urlencode(
        {
            "appid": settings.wechat_appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return f"{AUTHORIZE_URL}?{query}#wechat_redirect"


def openid_for_code(*, settings: Settings, code: str, timeout: float = 5.0) -> str:
    """Exchange an authorisation code for the visitor's openid (OAuthError when refused)."""
    params = {
        "appid": settings.wechat_appid,
        "secret": settings.wechat_secret,
        "code": code,
        "grant_type": "authorization_code",
    }
    url = settings.wechat_api_base.rstrip("/") + "/sns/oauth2/access_token"
    try:
        answer = httpx.get(url, params=params, timeout=timeout).json()
    except (httpx.HTTPError, ValueError) as error:
        raise OAuthError(-1, f"WeChat unreachable: {type(error).__name__}") from error
    if answer.get("errcode") or not answer.get("openid"):
        raise OAuthError(int(answer.get("errcode") or -1), str(answer.get("errmsg", "")))
    return str(answer["openid"])
