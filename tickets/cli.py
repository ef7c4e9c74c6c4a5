"""``hotline grids import FILE``, ``hotline duty set|show|remove``: registered by the top-level CLI."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.db import session_scope
from core.settings import Settings, get_settings
from core.timeutil import local, local_zone, utcnow
from residents import service as resident_service
from residents.models import Community, User
from tickets import duty, routing
from tickets.exceptions import TicketError
from tickets.grids import GridImportError, import_csv


def _engine(args: argparse.Namespace, settings: Settings) -> Engine:
    """The migrated database the top-level CLI hands every command (``args.open_engine``)."""
    return args.open_engine(settings.database_url)


def cmd_grids_import(args: argparse.Namespace) -> int:

    settings = get_settings()
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    try:
        with session_scope(_engine(args, settings)) as session:
            result = import_csv(session=session, text=text, settings=settings)
    except GridImportError as error:
        for line in error.errors:
            print(f"error: {args.file} {line}", file=sys.stderr)
        print("nothing imported", file=sys.stderr)
        return 2
    print(
        f"imported {result.rows} rows: grids {result.grids_created} new / {result.grids_updated} updated, "
        f"buildings {result.buildings_created} new / {result.buildings_updated} updated, "
        f"communities {result.communities_created} new"
    )
    return 0


def _parse_time(text: str, settings: Settings) -> datetime:
    """'2026-01-22 18:00' or '2026-01-22T18:00' in the community's local time; aware UTC back."""
    moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone(settings.timezone))
    return moment.astimezone(UTC)


def _community(session: Session, name: str | None, user: User | None, settings: Settings) -> Community | None:
    if name:
        return session.exec(select(Community).where(col(Community.name) == name)).first()
    if user is not None and user.community_id is not None:
        return session.get(Community, user.community_id)
    return resident_service.default_community(session=session, settings=settings)


def cmd_duty_set(args: argparse.Namespace) -> int:

    settings = get_settings()
    try:
        starts, ends = _parse_time(args.start, settings), _parse_time(args.end, settings)
    except ValueError as error:
        print(f"error: times look like 2026-01-22 18:00 ({error})", file=sys.stderr)
        return 2
    try:
        with session_scope(_engine(args, settings)) as session:
            user = routing.active_user(session=session, username=args.user)
            community = _community(session, args.community, user, settings)
            if community is None or community.id is None:
                print(f"error: no community {args.community}", file=sys.stderr)
                return 2
            shift = duty.set_shift(
                session=session,
                username=args.user,
                starts_at=starts,
                ends_at=ends,
                community_id=community.id,
                note=args.note,
            )
            shift_id, name = shift.id, community.name
    except TicketError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(
        f"shift {shift_id}: {args.user} on duty for {name} "
        f"{local(starts, settings.timezone):%Y-%m-%d %H:%M} – {local(ends, settings.timezone):%Y-%m-%d %H:%M}"
    )
    return 0


def cmd_duty_show(args: argparse.Namespace) -> int:
    settings = get_settings()
    at = _parse_time(args.at, settings) if args.at else utcnow()
    with Session(_engine(args, settings)) as session:
        communities = session.exec(select(Community).order_by(col(Community.id))).all()
        for community in communities:
            on = routing.on_duty(session=session, community_id=community.id, at=at)
            print(f"{community.name}: on duty at {local(at, settings.timezone):%Y-%m-%d %H:%M}: {on or '（无人值班）'}")
            for shift in duty.shifts(session=session, community_id=community.id, ending_after=at):
                print(
                    f"  #{shift.id} {shift.username} {local(shift.starts_at, settings.timezone):%m-%d %H:%M} – "
                    f"{local(shift.ends_at, settings.timezone):%m-%d %H:%M} {shift.note}".rstrip()
                )
    return 0


def cmd_duty_remove(args: argparse.Namespace) -> int:

    with session_scope(_engine(args, get_settings())) as session:
        removed = duty.remove_shift(session=session, shift_id=args.id)
    if not removed:
        print(f"error: no shift {args.id}", file=sys.stderr)
        return 2
    print(f"shift {args.id} removed")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    grids = sub.add_parser("grids", help="grids, buildings and their members").add_subparsers(
        dest="action", required=True
    )
    imp = grids.add_parser("import", help="import a CSV grid,building,member[,community] (all rows or none)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_grids_import)

    roster = sub.add_parser("duty", help="the on-duty roster").add_subparsers(dest="action", required=True)
    put = roster.add_parser("set", help="put USER on duty from … to … (local time, e.g. '2026-01-22 18:00')")
    put.add_argument("user")
    put.add_argument("--from", dest="start", required=True)
    put.add_argument("--to", dest="end", required=True)
    put.add_argument("--community", default=None, help="community name (default: the user's, else the first)")
    put.add_argument("--note", default="")
    put.set_defaults(func=cmd_duty_set)
    show = roster.add_parser("show", help="who is on duty now (or --at TIME) and the coming shifts")
    show.add_argument("--at", default=None)
    show.set_defaults(func=cmd_duty_show)
    remove = roster.add_parser("remove", help="remove a shift by its number")
    remove.add_argument("id", type=int)
    remove.set_defaults(func=cmd_duty_remove)
