"""Several instances on real servers: PostgreSQL with two engines, and the Redis token store/lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from channels.wechat.client import CachedToken, RedisTokenStore, WeChatClient
from core.db import create_db_engine
from core.settings import Settings
from core.timeutil import utcnow
from residents import service as resident_service
from tests.conftest import FrozenClock
from tests.fakes.wechat_api import FakeWeChat
from tickets import outbox, sla
from tickets import service as ticket_service
from tickets.models import OutboxKind, OutboxMessage, Ticket

THREADS = 4


def _race(work: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; re-raise the first failure."""
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _two_engines(url: str) -> tuple[Engine, Engine]:
    return create_db_engine(url), create_db_engine(url)


def test_concurrent_ticket_numbers_are_unique_and_consecutive(
    postgres_url: str, settings: Settings, clock: FrozenClock
) -> None:
    engines = _two_engines(postgres_url)
    with Session(engines[0]) as session:
        resident_service.default_community(session=session, settings=settings)
        session.commit()

    def create_five(i: int) -> list[str]:
        numbers = []
        for k in range(5):
            with Session(engines[i % 2]) as session:
                ticket = ticket_service.create(
                    session=session, type="consult", openid=f"o{i}-{k}", details={}, settings=settings
                )
                session.commit()
                numbers.append(ticket.number)
        return numbers

    numbers = sorted(n for batch in _race(create_five) for n in batch)
    assert numbers == [f"20260122-{k:04d}" for k in range(1, THREADS * 5 + 1)]
    for engine in engines:
        engine.dispose()


def test_two_instances_sweeping_at_once_escalate_each_ticket_once(
    postgres_url: str, settings: Settings, clock: FrozenClock
) -> None:
    engines = _two_engines(postgres_url)
    notify_settings = settings.model_copy(update={"wecom_webhook_url": "http://127.0.0.1:9/robot"})
    with Session(engines[0]) as session:
        resident_service.default_community(session=session, settings=settings)
        for k in range(12):
            ticket_service.create(
                session=session, type="medicine", openid=f"o{k}", details={}, settings=notify_settings
            )
        session.commit()
    clock.advance(hours=5)
    escalated = _race(lambda i: sla.sweep(engine=engines[i % 2], settings=notify_settings))
    ids = [ticket_id for batch in escalated for ticket_id in batch]
    assert len(ids) == 12 and len(set(ids)) == 12
    with Session(engines[0]) as session:
        assert all(t.overdue for t in session.exec(select(Ticket)))
        robot = session.exec(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.WECOM_ROBOT)).all()
        assert len([m for m in robot if ":escalated:" in m.dedup_key]) == 12
    for engine in engines:
        engine.dispose()


def test_two_instances_delivering_at_once_send_each_message_once(postgres_url: str, clock: FrozenClock) -> None:
    engines = _two_engines(postgres_url)
    with Session(engines[0]) as session:
        for k in range(30):
            outbox.enqueue(
                session=session,
                kind=OutboxKind.WECHAT_CUSTOM,
                target=f"o{k}",
                payload={"text": "hi"},
                dedup_key=f"pg-{k}",
            )
        session.commit()
    delivered: list[int] = []
    lock = threading.Lock()

    def deliver(message: OutboxMessage) -> None:
        with lock:
            delivered.append(message.id or 0)

    _race(lambda i: outbox.deliver_due(engine=engines[i % 2], deliver=deliver, worker=f"w{i}", limit=30))
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == 30
    for engine in engines:
        engine.dispose()


def test_redis_token_store_shares_the_token_and_lets_one_refresher_in(
    redis_url: str, settings: Settings, fake: FakeWeChat
) -> None:
    appid = f"wxtest{threading.get_ident()}{id(fake)}"
    store = RedisTokenStore(redis_url, appid, prefix="hotline-test")
    try:
        assert store.get() is None
        assert store.acquire("a") and not store.acquire("b")
        store.release("b")  # not the owner: the lock stays
        assert not store.acquire("b")
        store.release("a")
        assert store.acquire("b")
        store.release("b")
        token = CachedToken("tok", utcnow() + timedelta(hours=2))
        store.put(token)
        assert store.get() == token and 0 < store.redis.ttl(store.key) <= 7200
        store.redis.delete(store.key)

        configured = settings.model_copy(update={"wechat_api_base": fake.base_url, "redis_url": redis_url})
        clients = [
            WeChatClient(configured, RedisTokenStore(redis_url, appid, prefix="hotline-test")) for _ in range(THREADS)
        ]
        tokens = _race(lambda i: clients[i].access_token())
        assert len(set(tokens)) == 1 and len(fake.calls("/cgi-bin/stable_token")) == 1
    finally:
        store.redis.delete(store.key, store.lock_key)
