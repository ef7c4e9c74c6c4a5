"""Faults on real servers: the database away, Redis down, a crash mid-message, two instances with Redis."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.models import InboundMessage
from core.settings import Settings
from core.timeutil import utcnow
from hotline.app import create_app
from tests.api.wechat_helpers import post, reply_fields, text_xml
from tests.conftest import OFFICE_PHONE
from tests.fakes.wechat_api import FakeWeChat
from tests.load.conftest import set_database_reachable
from tickets.models import OutboxMessage, Ticket

CUSTOM = "/cgi-bin/message/custom/send"


def test_with_the_database_away_residents_get_the_office_phone_and_are_answered_when_it_is_back(
    pg_settings: Settings,
) -> None:
    app = create_app(pg_settings)
    with TestClient(app) as client:
        assert "单号" not in reply_fields(post(client, text_xml("oDown", "帮助")))["Content"]
        set_database_reachable(pg_settings.database_url, False)
        try:
            during = post(client, text_xml("oDown", "社区有抗原发吗", msg_id=880001))
            assert during.status_code == 200
            assert OFFICE_PHONE in reply_fields(during)["Content"]  # valid XML: an apology with the phone
            assert post(client, text_xml("oOther", "帮助")).status_code == 200
            assert client.get("/healthz").status_code == 503
            backlog = app.state.backlog
            assert backlog.run_once() == 0  # still away: kept, nothing lost, nothing raised
            assert len(app.state.pipeline.spool) == 2
        finally:
            set_database_reachable(pg_settings.database_url, True)
        sent: list[tuple[str, str]] = []
        app.state.pipeline.late_sink = lambda openid, text: sent.append((openid, text))
        assert app.state.backlog.run_once() == 2  # no restart: the pool reconnects
        assert sorted(openid for openid, _ in sent) == ["oDown", "oOther"]
        assert len(app.state.pipeline.spool) == 0
        assert reply_fields(post(client, text_xml("oDown", "帮助")))["Content"]
        with Session(app.state.engine) as session:
            kept = session.exec(select(InboundMessage).where(InboundMessage.dedup_key == "m:oDown:880001")).one()
        assert kept.status == "handled" and kept.content == "社区有抗原发吗"


def test_with_redis_down_messages_are_answered_and_late_replies_still_go_out(
    settings: Settings, fake: FakeWeChat
) -> None:
    """The degraded mode: rate limits and in-flight keys per process, the token in the database."""
    settings = settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/0", "wechat_api_base": fake.base_url, "rate_limit_per_minute": 3}
    )
    app = create_app(settings)
    with TestClient(app) as client:
        answers = [post(client, text_xml("oNoRedis", f"你好{i}")) for i in range(5)]
        assert [answer.status_code for answer in answers] == [200] * 5
        assert "太快" in reply_fields(answers[3])["Content"] and answers[4].text == "success"
        app.state.pipeline.late_sink("oNoRedis", "迟到的回复")
        app.state.ticket_worker.run_once()
        assert [r.json["touser"] for r in fake.sent(CUSTOM)] == ["oNoRedis"]


def test_a_crash_between_storing_and_answering_is_answered_late_once_by_one_of_two_instances(
    pg_settings: Settings, redis_url: str, redis_prefix: str
) -> None:
    settings = pg_settings.model_copy(update={"redis_url": redis_url, "redis_prefix": redis_prefix})
    first_app, second_app = create_app(settings), create_app(settings)
    with TestClient(first_app), TestClient(second_app):
        with Session(first_app.state.engine) as session:  # what a killed instance leaves: stored, not answered
            session.add(
                InboundMessage(
                    dedup_key="m:oCrashed:4711",
                    openid="oCrashed",
                    kind="text",
                    content="帮助",
                    received_at=utcnow() - timedelta(minutes=2),
                )
            )
            session.commit()
        barrier = threading.Barrier(2)

        def recover(app: object) -> int:
            barrier.wait()
            return int(app.state.backlog.run_once())  # type: ignore[attr-defined]

        with ThreadPoolExecutor(2) as pool:
            counts = list(pool.map(recover, (first_app, second_app)))
        assert sorted(counts) == [0, 1]
        with Session(first_app.state.engine) as session:
            late = session.exec(select(OutboxMessage).where(OutboxMessage.target == "oCrashed")).all()
            row = session.exec(select(InboundMessage).where(InboundMessage.openid == "oCrashed")).one()
        assert len(late) == 1 and OFFICE_PHONE in late[0].payload["text"] and row.status == "handled"


def test_two_instances_with_redis_one_reply_and_one_ticket_for_retries_and_a_shared_rate_limit(
    pg_settings: Settings, redis_url: str, redis_prefix: str
) -> None:
    settings = pg_settings.model_copy(
        update={"redis_url": redis_url, "redis_prefix": redis_prefix, "rate_limit_per_minute": 13}
    )
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        instances, openid = [first, second], "oTwoRedis"
        for i, said in enumerate(("社区有抗原发吗", "1", "同意", "3", "2", "1", "8栋1单元302", "王阿姨 13812345678")):
            reply = reply_fields(post(instances[i % 2], text_xml(openid, said)))["Content"]
        assert "请确认" in reply
        confirm = text_xml(openid, "1", msg_id=990011)
        with ThreadPoolExecutor(4) as pool:  # WeChat's retries, spread over both instances
            answers = list(pool.map(lambda i: post(instances[i % 2], confirm), range(4)))
        contents = {reply_fields(answer)["Content"] for answer in answers if answer.text != "success"}
        assert len(contents) == 1 and "单号" in contents.pop()
        with Session(first.app.state.engine) as session:  # type: ignore[attr-defined]
            assert len(session.exec(select(Ticket).where(Ticket.openid == openid)).all()) == 1
        # 9 messages so far, counted once each across both instances: 4 more are allowed, then one notice.
        more = [post(instances[i % 2], text_xml(openid, f"谢谢{i}")) for i in range(6)]
        assert all(answer.text != "success" for answer in more[:4])
        assert "太快" in reply_fields(more[4])["Content"] and more[5].text == "success"
