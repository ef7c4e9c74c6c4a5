"""Canned replies: ready answers a member sends to a resident with one tap; staff edit them."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from residents.models import CannedReply

DEFAULTS = (
    ("已收到", "您好，已收到您的请求，我们正在处理，请保持电话畅通。"),
    ("上门", "您好，工作人员稍后会上门，请在家等候。"),
    ("自取", "您好，物品已备好，请到社区服务站领取，带上身份证。"),
)


def for_community(*, session: Session, community_id: int | None) -> list[CannedReply]:
    """The community's replies and the shared ones; the defaults are created on first use."""
    query = select(CannedReply).order_by(col(CannedReply.id))
    if community_id is not None:
        query = query.where(or_(col(CannedReply.community_id) == community_id, col(CannedReply.community_id).is_(None)))
    rows = list(session.exec(query))
    if not rows and not session.exec(select(CannedReply.id)).first():
        for title, text in DEFAULTS:
            session.add(CannedReply(title=title, text=text))
        session.flush()
        rows = list(session.exec(query))
    return rows


def save(*, session: Session, reply_id: int | None, community_id: int | None, title: str, text: str) -> CannedReply:
    """Create or change one reply. The caller commits."""
    row = session.get(CannedReply, reply_id) if reply_id else None
    if row is None:
        row = CannedReply(community_id=community_id, title=title, text=text)
    row.title, row.text = title.strip()[:30], text.strip()[:500]
    session.add(row)
    session.flush()
    return row


def remove(*, session: Session, reply_id: int) -> None:
    row = session.get(CannedReply, reply_id)
    if row is not None:
        session.delete(row)
