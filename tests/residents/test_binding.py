"""绑定 <code>: a member's WeChat account bound to their staff account; codes one-use, 10 minutes, throttled."""

from __future__ import annotations

from sqlmodel import Session, select

from residents import accounts, binding
from residents.binding import BindOutcome
from residents.models import AuditEntry, User
from tests.conftest import FrozenClock


def _member(session: Session, name: str = "wangwei") -> User:
    user = accounts.add_user(
        session=session, username=name, role="member", password="long password", display_name="王伟"
    )
    session.commit()
    return user


def test_a_code_binds_the_wechat_account_once(session: Session) -> None:
    user = _member(session)
    code = binding.issue_code(session=session, user=user)
    assert len(code) == 6 and code.isdigit()
    result = accounts.bind_wechat(session=session, code=code, openid="oMember1")
    session.commit()
    assert result.ok and result.user is not None and result.user.id == user.id
    assert "绑定成功" in result.text and "王伟" in result.text
    assert session.get(User, user.id).openid == "oMember1"  # type: ignore[union-attr]
    again = accounts.bind_wechat(session=session, code=code, openid="oSomeoneElse")
    assert again.outcome is BindOutcome.INVALID and "过期" in again.text
    assert binding.user_for_openid(session=session, openid="oMember1") is not None


def test_a_code_expires_after_ten_minutes(session: Session, clock: FrozenClock) -> None:
    user = _member(session)
    code = binding.issue_code(session=session, user=user)
    session.commit()
    clock.advance(minutes=10, seconds=1)
    assert accounts.bind_wechat(session=session, code=code, openid="oMember1").outcome is BindOutcome.INVALID


def test_a_new_code_replaces_the_old_one(session: Session) -> None:
    user = _member(session)
    first = binding.issue_code(session=session, user=user)
    second = binding.issue_code(session=session, user=user)
    session.commit()
    if first != second:
        assert not accounts.bind_wechat(session=session, code=first, openid="oA").ok
    assert accounts.bind_wechat(session=session, code=second, openid="oA").ok


def test_wrong_codes_are_throttled_per_openid(session: Session, clock: FrozenClock) -> None:
    user = _member(session)
    code = binding.issue_code(session=session, user=user)
    session.commit()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert accounts.bind_wechat(session=session, code=wrong, openid="oGuesser").outcome is BindOutcome.INVALID
        session.commit()
    # Even the right code is refused while the guesser is throttled; another openid is not.
    assert accounts.bind_wechat(session=session, code=wrong, openid="oOther").outcome is BindOutcome.INVALID
    blocked = accounts.bind_wechat(session=session, code=code, openid="oGuesser")
    assert blocked.outcome is BindOutcome.THROTTLED and "15 分钟" in blocked.text
    clock.advance(minutes=16)
    fresh = binding.issue_code(session=session, user=user)
    assert accounts.bind_wechat(session=session, code=fresh, openid="oGuesser").ok
    actions = session.exec(select(AuditEntry.detail).where(AuditEntry.action == "bind")).all()
    assert actions.count("wrong code") == 6 and "throttled" in actions


def test_binding_moves_an_openid_from_a_previous_account(session: Session) -> None:
    old, new = _member(session, "olduser"), _member(session, "newuser")
    old.openid = "oShared"
    session.add(old)
    session.commit()
    assert accounts.bind_wechat(
        session=session, code=binding.issue_code(session=session, user=new), openid="oShared"
    ).ok
    session.commit()
    assert session.get(User, old.id).openid is None  # type: ignore[union-attr]
    assert session.get(User, new.id).openid == "oShared"  # type: ignore[union-attr]
