"""The service as `hotline serve` starts it, on a throwaway SQLite database, for the benchmarks."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.pipeline import Pipeline
from core.settings import load_settings
from hotline.app import prepare


@contextmanager
def running_pipeline(region: str = "") -> Iterator[Pipeline]:
    """Migrated, the built-in content loaded, the index built; the database is gone afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/hotline.db",
            region=region,
            worker_enabled=False,
            simulator_enabled=True,
        )
        _, pipeline = prepare(settings)
        try:
            yield pipeline
        finally:
            pipeline.engine.dispose()
