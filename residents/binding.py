"""Binding a staff account to a WeChat account: a one-time code on the profile, 绑定 <code> in WeChat.

A code is valid for 10 minutes and once; wrong codes are throttled per openid (5 in 15 minutes), so
six digits cannot be guessed. Once bound, the member gets template-message notifications and can be
signed in by WeChat's web authorisation (snsapi_base) without a password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from core.timeutil import utcnow
from residents import sessions
from residents.audit import AuditAction, record
from residents.models import BindingCode, User

CODE_MINUTES = 10
CODE_DIGITS = 6


class BindOutcome(StrEnum):
    BOUND = "bound"
    INVALID = "invalid"  # unknown, expired or already used
    THROTTLED = "throttled"


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    user: User | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is BindOutcome.BOUND

    @property
    def text(self) -> str:
        """What the official account answers."""
        if self.outcome is BindOutcome.BOUND and self.user is not None:
            name = self.user.display_name or self.user.username
            return f"绑定成功：{name}，今后工单通知会发到这个微信号，点通知里的链接即可登录工作台。"
        if self.outcome is BindOutcome.THROTTLED:
            return "尝试次数过多，请 15 分钟后再试。"
        return "绑定码不对或已过期，请在工作台“我的资料”页重新获取（10 分钟内有效）。"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_code(*, session: Session, user: User) -> str:
    """A new 6-digit code for ``user``; earlier unused codes stop working. The caller commits."""
    assert user.id is not None
    now = utcnow()
    for old in session.exec(
        select(BindingCode).where(col(BindingCode.user_id) == user.id, col(BindingCode.used_at).is_(None))
    ):
        old.used_at = now
        session.add(old)
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if _live(session, code) is None:  # no two live codes alike
            break
    session.add(BindingCode(user_id=user.id, code_hash=_hash(code), expires_at=now + timedelta(minutes=CODE_MINUTES)))
    session.flush()
    return code


def _live(session: Session, code: str) -> BindingCode | None:
    now = utcnow()
    for row in session.exec(select(BindingCode).where(col(BindingCode.code_hash) == _hash(code))):
        if row.used_at is None and sessions.aware(row.expires_at) > now:
            return row
    return None


def bind_wechat(*, session: Session, code: str, openid: str) -> BindResult:
    """Bind the WeChat account ``openid`` to the account whose live code this is. The caller commits."""
    keys = [f"openid:{openid}"]
    if sessions.throttled(session=session, kind="bind", keys=keys):
        record(session=session, actor=openid, action=AuditAction.BIND, detail="throttled")
        return BindResult(BindOutcome.THROTTLED)
    row = _live(session, code.strip())
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        sessions.fail(session=session, kind="bind", keys=keys)
        record(session=session, actor=openid, action=AuditAction.BIND, detail="wrong code")
        return BindResult(BindOutcome.INVALID)
    row.used_at = utcnow()
    session.add(row)
    # One WeChat account belongs to one staff account: a previous binding moves over.
    for other in session.exec(select(User).where(col(User.openid) == openid, col(User.id) != user.id)):
        other.openid = None
        session.add(other)
    user.openid = openid
    session.add(user)
    record(session=session, actor=user.username, action=AuditAction.BIND, target=f"user:{user.username}")
    session.flush()
    return BindResult(BindOutcome.BOUND, user)


def user_for_openid(*, session: Session, openid: str) -> User | None:
    """The active staff account bound to a WeChat account (for OAuth sign-in)."""
    return session.exec(select(User).where(col(User.openid) == openid, col(User.active) == True)).first()  # noqa: E712
