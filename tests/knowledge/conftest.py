"""Fixtures for the knowledge base: the raw shipped content, a migrated but empty database, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core.db import create_db_engine
from knowledge.base import KnowledgeBase
from knowledge.loader import CONTENT_DIR
from tests.conftest import make_token


def raw_content() -> list[dict[str, Any]]:
    """The shipped entries read straight from the YAML files, independent of the loader."""
    entries: list[dict[str, Any]] = []
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        entries += yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
    return entries


@pytest.fixture
def content() -> list[dict[str, Any]]:
    return raw_content()


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    """A migrated database the app never started on: no built-in content yet."""
    engine = create_db_engine(empty_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def knowledge(client: TestClient) -> KnowledgeBase:
    return client.app.state.knowledge  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def staff_headers(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(engine, 'staff1', 'staff')}"}


@pytest.fixture
def member_headers(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(engine, 'member1', 'member')}"}


def entry_payload(**overrides: Any) -> dict[str, Any]:
    """A valid new entry for the staff API; override what a test is about."""
    payload: dict[str, Any] = {
        "question": "社区团购的菜什么时候送到？",
        "answer": "社区团购的菜每天下午送到楼下，找楼栋长领取。",
        "variants": ["团购的菜几点到", "买的菜啥时候送"],
        "category": "生活服务",
        "source": "测试依据",
    }
    payload.update(overrides)
    return payload


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
