"""Importing the grid map from a CSV ``grid,building,member[,community]``: all rows or none.

Re-importing updates (a building moves grid, a grid gets a new member); each bad row is reported by
its line number and nothing is written while any row is bad.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from core.settings import Settings
from residents import service as resident_service
from residents.models import Building, Community, Grid, Role, User
from tickets import workflow
from tickets.routing import normalise_building

REQUIRED = ("grid", "building", "member")


class GridImportError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    rows: int = 0
    communities_created: int = 0
    grids_created: int = 0
    grids_updated: int = 0
    buildings_created: int = 0
    buildings_updated: int = 0
    rerouted: int = 0  # open tickets nobody had taken on, routed again on the new map
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    community: str
    grid: str
    building: str
    member: str


def _parse(text: str, default_community: str) -> tuple[list[_Row], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)} (expected grid,building,member[,community])"]
    reader.fieldnames = header
    rows, errors = [], []
    for record in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in record.items() if key}
        if not any(values.values()):
            continue
        building = normalise_building(values.get("building")) or ""
        row = _Row(
            line,
            values.get("community") or default_community,
            values.get("grid", ""),
            building,
            values.get("member", ""),
        )
        if not row.grid:
            errors.append(f"line {line}: grid is empty")
        elif not row.building:
            errors.append(f"line {line}: building is empty")
        elif len(row.grid) > 100 or len(row.building) > 50 or len(row.community) > 100:
            errors.append(f"line {line}: a name is too long")
        else:
            rows.append(row)
    return rows, errors


def import_csv(*, session: Session, text: str, settings: Settings) -> ImportResult:
    """Validate every row, then write them all in the caller's transaction (GridImportError lists bad lines).

    Open tickets without an owner, or held by an admin for want of a member, are then routed again.
    """
    default = resident_service.default_community(session=session, settings=settings)
    rows, errors = _parse(text, default.name)
    users = {u.username: u for u in session.exec(select(User)).all()}
    communities = {c.name: c for c in session.exec(select(Community)).all()}
    building_grid: dict[tuple[str, str], tuple[str, int]] = {}
    grid_member: dict[tuple[str, str], tuple[str, int]] = {}
    member_community: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.member:
            user = users.get(row.member)
            if user is None or not user.active:
                errors.append(
                    f"line {row.line}: no active user {row.member} "
                    f"(add with `hotline user add {row.member} --role member`)"
                )
                continue
            home = communities.get(row.community)
            if user.community_id is not None and (home is None or user.community_id != home.id):
                errors.append(f"line {row.line}: {row.member} belongs to another community")
                continue
            seen = member_community.setdefault(row.member, (row.community, row.line))
            if seen[0] != row.community:
                errors.append(f"line {row.line}: {row.member} is already a member in {seen[0]} (line {seen[1]})")
                continue
        first = building_grid.setdefault((row.community, row.building), (row.grid, row.line))
        if first[0] != row.grid:
            errors.append(f"line {row.line}: {row.building} is already in grid {first[0]} (line {first[1]})")
        member = grid_member.setdefault((row.community, row.grid), (row.member, row.line))
        if member[0] != row.member:
            errors.append(
                f"line {row.line}: grid {row.grid} already has member {member[0] or '（无）'} (line {member[1]})"
            )
    if errors:
        raise GridImportError(sorted(set(errors), key=lambda e: int(e.split(":")[0].split()[1])))
    result = _apply(session, rows, users, communities, settings)
    result.rerouted = workflow.reroute_open(session=session, settings=settings)
    if result.rerouted:
        result.notes.append(f"{result.rerouted} open tickets routed again")
    return result


def _apply(
    session: Session, rows: list[_Row], users: dict[str, User], communities: dict[str, Community], settings: Settings
) -> ImportResult:
    result = ImportResult(rows=len(rows))
    for row in rows:
        community = communities.get(row.community)
        if community is None:
            community = Community(
                name=row.community,
                office_phone=settings.office_phone,
                emergency_phone=settings.emergency_phone,
                antigen_allowance=settings.antigen_allowance,
            )
            session.add(community)
            session.flush()
            communities[row.community] = community
            result.communities_created += 1
        assert community.id is not None
        grid = session.exec(
            select(Grid).where(col(Grid.community_id) == community.id, col(Grid.name) == row.grid)
        ).first()
        if grid is None:
            grid = Grid(community_id=community.id, name=row.grid, member=row.member or None)
            session.add(grid)
            session.flush()
            result.grids_created += 1
        elif grid.member != (row.member or None):
            grid.member = row.member or None
            session.add(grid)
            result.grids_updated += 1
        assert grid.id is not None
        building = session.exec(
            select(Building).where(col(Building.community_id) == community.id, col(Building.name) == row.building)
        ).first()
        if building is None:
            session.add(Building(community_id=community.id, name=row.building, grid_id=grid.id))
            result.buildings_created += 1
        elif building.grid_id != grid.id:
            building.grid_id = grid.id
            session.add(building)
            result.buildings_updated += 1
        user = users.get(row.member) if row.member else None
        if user is not None and user.community_id is None and user.role != Role.ADMIN:
            user.community_id = community.id  # the grid places the member in this community (admins stay street-wide)
            session.add(user)
        session.flush()
    return result
