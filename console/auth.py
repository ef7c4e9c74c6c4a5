"""Sign in (password, or WeChat's silent web authorisation for a bound member) and sign out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from channels.wechat import oauth
from console.deps import COOKIE, LOGIN_CSRF_COOKIE, SessionDep, SettingsDep, client_address, render
from console.web import ConsoleRoute
from core.settings import Settings
from residents import accounts, audit, binding, sessions
from residents.audit import AuditAction
from residents.models import User

router = APIRouter(prefix="/console", route_class=ConsoleRoute)


def safe_next(target: str | None) -> str:
    """Only a console path: never an open redirect to another site."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/tickets"


def _set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=sessions.SESSION_HOURS * 3600,
        path="/console",
        secure=True,
        httponly=True,
        samesite="lax",  # Lax: the link in a WeChat notification is a top-level GET and must carry it
    )


def _signed_in(request: Request, session: SessionDep, user: User, via: str, next_path: str) -> Response:
    sessions.end(session=session, token=request.cookies.get(COOKIE))  # a new session id at every sign-in
    token, _row = sessions.start(session=session, user=user, via=via)
    action = AuditAction.LOGIN if via == "password" else AuditAction.OAUTH_LOGIN
    audit.record(session=session, actor=user.username, action=action, address=client_address(request))
    session.commit()
    response = RedirectResponse(safe_next(next_path), status_code=303)
    _set_session_cookie(response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


def _login_page(request: Request, next_path: str, error: str = "", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", {"next": safe_next(next_path), "error": error, "login_csrf": token}, status_code
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/console", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(request, next, "页面已过期，请重新登录", 403)
    address = client_address(request)
    keys = [f"user:{username.strip().lower()}", f"ip:{address}"]
    if sessions.throttled(session=session, kind="login", keys=keys):
        audit.record(session=session, actor=username, action=AuditAction.LOGIN_THROTTLED, address=address)
        session.commit()
        return _login_page(request, next, "登录失败次数过多，请 15 分钟后再试", 429)
    user = session.exec(select(User).where(col(User.username) == username.strip())).first()
    if user is None or not user.active or not accounts.verify_password(user, password):
        sessions.fail(session=session, kind="login", keys=keys)
        audit.record(session=session, actor=username, action=AuditAction.LOGIN_FAILED, address=address)
        session.commit()
        return _login_page(request, next, "用户名或密码不对", 401)
    return _signed_in(request, session, user, "password", next)


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    found = sessions.lookup(session=session, token=request.cookies.get(COOKIE))
    form = await request.form()
    if found is not None:
        row, user = found
        if not hmac.compare_digest(str(form.get("csrf_token", "")).encode(), row.csrf_token.encode()):
            raise HTTPException(403, "CSRF 校验失败：请刷新页面后再退出")
        sessions.end(session=session, token=request.cookies.get(COOKIE))
        audit.record(session=session, actor=user.username, action=AuditAction.LOGOUT, address=client_address(request))
        session.commit()
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console", secure=True, httponly=True, samesite="lax")
    return response


# -- WeChat web authorisation (snsapi_base) -----------------------------------------------------------
def _state(settings: Settings, next_path: str) -> str:
    mac = hmac.new(settings.secret_key.encode(), next_path.encode(), hashlib.sha256).hexdigest()[:20]
    return f"{mac}{next_path}"


def _unstate(settings: Settings, state: str) -> str | None:
    mac, next_path = state[:20], state[20:]
    good = hmac.new(settings.secret_key.encode(), next_path.encode(), hashlib.sha256).hexdigest()[:20]
    return next_path if hmac.compare_digest(mac.encode(), good.encode()) else None


def _callback_url(request: Request, settings: Settings) -> str:
    base = settings.console_base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/console/oauth"


@router.get("/wechat")
def wechat_sign_in(request: Request, settings: SettingsDep, next: str = "") -> Response:
    """The link in a member's notification: WeChat's authorize page, which comes back with a code."""
    state = _state(settings, safe_next(next))
    url = oauth.authorize_url(settings=settings, redirect_uri=_callback_url(request, settings), state=state)
    return RedirectResponse(url, status_code=302)


@router.get("/oauth")
def wechat_callback(
    request: Request, session: SessionDep, settings: SettingsDep, state: str, code: str = ""
) -> Response:
    next_path = _unstate(settings, state)
    if next_path is None or not code:
        raise HTTPException(400, "微信授权参数不对，请从通知里的链接重新打开")
    try:
        openid = oauth.openid_for_code(settings=settings, code=code)
    except oauth.OAuthError as error:
        raise HTTPException(400, f"微信授权失败（{error.errcode}），请从通知里的链接重新打开") from error
    user = binding.user_for_openid(session=session, openid=openid)
    if user is None:
        audit.record(session=session, actor=openid, action=AuditAction.REFUSED, detail="OAuth: openid not bound")
        session.commit()
        return _login_page(request, next_path, "这个微信号还没有绑定工作账号：请用密码登录，在“我的”页获取绑定码", 403)
    return _signed_in(request, session, user, "wechat", next_path)
