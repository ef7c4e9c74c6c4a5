"""Staff accounts as residents see them: a display name, never a login name."""

from __future__ import annotations

from sqlmodel import Session

from residents import accounts
from residents.models import Role, User


def test_an_account_without_a_display_name_keeps_none(session: Session) -> None:
    user = accounts.add_user(session=session, username="zhoumin", role="member", password="long password")
    assert user.display_name == ""
    assert accounts.shown_name(user) is None


def test_the_shown_name_is_the_display_name_never_the_username() -> None:
    named = User(username="wangwei", display_name="王伟", role=Role.MEMBER, password_hash="x")
    assert accounts.shown_name(named) == "王伟"
    # Older accounts stored the username as their display name.
    legacy = User(username="admin", display_name="admin", role=Role.ADMIN, password_hash="x")
    assert accounts.shown_name(legacy) is None
    assert accounts.shown_name(None) is None
