"""Staff accounts: argon2 password hashes and bearer API tokens (stored hashed, shown once)."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlmodel import Session, select

from core.timeutil import utcnow
from residents import binding, sessions
from residents.binding import BindResult
from residents.models import ApiToken, Role, User

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,50}$")


class AccountError(ValueError):
    """Bad account input; the message says what is wrong."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    *,
    session: Session,
    username: str,
    role: str,
    password: str,
    display_name: str = "",
    community_id: int | None = None,
) -> User:
    """Create a staff account; the password is stored only as an argon2 hash."""
    if not USERNAME.match(username):
        raise AccountError("用户名需为 2–50 个字母、数字、汉字或 _.- 字符")
    if role not in Role.__members__.values():
        raise AccountError(f"role must be one of {', '.join(r.value for r in Role)}")
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise AccountError(f"user {username} already exists")
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=Role(role),
        password_hash=_hasher.hash(password),
        community_id=community_id,
    )
    session.add(user)
    session.flush()
    return user


def shown_name(user: User | None) -> str | None:
    """The name a resident may read: the display name, never the login name; None when there is none."""
    if user is None:
        return None
    name = user.display_name.strip()
    # Accounts made before display names were optional stored the username here.
    return name if name and name != user.username else None


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def issue_token(*, session: Session, username: str) -> str:
    """A new API token for ``username``; only its hash is kept."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise AccountError(f"no active user {username}")
    assert user.id is not None
    token = "htl_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked == False)  # noqa: E712
    ).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return user


def bind_wechat(*, session: Session, code: str, openid: str) -> BindResult:
    """绑定 <code>: bind a member's WeChat account to their staff account (see :mod:`residents.binding`)."""
    return binding.bind_wechat(session=session, code=code, openid=openid)


def _user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise AccountError(f"no user {username}")
    return user


def list_users(*, session: Session) -> list[User]:
    """Every staff account, by role then name."""
    return sorted(session.exec(select(User)).all(), key=lambda u: (str(u.role), u.username))


def set_active(*, session: Session, username: str, active: bool) -> User:
    """Disable (its console sessions and API tokens stop working at once) or enable an account."""
    user = _user(session, username)
    user.active = active
    session.add(user)
    if not active and user.id is not None:
        sessions.end_all(session=session, user_id=user.id)
        revoke_tokens(session=session, username=username)
    return user


def reset_password(*, session: Session, username: str, password: str) -> User:
    """A new password; the account's console sessions end, so it signs in again."""
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    user = _user(session, username)
    user.password_hash = _hasher.hash(password)
    session.add(user)
    if user.id is not None:
        sessions.end_all(session=session, user_id=user.id)
    return user


def revoke_tokens(*, session: Session, username: str) -> int:
    """Revoke every live API token of ``username``; how many there were."""
    user = _user(session, username)
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked == False)).all()  # noqa: E712
    for row in rows:
        row.revoked = True
        session.add(row)
    return len(rows)
