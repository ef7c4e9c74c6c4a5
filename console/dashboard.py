"""数据: today's requests, overdue tickets, medians, load, the 14-day trend; the daily report (日报告)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from console.deps import OverseerDep, SessionDep, SettingsDep, Viewer, ViewerDep, client_address, render
from console.web import ConsoleRoute
from core.settings import Settings
from core.timeutil import local, utcnow
from residents import audit
from residents.audit import AuditAction
from residents.models import Community
from tickets import reports

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
CHART_W, CHART_H = 280, 90


def _bars(trend: list[tuple[str, int]]) -> list[dict[str, object]]:
    """SVG bars as attributes (the content policy allows no inline styles)."""
    top = max([n for _, n in trend] + [1])
    width = CHART_W / max(len(trend), 1)
    bars = []
    for i, (label, n) in enumerate(trend):
        height = round(n / top * (CHART_H - 20), 1)
        bars.append(
            {
                "x": round(i * width + 2, 1),
                "y": round(CHART_H - 12 - height, 1),
                "w": round(width - 4, 1),
                "h": height,
                "label": label,
                "n": n,
            }
        )
    return bars


@router.get("/")
def dashboard(request: Request, session: SessionDep, settings: SettingsDep, viewer: ViewerDep) -> Response:
    if not (viewer.is_staff or viewer.read_only):
        return RedirectResponse("/console/tickets", status_code=303)
    street = viewer.community_id is None
    figures = reports.dashboard(
        session=session, community_ids=viewer.community_ids, zone=settings.timezone, per_community=street
    )
    context = {
        "figures": figures,
        "street": street,
        "bars": _bars(figures.trend),
        "chart_w": CHART_W,
        "chart_h": CHART_H,
    }
    return render(request, "dashboard.html", context)


def _report_scope(session: SessionDep, viewer: Viewer, community: str) -> tuple[list[int] | None, str]:
    """A street-level viewer picks one community or all; anyone else gets their own."""
    if viewer.community_id is not None:
        own = session.get(Community, viewer.community_id)
        return [viewer.community_id], own.name if own else ""
    if community.isdigit():
        chosen = session.get(Community, int(community))
        if chosen is not None and chosen.id is not None:
            return [chosen.id], chosen.name
    return None, "全街道"


def _day(value: str, zone: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return local(utcnow(), zone).date()


def _daily(
    session: SessionDep, viewer: Viewer, settings: Settings, day: str, community: str
) -> tuple[reports.DailyReport, str]:
    """The daily report the page and the CSV show, and the name of its scope."""
    ids, scope_name = _report_scope(session, viewer, community)
    zone = settings.timezone
    return reports.daily(session=session, community_ids=ids, day=_day(day, zone), zone=zone), scope_name


@router.get("/report")
def daily_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: OverseerDep,
    day: str = "",
    community: str = "",
) -> Response:
    report, scope_name = _daily(session, viewer, settings, day, community)
    communities = (
        list(session.exec(select(Community).order_by(col(Community.id)))) if viewer.community_id is None else []
    )
    context = {"report": report, "scope_name": scope_name, "communities": communities, "community": community}
    return render(request, "report.html", context)


@router.get("/report.csv")
def daily_report_csv(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: OverseerDep,
    day: str = "",
    community: str = "",
) -> Response:
    report, scope_name = _daily(session, viewer, settings, day, community)
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.EXPORT,
        target=f"report:{report.day.isoformat()}",
        detail=scope_name,
        address=client_address(request),
    )
    session.commit()
    filename = f"daily-report-{report.day.isoformat()}.csv"
    return Response(
        reports.as_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
