"""Migrations: the schema of every package's tables, created or upgraded with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from core.db import create_db_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


def open_engine(url: str) -> Engine:
    """An engine on ``url`` whose schema is up to date: what every CLI command starts from."""
    engine = create_db_engine(url)
    migrate(engine)
    return engine
