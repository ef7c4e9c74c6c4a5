"""The console's route class: security headers on every answer, errors as Chinese pages.

Headers: no caching (pages carry residents' personal data), no MIME sniffing, no framing (a
clickjacked "结案" button), and a content policy that allows only the service's own assets.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from console.deps import LoginRequired, render

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
}
TITLES = {400: "请求有误", 403: "没有权限", 404: "找不到页面", 409: "无法完成", 422: "填写有误", 429: "尝试次数过多"}


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except LoginRequired as missing:
                response = RedirectResponse(f"/console/login?next={quote(missing.next_path)}", status_code=303)
            except HTTPException as error:
                response = render(
                    request,
                    "error.html",
                    {"title": TITLES.get(error.status_code, "出错了"), "message": error.detail},
                    status_code=error.status_code,
                )
            except RequestValidationError as error:
                fields = "、".join(str(e["loc"][-1]) for e in error.errors())
                response = render(
                    request, "error.html", {"title": TITLES[422], "message": f"请检查：{fields}"}, status_code=422
                )
            return secure(response)

        return handler
