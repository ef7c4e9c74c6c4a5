"""Dashboard figures and the daily report, computed by the database on SQLite."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.settings import Settings
from residents.models import Community
from tests.conftest import FrozenClock
from tickets import reports
from tickets import service as ticket_service


def _ticket(session: Session, settings: Settings, kind: str, community_id: int | None = None):  # type: ignore[no-untyped-def]
    return ticket_service.create(
        session=session, type=kind, openid=None, details={}, community_id=community_id, settings=settings
    )


def test_medians_trend_load_and_overdue(db: Engine, tsettings: Settings, clock: FrozenClock) -> None:
    with Session(db) as session:
        first, second = _ticket(session, tsettings, "antigen"), _ticket(session, tsettings, "medicine")
        session.commit()
        clock.advance(minutes=10)
        ticket_service.add_note(session=session, ticket=first, actor="wangwei", note="已联系")
        clock.advance(minutes=20)
        ticket_service.add_note(session=session, ticket=second, actor="wangwei", note="已联系")
        ticket_service.transition(
            session=session, ticket=first, to_status="resolved", actor="wangwei", settings=tsettings
        )
        session.commit()
        clock.advance(hours=5)  # the third, never acknowledged, is now overdue
        late_id = _ticket(session, tsettings, "consult").id
        session.commit()
        clock.advance(hours=5)
        figures = reports.dashboard(session=session, community_ids=None, zone=tsettings.timezone, per_community=False)
    assert figures.median_ack_minutes == 20.0  # 10 and 30 minutes
    assert figures.median_resolve_minutes == 30.0
    assert figures.overdue_open >= 1 and late_id is not None
    assert sum(n for _, n in figures.trend) == 3 and len(figures.trend) == reports.TREND_DAYS
    assert sum(n for _, n in figures.load) == 2  # two still open


def test_a_day_without_tickets_is_a_zero_report_for_each_community(
    db: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    with Session(db) as session:
        other = Community(name="和平社区")
        session.add(other)
        session.commit()
        report = reports.daily(session=session, community_ids=None, day=clock.now().date(), zone=tsettings.timezone)
        assert report.zero and [line.community for line in report.lines] == ["幸福社区", "和平社区"]
        assert "零报告" in reports.as_csv(report)
        _ticket(session, tsettings, "antigen", other.id)
        session.commit()
        busy = reports.daily(session=session, community_ids=None, day=clock.now().date(), zone=tsettings.timezone)
    assert not busy.zero and busy.lines[1].created == 1 and busy.lines[1].by_type == {"抗原": 1}
    assert busy.lines[0].zero


def test_postgres_computes_the_same_figures(postgres_url: str, tsettings: Settings, clock: FrozenClock) -> None:
    from core.db import create_db_engine
    from residents import service as resident_service

    engine = create_db_engine(postgres_url)
    try:
        with Session(engine) as session:
            resident_service.default_community(session=session, settings=tsettings)
            first, second = _ticket(session, tsettings, "antigen"), _ticket(session, tsettings, "medicine")
            session.commit()
            clock.advance(minutes=10)
            ticket_service.add_note(session=session, ticket=first, actor="wangwei", note="已联系")
            clock.advance(minutes=20)
            ticket_service.add_note(session=session, ticket=second, actor="wangwei", note="已联系")
            session.commit()
            figures = reports.dashboard(
                session=session, community_ids=None, zone=tsettings.timezone, per_community=True
            )
            report = reports.daily(session=session, community_ids=None, day=clock.now().date(), zone=tsettings.timezone)
        assert figures.median_ack_minutes == 20.0 and figures.median_resolve_minutes is None
        assert sum(n for _, n in figures.trend) == 2 and figures.load == [("幸福社区", 2)]
        assert report.lines[0].created == 2
    finally:
        engine.dispose()
