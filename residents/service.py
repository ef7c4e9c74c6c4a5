"""Residents, consent and communities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from core.settings import Settings
from core.timeutil import utcnow
from residents.models import Community, ConsentRecord, Resident

_BUILDING = re.compile(r"(\d+)\s*(?:栋|幢|号楼|楼|座|单元楼)")

# Every message notes its resident and reads the community: these statements are built once and run
# with parameters, and they are Core statements (the ORM's unit of work cost more than the writes).
_RESIDENTS = Resident.__table__  # type: ignore[attr-defined]
_COMMUNITIES = Community.__table__  # type: ignore[attr-defined]
_BY_OPENID = select(Resident).where(col(Resident.openid) == bindparam("key_openid"))
_EXISTS = select(_RESIDENTS.c.id).where(_RESIDENTS.c.openid == bindparam("key_openid"))
_CREATE = insert(_RESIDENTS)
_SEEN = update(_RESIDENTS).where(_RESIDENTS.c.openid == bindparam("key_openid"))
_FIRST_COMMUNITY = select(Community).order_by(col(Community.id)).limit(1)
# The resident's community, else the first one (a resident is placed once their address is known).
_COMMUNITY_OF = sqlalchemy.select(
    _COMMUNITIES.c.id,
    _COMMUNITIES.c.name,
    _COMMUNITIES.c.region,
    _COMMUNITIES.c.office_phone,
    _COMMUNITIES.c.emergency_phone,
    _COMMUNITIES.c.antigen_allowance,
).where(
    _COMMUNITIES.c.id
    == func.coalesce(
        select(_RESIDENTS.c.community_id).where(_RESIDENTS.c.openid == bindparam("key_openid")).scalar_subquery(),
        select(func.min(_COMMUNITIES.c.id)).scalar_subquery(),
    )
)


@dataclass(frozen=True)
class Place:
    """What a turn reads of a resident's community (the row itself is staff's to change)."""

    id: int
    name: str
    region: str
    office_phone: str
    emergency_phone: str
    antigen_allowance: int

    @classmethod
    def of(cls, community: Community) -> Place:
        assert community.id is not None
        return cls(
            community.id,
            community.name,
            community.region,
            community.office_phone,
            community.emergency_phone,
            community.antigen_allowance,
        )


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


def _create(connection: Connection, openid: str, seen_at: datetime | None) -> int:
    """Store a new resident (no personal data yet); a race with another message of the same
    resident raises IntegrityError, which makes the caller run its turn again."""
    now = utcnow()
    values: dict[str, Any] = {column.key: None for column in _RESIDENTS.columns if column.key != "id"}
    values.update(openid=openid, subscribed=True, last_message_at=seen_at, created_at=now, updated_at=now)
    key = connection.execute(_CREATE, values).inserted_primary_key
    assert key is not None
    return int(key[0])


def arrived(*, session: Session, openid: str, seen_at: datetime | None, settings: Settings) -> Place:
    """A message from ``openid``: its resident stored (created on first contact), ``seen_at`` kept as
    the time they last wrote (None for an event), and the community that serves them."""
    connection = session.connection()
    if seen_at is not None:
        if connection.execute(_SEEN, {"key_openid": openid, "last_message_at": seen_at}).rowcount == 0:
            _create(connection, openid, seen_at)  # nothing to update: first contact
    elif connection.execute(_EXISTS, {"key_openid": openid}).first() is None:
        _create(connection, openid, None)
    row = connection.execute(_COMMUNITY_OF, {"key_openid": openid}).first()
    if row is None:  # the resident's community is gone, or there is none yet
        return Place.of(default_community(session=session, settings=settings))
    return Place(*row)


def get_or_create(*, session: Session, openid: str) -> Resident:
    """The resident behind an openid, created on first contact (no personal data yet)."""
    resident = session.exec(_BY_OPENID, params={"key_openid": openid}).first()
    if resident is None:
        resident = session.get_one(Resident, _create(session.connection(), openid, None))
    return resident


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
