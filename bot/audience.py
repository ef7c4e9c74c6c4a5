"""Who is writing: a resident, or a committee member whose WeChat account is bound to a staff account.

The binding is the staff account's ``openid`` (set from the console). A member who writes to the
account is not a resident: "老人胸痛已送医" from them is a report about someone, not a call for help.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session, col, select

from residents.models import User


class Audience(StrEnum):
    RESIDENT = "resident"
    MEMBER = "member"


def audience_of(*, session: Session, openid: str) -> Audience:
    """MEMBER when an active staff account is bound to this WeChat openid, else RESIDENT."""
    if not openid:
        return Audience.RESIDENT
    bound = session.exec(select(User.id).where(col(User.openid) == openid, col(User.active)).limit(1)).first()
    return Audience.MEMBER if bound is not None else Audience.RESIDENT
