"""工单: my open tickets first, then the community's, filtered and searched; new ones show up by polling."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from console.deps import SessionDep, SettingsDep, ViewerDep, render
from console.web import ConsoleRoute
from tickets import queries
from tickets.models import STATUS_NAMES, TYPE_NAMES, TicketStatus
from tickets.notify import PRIORITY_NAMES

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
PAGE = 30


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/tickets")
def ticket_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    status: str = "",
    type: str = "",
    priority: str = "",
    overdue: str = "",
    grid: str = "",
    day: str = "",
    q: str = "",
    page: int = 1,
    poll: int = 15,
) -> Response:
    flt = queries.TicketFilter(
        status=status or None,
        type=type or None,
        priority=priority or None,
        overdue={"1": True, "0": False}.get(overdue),
        grid=grid or None,
        day=_day(day),
        q=q[:30] or None,
    )
    page = max(page, 1)
    zone = settings.timezone
    mine, _ = queries.listing(
        session=session, user=viewer.user, mine=True, flt=queries.TicketFilter(status="open"), zone=zone, limit=50
    )
    rows, count = queries.listing(
        session=session, user=viewer.user, mine=False, flt=flt, zone=zone, limit=PAGE, offset=(page - 1) * PAGE
    )
    context = {
        "mine": mine,
        "tickets": rows,
        "count": count,
        "page": page,
        "pages": max(1, -(-count // PAGE)),
        "filters": {
            "status": status,
            "type": type,
            "priority": priority,
            "overdue": overdue,
            "grid": grid,
            "day": day,
            "q": q,
        },
        "statuses": [("open", "未办结"), *((s.value, STATUS_NAMES[s.value]) for s in TicketStatus)],
        "types": TYPE_NAMES,
        "priorities": {k.value: v for k, v in PRIORITY_NAMES.items()},
        "grids": queries.grids(session=session, user=viewer.user),
        "late": {t.id for t in [*mine, *rows] if queries.is_late(t)},
        "latest": queries.latest_id(session=session, user=viewer.user),
        "STATUS_NAMES": STATUS_NAMES,
        "poll_ms": min(max(poll, 1), 300) * 1000,  # how often the page asks for new tickets
    }
    return render(request, "tickets.html", context)


@router.get("/tickets/latest")
def latest(session: SessionDep, viewer: ViewerDep) -> Response:
    """The newest visible ticket id; the list page's script reloads the list when it grows."""
    return JSONResponse({"latest": queries.latest_id(session=session, user=viewer.user)})
