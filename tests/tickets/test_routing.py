"""Routing: building → grid → member; the on-duty roster for unknown buildings, nights and absences."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.settings import Settings
from residents.models import Building, Community, User
from tests.conftest import FrozenClock
from tests.tickets.conftest import add_user
from tickets import duty
from tickets import service as ticket_service
from tickets.grids import import_csv
from tickets.models import Priority, Source, TicketStatus
from tickets.priority import assess


def _create(
    engine: Engine, settings: Settings, details: dict[str, object], type: str = "medicine", openid: str | None = None
) -> ticket_service.Ticket:  # type: ignore[name-defined]
    with Session(engine, expire_on_commit=False) as session:
        ticket = ticket_service.create(
            session=session, type=type, openid=openid, details=details, source=Source.WECHAT, settings=settings
        )
        session.commit()
        return ticket


def _on_duty(engine: Engine, username: str, clock: FrozenClock, hours: float = 12) -> None:
    with Session(engine) as session:
        community = session.exec(select(Community)).first()
        assert community is not None and community.id is not None
        duty.set_shift(
            session=session,
            username=username,
            starts_at=clock.now() - timedelta(hours=1),
            ends_at=clock.now() + timedelta(hours=hours),
            community_id=community.id,
        )
        session.commit()


def test_a_request_goes_to_the_member_of_the_buildings_grid(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    ticket = _create(grid_map, tsettings, {"address": "8栋1单元302"})
    assert (ticket.building, ticket.grid, ticket.assignee) == ("8栋", "第一网格", "wangwei")
    assert ticket.status == TicketStatus.ASSIGNED and ticket.backup == "boss"  # nobody on duty: the admin
    assert _create(grid_map, tsettings, {"building": "3号楼"}, type="antigen").assignee == "lina"
    with Session(grid_map) as session:
        actions = [e.action for e in ticket_service.timeline(session=session, ticket_id=ticket.id or 0)]
        assert actions == ["created", "assigned"]
        who = ticket_service.responsible(session=session, ticket=ticket)
        assert who is not None and who.phrase == "8栋网格员王伟"


def test_the_on_duty_member_covers_unknown_buildings_absences_and_nights(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    unrouted = _create(grid_map, tsettings, {"address": "99栋1单元1"})
    # No member and nobody on duty: the admin holds it until someone can take it (issue #15).
    assert unrouted.assignee == "boss" and unrouted.status == TicketStatus.ASSIGNED

    _on_duty(grid_map, "zhaoduty", clock, hours=24)
    unknown = _create(grid_map, tsettings, {"address": "99栋1单元1"}, type="antigen")
    assert unknown.assignee == "zhaoduty" and unknown.backup == "boss"
    with Session(grid_map) as session:
        who = ticket_service.responsible(session=session, ticket=unknown)
        assert who is not None and who.phrase == "社区值班人员赵值班"

    daytime = _create(grid_map, tsettings, {"address": "8栋"}, type="referral")
    assert daytime.assignee == "wangwei" and daytime.backup == "zhaoduty"

    with Session(grid_map) as session:  # 王伟 is away: his account is switched off
        wang = session.exec(select(User).where(User.username == "wangwei")).one()
        wang.active = False
        session.add(wang)
        session.commit()
    absent = _create(grid_map, tsettings, {"address": "9栋"}, type="complaint")
    assert absent.assignee == "zhaoduty"


def test_at_night_the_on_duty_member_takes_what_the_grid_member_would(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    clock.advance(hours=6)  # 09:00 UTC is 17:00 in Beijing; 6 h later it is 23:00
    night = _create(grid_map, tsettings, {"address": "8栋"})
    assert night.assignee == "wangwei"  # no one on duty: the member still gets it, nothing is lost
    _on_duty(grid_map, "zhaoduty", clock)
    covered = _create(grid_map, tsettings, {"address": "8栋"}, type="antigen")
    assert covered.assignee == "zhaoduty" and covered.backup == "boss"


def test_urgent_requests_go_to_the_on_duty_member_with_the_grid_member_as_backup(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    _on_duty(grid_map, "zhaoduty", clock)
    urgent = _create(grid_map, tsettings, {"address": "8栋", "symptoms": "呼吸困难"}, type="emergency")
    assert urgent.priority == Priority.URGENT
    assert (urgent.assignee, urgent.backup) == ("zhaoduty", "wangwei")
    assert urgent.ack_due_at == clock.now() + timedelta(minutes=10)


def test_the_residents_building_decides_the_community(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    add_user(grid_map, "sunli", display_name="孙丽")
    with Session(grid_map) as session:
        import_csv(
            session=session, text="grid,building,member,community\n东区,12栋,sunli,和平社区\n", settings=tsettings
        )
        session.commit()
        peace = session.exec(select(Community).where(Community.name == "和平社区")).one()
    ticket = _create(grid_map, tsettings, {"address": "12栋2单元"}, openid="oPeace")
    assert (ticket.community_id, ticket.assignee) == (peace.id, "sunli")
    assert ticket.backup is None or ticket.backup == "boss"  # a street-wide admin backs every community


def test_priority_rises_for_key_groups_and_emergencies() -> None:
    assert assess(type="emergency", details={}) == Priority.URGENT
    assert assess(type="referral", details={"spo2": 90}) == Priority.URGENT
    assert assess(type="referral", details={"conditions": ["嘴唇发紫"]}) == Priority.URGENT
    assert assess(type="medicine", details={"age": "72岁", "lives_alone": True}) == Priority.HIGH
    assert assess(type="medicine", details={"age": 72}) == Priority.NORMAL
    assert assess(type="medicine", details={"age": 40, "lives_alone": True}) == Priority.NORMAL
    assert assess(type="referral", details={"conditions": ["孕妇"]}) == Priority.HIGH
    assert assess(type="referral", details={"conditions": ["透析"]}) == Priority.HIGH
    assert assess(type="medicine", details={"infant": True}) == Priority.HIGH
    assert assess(type="medicine", details={"chronic": True}) == Priority.HIGH
    assert assess(type="antigen", details={"quantity": 2}) == Priority.NORMAL


def test_a_given_priority_is_a_floor_and_the_deadline_follows_it(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    with Session(grid_map, expire_on_commit=False) as session:
        high = ticket_service.create(
            session=session,
            type="medicine",
            openid=None,
            details={"address": "8栋"},
            priority=Priority.HIGH,
            settings=tsettings,
        )
        elderly = ticket_service.create(
            session=session,
            type="antigen",
            openid=None,
            details={"address": "8栋", "age": 80, "lives_alone": True},
            priority=Priority.NORMAL,
            settings=tsettings,
        )
        session.commit()
    assert high.priority == Priority.HIGH and high.ack_due_at == clock.now() + timedelta(hours=1)
    assert elderly.priority == Priority.HIGH


def test_buildings_are_stored_normalised(grid_map: Engine) -> None:
    with Session(grid_map) as session:
        assert sorted(b.name for b in session.exec(select(Building))) == ["3栋", "8栋", "9栋"]


def test_red_flag_words_not_happening_now_make_a_request_high_not_urgent() -> None:
    from tickets import priority

    said = {"message": "舅舅胸痛住院了，在外地治着，想请网格员看看他的房子"}
    assert priority.assess(type="consult", details=said) == "urgent"
    assert priority.assess(type="consult", details={**said, "red_flag_not_now": True}) == "high"
    assert priority.assess(type="emergency", details={**said, "red_flag_not_now": True}) == "urgent"
