"""Fixtures for the load and fault tests: a fake WeChat, real PostgreSQL and Redis, each test its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from core.settings import Settings
from tests.fakes.wechat_api import FakeWeChat


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat() as running:
        yield running


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("HOTLINE_TEST_REDIS_URL")
    if not url:
        pytest.skip("HOTLINE_TEST_REDIS_URL is not set: Redis test skipped")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own (others share the Redis database), its keys deleted afterwards."""
    import redis

    prefix = f"hotline-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def pg_settings(settings: Settings, empty_postgres_url: str, fake: FakeWeChat) -> Settings:
    return settings.model_copy(update={"database_url": empty_postgres_url, "wechat_api_base": fake.base_url})


def set_database_reachable(url: str, reachable: bool) -> None:
    """Take this test's own database away (connections refused, open ones cut) or give it back."""
    base, name = url.rsplit("/", 1)
    admin = create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if reachable else "false"}'))
        if not reachable:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
    admin.dispose()
