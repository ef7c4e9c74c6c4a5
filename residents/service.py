"""Residents, consent and communities."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from core.settings import Settings
from core.timeutil import utcnow
from residents.models import Community, ConsentRecord, Resident

_BUILDING = re.compile(r"(\d+)\s*(?:栋|幢|号楼|楼|座|单元楼)")

# Every message finds its resident and community: these are built once and run with parameters.
_RESIDENTS = Resident.__table__  # type: ignore[attr-defined]
_BY_OPENID = select(Resident).where(col(Resident.openid) == bindparam("key_openid"))
_CREATE = insert(_RESIDENTS)
_SEEN = update(_RESIDENTS).where(_RESIDENTS.c.id == bindparam("key_id"))
_FIRST_COMMUNITY = select(Community).order_by(col(Community.id)).limit(1)


def default_community(*, session: Session, settings: Settings) -> Community:
    """The first community, created from settings so a single-community setup needs no step."""
    community = session.exec(_FIRST_COMMUNITY).first()
    if community is None:
        community = Community(
            name=settings.community_name,
            region=settings.region,
            office_phone=settings.office_phone,
            emergency_phone=settings.emergency_phone,
            antigen_allowance=settings.antigen_allowance,
        )
        session.add(community)
        session.flush()
    return community


def get_or_create(*, session: Session, openid: str, seen_at: datetime | None = None) -> Resident:
    """The resident behind an openid, created on first contact (no personal data yet).

    ``seen_at``: when the resident last wrote (the message being handled), kept as ``last_message_at``.
    """
    resident = session.exec(_BY_OPENID, params={"key_openid": openid}).first()
    connection = session.connection()
    if resident is None:
        resident = Resident(openid=openid, last_message_at=seen_at)
        # A Core insert, then the object joins the session as stored: the ORM's flush of one new row
        # cost more than the rest of a first message's turn. A race with another message of the same
        # resident raises IntegrityError here, as the flush did.
        values = {column.key: getattr(resident, column.key) for column in _RESIDENTS.columns if column.key != "id"}
        resident.id = connection.execute(_CREATE, values).inserted_primary_key[0]
        make_transient_to_detached(resident)
        session.add(resident)
    elif seen_at is not None:
        connection.execute(_SEEN, {"key_id": resident.id, "last_message_at": seen_at})
        set_committed_value(resident, "last_message_at", seen_at)
    return resident


def community_of(*, session: Session, resident: Resident, settings: Settings) -> Community:
    if resident.community_id is not None:
        community = session.get(Community, resident.community_id)
        if community is not None:
            return community
    return default_community(session=session, settings=settings)


def record_consent(*, session: Session, resident: Resident, granted: bool, purpose: str) -> None:
    """Keep the answer and its time (PIPL Art. 29 separate consent)."""
    now = utcnow()
    resident.consent, resident.consent_at, resident.updated_at = granted, now, now
    if not granted:
        # A refusal also withdraws what was kept before (PIPL Art. 15, 47).
        resident.name = resident.phone = resident.address = resident.building = None
    session.add(resident)
    session.add(ConsentRecord(openid=resident.openid, purpose=purpose, granted=granted, at=now))


def building_name(address: str) -> str | None:
    """'8栋1单元302' -> '8栋': the building decides the grid and the community."""
    match = _BUILDING.search(address)
    return f"{int(match.group(1))}栋" if match else None
