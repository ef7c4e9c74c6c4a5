"""Messages that arrived while the database could not be reached, kept on local disk until it is back.

The resident is told at once (an apology with the office phone, a valid reply for WeChat); the message
is written here, one file each, and the backlog moves it into the database as ``queued`` as soon as
the database answers again, where it is handled like any queued message and answered late. Nothing
needs a restart. Files are written to a temporary name and renamed, so a crash never leaves half a
message; a message moved twice (a crash between the insert and the unlink) is one row, by its key.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from bot.messages import Inbound, InboundKind

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, inbound: Inbound) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = asdict(inbound) | {"kind": str(inbound.kind), "created_at": inbound.created_at.isoformat()}
        name = f"{inbound.created_at.timestamp():017.6f}-{uuid.uuid4().hex[:8]}"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.folder / f"{name}.json")

    def __len__(self) -> int:
        return len(list(self.folder.glob("*.json"))) if self.folder.is_dir() else 0

    def move(self, accept: Callable[[Inbound], object]) -> int:
        """Hand each kept message to ``accept`` (oldest first) and forget it; stops at the first failure."""
        if not self.folder.is_dir():
            return 0
        moved = 0
        for path in sorted(self.folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            data["sender"] = data.pop("openid", None) or data["sender"]  # kept before the field was renamed
            data["kind"] = InboundKind(data["kind"])
            data["created_at"] = datetime.fromisoformat(data["created_at"])
            accept(Inbound(**data))  # raises while the database is still away: the file stays
            path.unlink()
            moved += 1
        if moved:
            log.warning("moved %d messages kept during a database outage into the backlog", moved)
        return moved
