"""The outbox against the local fake WeChat API: outages, token refresh, window fallbacks, back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from channels.wechat.delivery import Transport
from core.settings import Settings
from tests.conftest import FrozenClock
from tests.fakes.wechat_api import FakeWeChat
from tests.tickets.conftest import resident_said_recently
from tickets import outbox
from tickets import service as ticket_service
from tickets.models import OutboxKind, OutboxMessage, OutboxStatus, Ticket, TicketStatus

CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"
ROBOT = "/cgi-bin/webhook/send"


def _deliver(engine: Engine, transport: Transport, worker: str = "w1") -> outbox.Outcome:
    return outbox.deliver_due(engine=engine, deliver=transport, worker=worker, max_backoff_seconds=600)


def _messages(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def _ticket_and_status_change(engine: Engine, settings: Settings, openid: str = "oResident") -> Ticket:
    with Session(engine, expire_on_commit=False) as session:
        ticket = ticket_service.create(
            session=session, type="medicine", openid=openid, details={"address": "8栋"}, settings=settings
        )
        ticket_service.transition(
            session=session,
            ticket=ticket,
            to_status=TicketStatus.IN_PROGRESS,
            actor="wangwei",
            note="王伟正在联系药店",
            settings=settings,
        )
        session.commit()
        return ticket


def test_an_hour_long_outage_loses_nothing_and_everything_goes_out_after(
    grid_map: Engine, tsettings: Settings, transport: Transport, fake: FakeWeChat, clock: FrozenClock
) -> None:
    resident_said_recently(grid_map, "oResident", at=clock.now())
    fake.go_down()  # connection refused
    for n in range(3):
        _ticket_and_status_change(grid_map, tsettings, openid=f"oResident{n}" if n else "oResident")
    queued = _messages(grid_map)
    assert len(queued) >= 7  # per ticket: template + robot to the member (+ the resident's status message)
    for _ in range(60):  # an hour of a worker running every minute
        _deliver(grid_map, transport)
        clock.advance(minutes=1)
    rows = _messages(grid_map)
    assert all(m.status == OutboxStatus.PENDING for m in rows) and len(rows) == len(queued)
    assert max(m.next_attempt_at - clock.now() for m in rows) <= timedelta(minutes=10)  # back-off is capped
    assert all("unavailable" in (m.last_error or "") for m in rows)

    fake.come_up()
    clock.advance(minutes=10)
    outcome = _deliver(grid_map, transport)
    assert outcome.sent == len(rows) and outcome.retried == 0
    assert {m.status for m in _messages(grid_map)} == {OutboxStatus.SENT}
    # oResident wrote just now (customer-service message); the two others never did (template message).
    assert len(fake.sent(CUSTOM)) == 1 and len(fake.sent(TEMPLATE)) == 3 + 2 and len(fake.sent(ROBOT)) == 3
    custom = fake.sent(CUSTOM)[0].json
    assert custom["touser"] == "oResident" and "处理中" in custom["text"]["content"]
    assert "王伟正在联系药店" in custom["text"]["content"]


def test_5xx_answers_are_retried_with_growing_back_off(
    grid_map: Engine, tsettings: Settings, transport: Transport, fake: FakeWeChat, clock: FrozenClock
) -> None:
    _ticket_and_status_change(grid_map, tsettings)
    fake.go_down(status=503)
    _deliver(grid_map, transport)
    first = _messages(grid_map)[0]
    assert first.attempts == 1 and first.next_attempt_at == clock.now() + timedelta(seconds=5)
    assert outbox.backoff(2, 600) == timedelta(seconds=10) and outbox.backoff(20, 600) == timedelta(minutes=10)
    assert _deliver(grid_map, transport).sent == 0  # not due yet: nothing claimed
    fake.come_up()
    clock.advance(seconds=5)
    assert _deliver(grid_map, transport).sent == len(_messages(grid_map))


def test_a_rejected_token_is_refreshed_once_and_the_message_sent(
    grid_map: Engine, tsettings: Settings, transport: Transport, fake: FakeWeChat, clock: FrozenClock
) -> None:
    _ticket_and_status_change(grid_map, tsettings)
    assert _deliver(grid_map, transport).sent == len(_messages(grid_map))
    fake.invalidate_tokens()  # someone called /cgi-bin/token elsewhere: our cached token now answers 40001
    with Session(grid_map) as session:
        ticket = session.exec(select(Ticket)).one()
        ticket_service.add_note(session=session, ticket=ticket, actor="wangwei", note="已电话联系")
        ticket_service.transition(
            session=session, ticket=ticket, to_status=TicketStatus.RESOLVED, actor="wangwei", settings=tsettings
        )
        session.commit()
    resident_said_recently(grid_map, "oResident", at=clock.now())
    with Session(grid_map) as session:
        ticket = session.exec(select(Ticket)).one()
        ticket_service.reply_to_resident(
            session=session, ticket=ticket, actor="wangwei", text="药已送到门口", settings=tsettings
        )
        session.commit()
    outcome = _deliver(grid_map, transport)
    assert outcome.sent >= 1 and outcome.retried == 0
    rejected = [r for r in fake.requests if r.errcode == 40001]
    assert len(rejected) == 1  # the first call after invalidation; the retry went through
    assert len(fake.calls("/cgi-bin/stable_token")) == 2  # one at start, one refresh: shared, not per message
    fake.fail_next(CUSTOM, 40001, times=2)  # refused twice: refresh once only, then back to the outbox
    with Session(grid_map) as session:
        ticket = session.exec(select(Ticket)).one()
        ticket_service.reply_to_resident(
            session=session, ticket=ticket, actor="wangwei", text="请查收", settings=tsettings
        )
        session.commit()
    assert _deliver(grid_map, transport).retried == 1


def test_outside_the_window_or_over_the_limit_the_resident_gets_a_template_message(
    grid_map: Engine, tsettings: Settings, transport: Transport, fake: FakeWeChat, clock: FrozenClock
) -> None:
    resident_said_recently(grid_map, "oResident", at=clock.now() - timedelta(hours=49))
    ticket = _ticket_and_status_change(grid_map, tsettings)
    resident_message = [m for m in _messages(grid_map) if m.target == "oResident"]
    assert [m.kind for m in resident_message] == [OutboxKind.WECHAT_TEMPLATE]  # 48 h window closed: template

    resident_said_recently(grid_map, "oResident", at=clock.now())
    fake.fail_next(CUSTOM, 45015)
    fake.fail_next(CUSTOM, 45047)
    with Session(grid_map) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        ticket_service.reply_to_resident(
            session=session, ticket=stored, actor="wangwei", text="第一条", settings=tsettings
        )
        ticket_service.reply_to_resident(
            session=session, ticket=stored, actor="wangwei", text="第二条", settings=tsettings
        )
        session.commit()
    outcome = _deliver(grid_map, transport)
    assert outcome.fallen_back == 2
    assert _deliver(grid_map, transport).sent == 2  # the two template fallbacks
    statuses = [m.status for m in _messages(grid_map) if m.kind == OutboxKind.WECHAT_CUSTOM]
    assert statuses == [OutboxStatus.FALLBACK, OutboxStatus.FALLBACK]
    remarks = [r.json["data"]["remark"]["value"] for r in fake.sent(TEMPLATE) if r.json["touser"] == "oResident"]
    assert any("第一条" in text for text in remarks) and any("第二条" in text for text in remarks)


def test_the_window_allows_only_the_configured_number_of_messages(
    grid_map: Engine, tsettings: Settings, clock: FrozenClock
) -> None:
    limited = tsettings.model_copy(update={"cs_window_limit": 2})
    resident_said_recently(grid_map, "oResident", at=clock.now())
    ticket = _ticket_and_status_change(grid_map, limited)  # custom message 1
    with Session(grid_map) as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None
        for text in ("二", "三"):
            ticket_service.reply_to_resident(
                session=session, ticket=stored, actor="wangwei", text=text, settings=limited
            )
        session.commit()
    kinds = [m.kind for m in _messages(grid_map) if m.target == "oResident"]
    assert kinds == [OutboxKind.WECHAT_CUSTOM, OutboxKind.WECHAT_CUSTOM, OutboxKind.WECHAT_TEMPLATE]


def test_permanent_errors_are_kept_as_failed_and_a_lease_is_not_taken_twice(
    grid_map: Engine, tsettings: Settings, transport: Transport, fake: FakeWeChat, clock: FrozenClock
) -> None:
    _ticket_and_status_change(grid_map, tsettings)
    first = outbox.claim(engine=grid_map, worker="w1")
    assert first and outbox.claim(engine=grid_map, worker="w2") == []  # leased: the other worker skips them
    clock.advance(seconds=outbox.LEASE_SECONDS + 1)  # w1 died: its lease runs out and w2 takes over
    assert len(outbox.claim(engine=grid_map, worker="w2")) == len(first)
    clock.advance(seconds=outbox.LEASE_SECONDS + 1)
    fake.fail_next(TEMPLATE, 43004)
    outcome = _deliver(grid_map, transport)
    assert outcome.failed == 1 and outcome.sent == len(first) - 1
    failed = [m for m in _messages(grid_map) if m.status == OutboxStatus.FAILED]
    assert len(failed) == 1 and "43004" in (failed[0].last_error or "")


def test_enqueue_with_the_same_key_stores_one_message(grid_map: Engine) -> None:
    with Session(grid_map) as session:
        one = outbox.enqueue(
            session=session, kind=OutboxKind.WECHAT_CUSTOM, target="oX", payload={"text": "a"}, dedup_key="k1"
        )
        two = outbox.enqueue(
            session=session, kind=OutboxKind.WECHAT_CUSTOM, target="oX", payload={"text": "a"}, dedup_key="k1"
        )
        session.commit()
        assert one.id == two.id


@pytest.mark.parametrize("errcode", [42001, 40014])
def test_an_expired_or_invalid_token_is_refreshed_once_then_left_to_the_outbox(
    grid_map: Engine, tsettings: Settings, transport: Transport, fake: FakeWeChat, clock: FrozenClock, errcode: int
) -> None:
    _ticket_and_status_change(grid_map, tsettings)
    queued = len(_messages(grid_map))
    fake.fail_next(TEMPLATE, errcode)
    outcome = _deliver(grid_map, transport)
    assert outcome.sent == queued and outcome.retried == 0
    template_calls = [r.errcode for r in fake.calls(TEMPLATE)]
    assert template_calls.count(errcode) == 1 and template_calls.count(0) == len(fake.sent(TEMPLATE))
    tokens = {r.query["access_token"] for r in fake.calls(TEMPLATE)}
    assert len(tokens) == 2  # the rejected token and the refreshed one

    _ticket_and_status_change(grid_map, tsettings, openid="oResidentB")
    fake.fail_next(TEMPLATE, errcode, times=2)  # refused again after the refresh: no loop, back to the outbox
    before = len(fake.calls(TEMPLATE))
    outcome = _deliver(grid_map, transport)
    assert outcome.retried == 1
    assert [r.errcode for r in fake.calls(TEMPLATE)[before:]].count(errcode) == 2
