"""Figures for the dashboard and the daily report (日报告; a 零报告 when nothing happened)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, func
from sqlmodel import Session, col, select

from core.timeutil import local, utcnow
from residents.models import Community
from tickets.models import OPEN_STATUSES, STATUS_NAMES, TYPE_NAMES, Ticket
from tickets.queries import day_range, late_clause

TREND_DAYS = 14


def _scope(community_ids: list[int] | None) -> list[Any]:
    return [] if community_ids is None else [col(Ticket.community_id).in_(community_ids)]


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Dashboard:
    by_type: dict[str, int]
    by_status: dict[str, int]
    overdue_open: int
    median_ack_minutes: float | None
    median_resolve_minutes: float | None
    load: list[tuple[str, int]]  # open tickets per grid, or per community for the street office
    trend: list[tuple[str, int]]  # (MM-DD, tickets created) for the last 14 days


def dashboard(*, session: Session, community_ids: list[int] | None, zone: str, per_community: bool) -> Dashboard:
    """Today's requests by type and status, overdue tickets, medians, load and the 14-day trend."""
    where = _scope(community_ids)
    today = local(utcnow(), zone).date()
    start, end = day_range(today, zone)
    today_rows = session.exec(
        select(Ticket.type, Ticket.status).where(*where, col(Ticket.created_at) >= start, col(Ticket.created_at) < end)
    ).all()
    since = day_range(today - timedelta(days=TREND_DAYS - 1), zone)[0]
    local_day = _local_day(session, zone)
    per_day = dict(
        session.exec(
            select(local_day, func.count()).where(*where, col(Ticket.created_at) >= since).group_by(local_day)
        ).all()
    )
    counts = {str(day)[:10]: int(n) for day, n in per_day.items()}
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    trend = [(f"{day:%m-%d}", counts.get(day.isoformat(), 0)) for day in days]
    # One pass over the open tickets gives both the load and the overdue count.
    group = col(Ticket.community_id) if per_community else col(Ticket.grid)
    late = func.sum(case((late_clause(), 1), else_=0))
    load_rows = session.exec(
        select(group, func.count(), late).where(*where, col(Ticket.status).in_(OPEN_STATUSES)).group_by(group)
    ).all()
    names = _community_names(session) if per_community else {}
    load = sorted(
        ((names.get(key, str(key)) if per_community else str(key or "未分网格"), int(n)) for key, n, _ in load_rows),
        key=lambda item: -item[1],
    )
    overdue_open = sum(int(n or 0) for _, _, n in load_rows)
    median_ack, median_resolve = _medians(session, [*where, col(Ticket.created_at) >= since])
    return Dashboard(
        by_type=dict(Counter(TYPE_NAMES.get(t, t) for t, _ in today_rows)),
        by_status=dict(Counter(STATUS_NAMES.get(s, s) for _, s in today_rows)),
        overdue_open=int(overdue_open),
        median_ack_minutes=median_ack,
        median_resolve_minutes=median_resolve,
        load=load,
        trend=trend,
    )


def _local_day(session: Session, zone: str) -> Any:
    """The creation day in the community's time zone, computed by the database (stored times are UTC).

    The offset is today's: China keeps no daylight saving time, so one offset serves the fortnight.
    """
    offset = local(utcnow(), zone).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    if session.get_bind().dialect.name == "sqlite":
        return func.date(col(Ticket.created_at), f"{minutes:+d} minutes")
    return cast(col(Ticket.created_at) + offset, Date)


def _minutes(session: Session, end: Any) -> Any:
    """Minutes from creation to ``end``, computed by the database (no datetimes parsed in Python)."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(col(Ticket.created_at))) * 1440
    return func.extract("epoch", end - col(Ticket.created_at)) / 60


def _medians(session: Session, where: list[Any]) -> tuple[float | None, float | None]:
    """Median minutes to acknowledge and to resolve: PostgreSQL computes them; SQLite hands back numbers."""
    ack, res = _minutes(session, col(Ticket.acknowledged_at)), _minutes(session, col(Ticket.resolved_at))
    if session.get_bind().dialect.name == "postgresql":
        row = session.exec(
            select(func.percentile_cont(0.5).within_group(ack), func.percentile_cont(0.5).within_group(res)).where(
                *where
            )
        ).one()
        return tuple(round(float(value), 1) if value is not None else None for value in row)  # type: ignore[return-value]
    rows = session.exec(select(ack, res).where(*where)).all()
    acks = [float(a) for a, _ in rows if a is not None]
    resolves = [float(r) for _, r in rows if r is not None]
    return (
        round(statistics.median(acks), 1) if acks else None,
        round(statistics.median(resolves), 1) if resolves else None,
    )


def _community_names(session: Session) -> dict[Any, str]:
    return {row.id: row.name for row in session.exec(select(Community))}


@dataclass
class ReportLine:
    community: str
    created: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    overdue: int = 0
    open_now: int = 0

    @property
    def zero(self) -> bool:
        return self.created == 0 and self.resolved == 0 and self.open_now == 0


@dataclass
class DailyReport:
    day: date
    lines: list[ReportLine]

    @property
    def zero(self) -> bool:
        """零报告: nothing new, nothing finished, nothing open."""
        return all(line.zero for line in self.lines)


def daily(*, session: Session, community_ids: list[int] | None, day: date, zone: str) -> DailyReport:
    """One line per community: new tickets by type, resolved that day, overdue, still open."""
    start, end = day_range(day, zone)
    communities = list(session.exec(select(Community).order_by(col(Community.id))))
    if community_ids is not None:
        communities = [c for c in communities if c.id in community_ids]
    default_id = communities[0].id if communities else None
    lines = {c.id: ReportLine(c.name) for c in communities}

    def line(cid: int | None) -> ReportLine | None:
        return lines.get(cid if cid is not None else default_id)

    created = session.exec(
        select(Ticket.community_id, Ticket.type, func.count())
        .where(*_scope(community_ids), col(Ticket.created_at) >= start, col(Ticket.created_at) < end)
        .group_by(col(Ticket.community_id), col(Ticket.type))
    ).all()
    for cid, kind, n in created:
        if (target := line(cid)) is not None:
            target.created += int(n)
            target.by_type[TYPE_NAMES.get(kind, kind)] = target.by_type.get(TYPE_NAMES.get(kind, kind), 0) + int(n)
    counts = (
        ("resolved", [col(Ticket.resolved_at) >= start, col(Ticket.resolved_at) < end]),
        ("overdue", [late_clause(end), col(Ticket.created_at) < end, col(Ticket.created_at) >= start]),
        ("open_now", [col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.created_at) < end]),
    )
    for name, extra in counts:
        rows = session.exec(
            select(Ticket.community_id, func.count())
            .where(*_scope(community_ids), *extra)
            .group_by(col(Ticket.community_id))
        ).all()
        for cid, n in rows:
            if (target := line(cid)) is not None:
                setattr(target, name, getattr(target, name) + int(n))
    return DailyReport(day, list(lines.values()))


def as_csv(report: DailyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["日期", "社区", "新增", "按类型", "当日办结", "超时", "未办结"])
    for line in report.lines:
        kinds = "；".join(f"{k} {v}" for k, v in line.by_type.items()) or "无"
        writer.writerow(
            [report.day.isoformat(), line.community, line.created, kinds, line.resolved, line.overdue, line.open_now]
        )
    if report.zero:
        writer.writerow([report.day.isoformat(), "全部", 0, "零报告", 0, 0, 0])
    return "\ufeff" + out.getvalue()  # a BOM so Excel opens the Chinese as UTF-8
