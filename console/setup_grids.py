"""设置: grids and buildings (CSV import as `hotline grids import` does), the on-duty roster, canned replies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from console.deps import SessionDep, SettingsDep, StaffDep, Viewer, WriterDep, client_address, render
from console.web import ConsoleRoute
from core.timeutil import local_zone, utcnow
from residents import audit, canned
from residents.audit import AuditAction
from residents.models import Building, Grid
from tickets import access, duty
from tickets.exceptions import TicketError
from tickets.grids import GridImportError, import_csv

router = APIRouter(prefix="/console", route_class=ConsoleRoute)


def _community(session: SessionDep, viewer: Viewer) -> int | None:
    return viewer.community_id if viewer.community_id is not None else access.default_community_id(session)


def _page(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    message: str = "",
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    community = _community(session, viewer)
    grids = list(session.exec(select(Grid).where(col(Grid.community_id) == community).order_by(col(Grid.name))))
    buildings = list(session.exec(select(Building).where(col(Building.community_id) == community)))
    by_grid: dict[int | None, list[str]] = {}
    for b in sorted(buildings, key=lambda b: b.name):
        by_grid.setdefault(b.grid_id, []).append(b.name)
    shifts = duty.shifts(session=session, community_id=community, ending_after=utcnow()) if community else []
    context = {"grids": grids, "by_grid": by_grid, "shifts": shifts, "message": message, "errors": errors or []}
    return render(request, "setup.html", context, status_code)


@router.get("/setup")
def setup(request: Request, session: SessionDep, viewer: StaffDep) -> Response:
    return _page(request, session, viewer)


@router.post("/setup/grids")
async def import_grids(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: WriterDep,
    csv_text: Annotated[str, Form()] = "",
    file: UploadFile | None = None,
) -> Response:
    """All rows or none; bad rows named by line."""
    text = (await file.read()).decode("utf-8-sig") if file is not None and file.filename else csv_text
    try:
        result = import_csv(session=session, text=text, settings=settings)
    except GridImportError as error:
        session.rollback()
        return _page(request, session, viewer, errors=error.errors, status_code=422)
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.SETUP,
        target="grids",
        detail=f"import {result.rows} rows",
        address=client_address(request),
    )
    session.commit()
    return _page(request, session, viewer, message=f"已导入 {result.rows} 行")


def _local(value: str, zone: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=local_zone(zone))


@router.post("/setup/duty")
def add_shift(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: WriterDep,
    username: Annotated[str, Form(max_length=50)],
    starts: Annotated[str, Form()],
    ends: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    community = _community(session, viewer)
    try:
        if community is None:
            raise TicketError("请先设置社区")
        duty.set_shift(
            session=session,
            username=username.strip(),
            starts_at=_local(starts, settings.timezone),
            ends_at=_local(ends, settings.timezone),
            community_id=community,
            note=note,
        )
    except (TicketError, ValueError) as error:
        session.rollback()
        return _page(request, session, viewer, errors=[getattr(error, "message", str(error))], status_code=422)
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.SETUP,
        target="duty",
        detail=f"add {username}",
        address=client_address(request),
    )
    session.commit()
    return RedirectResponse("/console/setup", status_code=303)


@router.post("/setup/duty/{shift_id}/remove")
def remove_shift(request: Request, session: SessionDep, viewer: WriterDep, shift_id: int) -> Response:
    duty.remove_shift(session=session, shift_id=shift_id)
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.SETUP,
        target="duty",
        detail=f"remove {shift_id}",
        address=client_address(request),
    )
    session.commit()
    return RedirectResponse("/console/setup", status_code=303)


@router.get("/canned")
def canned_page(request: Request, session: SessionDep, viewer: StaffDep) -> Response:
    rows = canned.for_community(session=session, community_id=viewer.community_id)
    session.commit()
    return render(request, "canned.html", {"rows": rows})


@router.post("/canned")
def save_canned(
    request: Request,
    session: SessionDep,
    viewer: WriterDep,
    title: Annotated[str, Form(max_length=30)],
    text: Annotated[str, Form(max_length=500)],
    reply_id: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    if not viewer.is_staff:
        return RedirectResponse("/console/canned", status_code=303)
    if remove and reply_id.isdigit():
        canned.remove(session=session, reply_id=int(reply_id))
    elif title.strip() and text.strip():
        canned.save(
            session=session,
            reply_id=int(reply_id) if reply_id.isdigit() else None,
            community_id=viewer.community_id,
            title=title,
            text=text,
        )
    session.commit()
    return RedirectResponse("/console/canned", status_code=303)
