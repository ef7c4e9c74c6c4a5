"""Residents, consent and communities."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from core.settings import Settings
from core.timeutil import utcnow
from residents.models import Community, ConsentRecord, Resident

_BUILDING = re.compile(r"(\d+)\s*(?:栋|幢|号楼|楼|座|单元楼)")


def default_community(*, session: Session, settings: Settings) -> Community:
    """The first community, created from settings so a single-community setup needs no step."""
    community = session.exec(select(Community).order_by(Community.id)).first()  # type: ignore[arg-type]
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


def get_or_create(*, session: Session, openid: str) -> Resident:
    """The resident behind an openid, created on first contact (no personal data yet)."""
    resident = session.exec(select(Resident).where(Resident.openid == openid)).first()
    if resident is None:
        resident = Resident(openid=openid)
        session.add(resident)
        session.flush()
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
