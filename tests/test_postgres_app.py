"""Several instances on one PostgreSQL database: a conversation moves between them, retries stay single."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.models import InboundMessage
from core.settings import Settings
from hotline.app import create_app
from tests.api.wechat_helpers import post, reply_fields, text_xml
from tickets.models import Ticket


@pytest.fixture
def postgres_settings(settings: Settings, empty_postgres_url: str) -> Settings:
    return settings.model_copy(update={"database_url": empty_postgres_url})


def test_two_instances_share_conversations_and_handle_each_message_once(postgres_settings: Settings) -> None:
    with TestClient(create_app(postgres_settings)) as first, TestClient(create_app(postgres_settings)) as second:
        openid = "oPostgres"
        instances = [first, second]
        # Each turn lands on another instance, as behind a load balancer.
        for i, said in enumerate(("社区有抗原发吗", "1", "同意", "3", "2", "1", "8栋1单元302", "王阿姨 13812345678")):
            reply = reply_fields(post(instances[i % 2], text_xml(openid, said)))["Content"]
        assert "请确认" in reply and "138****5678" in reply
        confirm = text_xml(openid, "1", msg_id=424242)
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda i: post(instances[i % 2], confirm), range(4)))
        contents = {reply_fields(answer)["Content"] for answer in answers}
        assert len(contents) == 1 and "单号" in contents.pop()
        engine = first.app.state.engine  # type: ignore[attr-defined]
        with Session(engine) as session:
            assert len(session.exec(select(Ticket).where(Ticket.openid == openid)).all()) == 1
            keys = session.exec(select(InboundMessage.dedup_key).where(InboundMessage.openid == openid)).all()
        assert len(keys) == 9 and len(set(keys)) == 9
        health = first.get("/healthz").json()
        assert health["status"] == "ok"
        assert int(health["checks"]["knowledge"].split()[0]) >= 60  # loaded once into PostgreSQL, served by both
        assert second.get("/healthz").json()["checks"]["knowledge"] == health["checks"]["knowledge"]
