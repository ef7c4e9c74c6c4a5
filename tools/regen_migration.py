"""Regenerate the initial migration from the models (before the first release only).

Usage: .venv/bin/python tools/regen_migration.py
Holds a lock so that two engineers regenerating at once do not interleave.
"""

from __future__ import annotations

import fcntl
import tempfile
from pathlib import Path

from alembic import command

from hotline.db import MIGRATIONS, alembic_config, create_db_engine

VERSIONS = MIGRATIONS / "versions"


def main() -> None:
    with open(Path(tempfile.gettempdir()) / "hotline-regen.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for old in VERSIONS.glob("0001_*.py"):
            old.unlink()
        with tempfile.TemporaryDirectory() as scratch:
            engine = create_db_engine(f"sqlite:///{scratch}/empty.db")
            command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
            engine.dispose()


if __name__ == "__main__":
    main()
