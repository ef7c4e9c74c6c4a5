"""A local fake of WeChat's HTTP API (and a WeCom group robot), for tests.

    with FakeWeChat() as fake:
        settings = load_settings(wechat_api_base=fake.base_url, wecom_webhook_url=fake.webhook_url, ...)
        fake.fail_next("/cgi-bin/message/custom/send", 45015)   # one scripted errcode
        fake.go_down()          # connection refused until fake.come_up(); fake.go_down(status=503) for 5xx
        fake.requests           # every request: method, path, query, json, at
        fake.sent("/cgi-bin/message/template/send")             # the successful ones of a path

It speaks the documented JSON: ``{"errcode": 0, "errmsg": "ok"}``; tokens from ``/cgi-bin/token`` and
``POST /cgi-bin/stable_token``; web-authorisation codes from ``fake.oauth_code(openid)``, exchanged at
``/sns/oauth2/access_token`` (40029 unknown code, 40163 used twice);
41001 without a token, 40001 with an unknown one, 40125 for a wrong secret.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

APPID = "wx0000000000000000"
SECRET = "test-app-secret"
WEBHOOK_PATH = "/cgi-bin/webhook/send"
WEBHOOK_KEY = "fake-robot-key"
OAUTH_PATH = "/sns/oauth2/access_token"

ERRMSG = {
    0: "ok",
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40014: "invalid access_token",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    40029: "invalid code",
    40163: "code been used",
}
SENDING_PATHS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send", "/cgi-bin/menu/create")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    errcode: int | None  # what the fake answered; None for a 5xx


@dataclass
class _Script:
    errors: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    down_status: int | None = None


class FakeWeChat:
    """Start on a loopback port in a thread; stop on exit. Thread-safe."""

    def __init__(self, appid: str = APPID, secret: str = SECRET) -> None:
        self.appid, self.secret = appid, secret
        self.requests: list[Recorded] = []
        self.tokens: set[str] = set()
        self.stable: str | None = None
        self._script = _Script()
        self._lock = threading.Lock()
        self._msgid = 1000
        self.oauth_codes: dict[str, str | None] = {}  # code → openid; None once used
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> FakeWeChat:
        self._start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}{WEBHOOK_PATH}?key={WEBHOOK_KEY}"

    # -- scripting ---------------------------------------------------------------------------------
    def fail_next(self, path: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` calls of ``path`` answer ``errcode`` (e.g. 40001, 45015, 45047, -1)."""
        with self._lock:
            self._script.errors[path].extend([errcode] * times)

    def go_down(self, status: int | None = None) -> None:
        """Refuse connections (status None) or answer every request with HTTP ``status`` (e.g. 503)."""
        with self._lock:
            self._script.down_status = status
        if status is None:
            self._stop()

    def come_up(self) -> None:
        with self._lock:
            self._script.down_status = None
        if self._server is None:
            self._start(self.port)

    def invalidate_tokens(self) -> None:
        """As if someone fetched a new token elsewhere: every token we issued answers 40001."""
        with self._lock:
            self.tokens.clear()
            self.stable = None

    def oauth_code(self, openid: str) -> str:
        """A web-authorisation code, as WeChat's authorize page would hand one to ``openid``'s browser."""
        code = "code_" + secrets.token_hex(8)
        with self._lock:
            self.oauth_codes[code] = openid
        return code

    def sent(self, path: str) -> list[Recorded]:
        return [r for r in list(self.requests) if r.path == path and r.errcode == 0]

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in list(self.requests) if r.path == path]

    # -- internals ---------------------------------------------------------------------------------
    def _start(self, port: int = 0) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                status, answer = fake._answer(method, url.path, query, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:  # keep test output clean
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _new_token(self) -> str:
        token = "fake_" + secrets.token_hex(16)
        self.tokens.add(token)
        return token

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self._script.down_status is not None:
                self.requests.append(Recorded(method, path, query, body, None))
                return self._script.down_status, {"error": "service unavailable"}
            scripted = self._script.errors[path].popleft() if self._script.errors.get(path) else None
            answer = self._route(method, path, query, body or {}) if scripted is None else _err(scripted)
            self.requests.append(Recorded(method, path, query, body, int(answer.get("errcode", 0))))
            return 200, answer

    def _route(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if path == "/cgi-bin/token":
            if query.get("appid") != self.appid or query.get("secret") != self.secret:
                return _err(40125)
            return {"access_token": self._new_token(), "expires_in": 7200}
        if path == "/cgi-bin/stable_token":
            if body.get("appid") != self.appid or body.get("secret") != self.secret:
                return _err(40125)
            # The stable token API hands back the same valid token unless asked to force a refresh.
            if body.get("force_refresh") or self.stable is None or self.stable not in self.tokens:
                self.stable = self._new_token()
            return {"access_token": self.stable, "expires_in": 7200}
        if path == OAUTH_PATH:
            if query.get("appid") != self.appid or query.get("secret") != self.secret:
                return _err(40125)
            if query.get("code") not in self.oauth_codes:
                return _err(40029)
            openid = self.oauth_codes[query["code"]]
            if openid is None:
                return _err(40163)
            self.oauth_codes[query["code"]] = None  # a code works once
            return {
                "access_token": "web_" + secrets.token_hex(8),
                "expires_in": 7200,
                "openid": openid,
                "scope": "snsapi_base",
            }
        if path == WEBHOOK_PATH:
            if query.get("key") != WEBHOOK_KEY:
                return {"errcode": 93000, "errmsg": "invalid webhook url"}
            return _err(0)
        if path in SENDING_PATHS:
            token = query.get("access_token")
            if not token:
                return _err(41001)
            if token not in self.tokens:
                return _err(40001)
            if path == "/cgi-bin/message/template/send":
                self._msgid += 1
                return {**_err(0), "msgid": self._msgid}
            return _err(0)
        return {"errcode": 404, "errmsg": f"fake: no such api {path}"}


def _err(code: int) -> dict[str, Any]:
    return {"errcode": code, "errmsg": ERRMSG.get(code, "error")}
