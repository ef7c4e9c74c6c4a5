"""Where a message's milliseconds go inside the pipeline: CPU per message, the statements it runs, a profile.

Runs ``Pipeline.process`` in this process (no HTTP) over the load mix of ``bench/load.py`` (new
messages from 5,000 residents), on a throwaway SQLite database or, with ``--database-url``, on a
PostgreSQL database this script creates and drops:

    .venv/bin/python bench/profile_turn.py                       # CPU ms per message, wall median and p99
    .venv/bin/python bench/profile_turn.py --count               # statements and round trips per message
    .venv/bin/python bench/profile_turn.py --profile             # cProfile, top functions by cumulative time
    .venv/bin/python bench/profile_turn.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

To compare with an older commit, check it out beside this one (``git worktree add /tmp/old <commit>``)
and run this script with ``PROFILE_CODE_ROOT=/tmp/old``: the older code is imported instead.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# The code measured: this checkout, or another one named by PROFILE_CODE_ROOT (an older commit).
ROOT = Path(os.environ.get("PROFILE_CODE_ROOT") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.load import Mix  # noqa: E402
from bot.messages import Inbound, InboundKind  # noqa: E402
from core.settings import load_settings  # noqa: E402
from hotline.app import prepare  # noqa: E402

WARM_UP = 300


def _database(url: str | None, tmp: str) -> str:
    if not url:
        return f"sqlite:///{tmp}/hotline.db"
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS hotline_profile_turn")
        connection.execute("CREATE DATABASE hotline_profile_turn")
    return url.rsplit("/", 1)[0] + "/hotline_profile_turn"


def _counter(engine: object) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def statement(_conn: object, _cursor: object, text: str, *_args: object) -> None:
        counts[" ".join(text.split())[:110]] += 1

    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, lambda _conn, name=name: counts.update([name.upper()]))
    event.listen(engine.pool, "checkout", lambda *_args: counts.update(["(connection checkout)"]))  # type: ignore[attr-defined]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url", help="a PostgreSQL server to create a throwaway database on")
    parser.add_argument("--count", action="store_true", help="count statements per message")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured messages")
    args = parser.parse_args()
    mix = Mix(5000)
    messages = [(mix.openid(), mix.text()) for _ in range(args.messages + WARM_UP)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp), database_url=_database(args.database_url, tmp), worker_enabled=False
        )
        _, pipeline = prepare(settings)

        def send(n: int, openid: str, text: str) -> None:
            pipeline.process(Inbound(openid, InboundKind.TEXT, datetime.now(UTC), msg_id=f"p{n}", text=text))

        for n, (openid, text) in enumerate(messages[:WARM_UP]):
            send(n, openid, text)
        counts = _counter(pipeline.engine) if args.count else None
        profile = cProfile.Profile() if args.profile else None
        latencies = []
        cpu = time.process_time()
        if profile:
            profile.enable()
        for n, (openid, text) in enumerate(messages[WARM_UP:], start=WARM_UP):
            began = time.perf_counter()
            send(n, openid, text)
            latencies.append(time.perf_counter() - began)
        if profile:
            profile.disable()
        cpu = time.process_time() - cpu
        pipeline.engine.dispose()
    total = len(latencies)
    print(
        f"{total} messages: CPU {1000 * cpu / total:.2f} ms per message; wall median "
        f"{1000 * statistics.median(latencies):.2f} ms, p99 {1000 * sorted(latencies)[int(0.99 * total)]:.1f} ms"
    )
    if counts is not None:
        statements = sum(n for key, n in counts.items() if not key.isupper() and not key.startswith("("))
        everything = sum(counts.values()) / total
        print(f"statements per message {statements / total:.2f}; with BEGIN/COMMIT and checkouts {everything:.2f}")
        for key, n in counts.most_common(20):
            print(f"{n / total:7.3f}  {key}")
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
