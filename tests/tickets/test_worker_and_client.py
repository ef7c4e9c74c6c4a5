"""The background worker in the app's lifespan, and the WeChat client's shared token."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from channels.wechat.client import (
    DatabaseTokenStore,
    WeChatClient,
    WeChatError,
    WeChatUnavailable,
    WeComRobot,
)
from core.settings import Settings
from hotline.app import create_app, wechat_transport
from tests.conftest import FrozenClock
from tests.fakes.wechat_api import FakeWeChat
from tickets import service as ticket_service
from tickets.models import OutboxMessage, OutboxStatus, Ticket
from tickets.worker import TicketWorker


def test_the_worker_escalates_and_delivers_and_stops_cleanly(
    grid_map: Engine, tsettings: Settings, fake: FakeWeChat, clock: FrozenClock
) -> None:
    with Session(grid_map) as session:
        ticket_service.create(
            session=session, type="antigen", openid="oResident", details={"address": "9栋"}, settings=tsettings
        )
        session.commit()
    worker = TicketWorker(engine=grid_map, settings=tsettings, transport=lambda: wechat_transport(tsettings, grid_map))
    clock.advance(hours=5)
    worker.run_once()
    with Session(grid_map) as session:
        assert session.exec(select(Ticket)).one().overdue
        statuses = {m.status for m in session.exec(select(OutboxMessage))}
    assert statuses == {OutboxStatus.SENT}
    assert any("超时" in r.json["data"]["first"]["value"] for r in fake.sent("/cgi-bin/message/template/send"))
    fast = TicketWorker(
        engine=grid_map,
        settings=tsettings.model_copy(update={"worker_interval_seconds": 0.01}),
        transport=lambda: wechat_transport(tsettings, grid_map),
    )
    fast.start()
    assert fast.running
    fast.stop()
    assert not fast.running


def test_the_app_starts_the_worker_and_wires_late_replies(tsettings: Settings, fake: FakeWeChat) -> None:
    settings = tsettings.model_copy(update={"worker_enabled": True, "worker_interval_seconds": 0.05})
    app = create_app(settings)
    with TestClient(app):
        worker = app.state.ticket_worker
        assert worker.running
        app.state.pipeline.late_sink("oLate", "这是迟到的回复")
        done = threading.Event()
        for _ in range(100):  # the worker runs every 50 ms; wait for it, not for a fixed time
            if fake.sent("/cgi-bin/message/custom/send"):
                done.set()
                break
            done.wait(0.05)
        assert done.is_set()
    assert not worker.running
    sent = fake.sent("/cgi-bin/message/custom/send")[0].json
    assert sent == {"touser": "oLate", "msgtype": "text", "text": {"content": "这是迟到的回复"}}


def test_instances_share_one_token_and_never_invalidate_each_other(
    db: Engine, tsettings: Settings, fake: FakeWeChat
) -> None:
    a = WeChatClient(tsettings, DatabaseTokenStore(db, tsettings.wechat_appid))
    b = WeChatClient(tsettings, DatabaseTokenStore(db, tsettings.wechat_appid))
    a.send_custom_text("o1", "你好")
    b.send_template("o2", "TPL", {"first": "x"}, url="https://example.org/t/1")
    assert a.access_token() == b.access_token()
    assert len(fake.calls("/cgi-bin/stable_token")) == 1 and not fake.calls("/cgi-bin/token")
    a.create_menu({"button": [{"type": "click", "name": "帮助", "key": "HELP"}]})
    assert fake.sent("/cgi-bin/menu/create")[0].json["button"][0]["name"] == "帮助"
    assert fake.sent("/cgi-bin/message/template/send")[0].json["url"] == "https://example.org/t/1"


def test_error_codes_surface_as_typed_errors(db: Engine, tsettings: Settings, fake: FakeWeChat) -> None:
    client = WeChatClient(tsettings, DatabaseTokenStore(db, tsettings.wechat_appid))
    fake.fail_next("/cgi-bin/message/custom/send", 45009)
    with pytest.raises(WeChatError) as quota:
        client.send_custom_text("o1", "你好")
    assert quota.value.errcode == 45009
    fake.go_down(status=502)
    with pytest.raises(WeChatUnavailable):
        client.send_custom_text("o1", "你好")
    fake.come_up()
    wrong = WeChatClient(tsettings.model_copy(update={"wechat_secret": "nope"}), DatabaseTokenStore(db, "wx-other"))
    with pytest.raises(WeChatError) as secret:
        wrong.send_custom_text("o1", "你好")
    assert secret.value.errcode == 40125
    robot = WeComRobot(httpx.Client())
    robot.send_text(fake.webhook_url, "测试")
    assert fake.sent("/cgi-bin/webhook/send")[0].json["text"]["content"] == "测试"
