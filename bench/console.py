"""Server time of every console page with 10,000 tickets and 1,000 FAQ entries, on SQLite and PostgreSQL.

Run from the repository root:
    .venv/bin/python bench/console.py [--rounds 30] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
(PostgreSQL also from HOTLINE_TEST_POSTGRES_URL; a throwaway database is created and dropped.)

The app runs in-process (Starlette's test client): the time is the service's own, from request to
the last byte, without a network. Each page is fetched once to warm up, then ``--rounds`` times;
median and p95 are printed against the targets (100 ms median, 250 ms p95).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings import load_settings
from core.timeutil import utcnow
from hotline.app import create_app
from knowledge.models import FaqEntry, FaqRevision, UnansweredQuestion
from residents import accounts
from residents.models import AuditEntry, Community
from tickets.models import Ticket, TicketEvent

TICKETS, ENTRIES, PASSWORD = 10_000, 1_000, "bench password"
TYPES = ("medicine", "antigen", "referral", "emergency", "consult", "complaint")
STATUSES = ("new", "assigned", "in_progress", "resolved", "closed", "cancelled")
MEDIAN_TARGET, P95_TARGET = 100.0, 250.0


def seed(engine_url: str, data_dir: Path) -> tuple[int, int]:
    """Start the app once (migrations, built-in content), then bulk-load tickets, entries, users."""
    settings = load_settings(data_dir=data_dir, database_url=engine_url, worker_enabled=False, secret_key="b" * 40)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        rng = random.Random(7)
        now = utcnow()
        with Session(engine) as session:
            community = session.exec(select(Community)).first()
            assert community is not None and community.id is not None
            for name, role in (("bench_admin", "admin"), ("bench_member", "member")):
                accounts.add_user(session=session, username=name, role=role, password=PASSWORD)
            session.commit()
            rows = []
            for n in range(TICKETS):
                created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
                status = rng.choice(STATUSES)
                rows.append(
                    {
                        "number": f"{created:%Y%m%d}-{n:05d}",
                        "community_id": community.id,
                        "type": rng.choice(TYPES),
                        "status": status,
                        "priority": rng.choice(("urgent", "high", "normal", "normal")),
                        "openid": f"oBench{n % 3000}",
                        "assignee": rng.choice(("bench_member", "someone", None)),
                        "grid": f"第{rng.randint(1, 8)}网格",
                        "building": f"{rng.randint(1, 40)}栋",
                        "details": {"phone": f"138{rng.randint(10000000, 99999999)}", "name": "居民"},
                        "source": "wechat",
                        "ack_due_at": created + timedelta(hours=4),
                        "acknowledged_at": created + timedelta(minutes=rng.randint(1, 300))
                        if status != "new"
                        else None,
                        "overdue": rng.random() < 0.1,
                        "merged_count": 0,
                        "created_at": created,
                        "updated_at": created,
                        "resolved_at": created + timedelta(hours=rng.randint(1, 48))
                        if status in ("resolved", "closed")
                        else None,
                    }
                )
            session.execute(insert(Ticket), rows)
            ids = [row for row in session.exec(select(Ticket.id))]
            events = [
                {"ticket_id": tid, "actor": "resident", "action": "created", "note": "", "at": now} for tid in ids
            ] + [
                {"ticket_id": tid, "actor": "bench_member", "action": "note", "note": "已电话联系", "at": now}
                for tid in ids
            ]
            session.execute(insert(TicketEvent), events)
            have = len(session.exec(select(FaqEntry.id)).all())
            entries = [
                {
                    "key": f"bench-{n}",
                    "question": f"第{n}号测试问题：社区第{n % 50}项服务怎么办理",
                    "answer": f"测试答案{n}：请带身份证到社区服务站办理第{n % 50}项服务。",
                    "variants": [f"第{n}项怎么办"],
                    "category": "测试",
                    "source": "测试",
                    "region": "全国",
                    "status": "published",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "updated_by": "bench",
                }
                for n in range(max(0, ENTRIES - have))
            ]
            if entries:
                session.execute(insert(FaqEntry), entries)
            faq_id = session.exec(select(FaqEntry.id).order_by(FaqEntry.id)).first()  # type: ignore[arg-type]
            session.execute(
                insert(FaqRevision),
                [
                    {
                        "faq_id": faq_id,
                        "version": v,
                        "action": "update",
                        "actor": "bench",
                        "at": now,
                        "changes": {"answer": [f"旧答案{v}", f"新答案{v}"]},
                    }
                    for v in range(2, 30)
                ],
            )
            session.execute(
                insert(UnansweredQuestion),
                [
                    {
                        "normalized": f"bench{n}",
                        "text": f"答不上的问题{n}",
                        "count": n % 9 + 1,
                        "first_at": now,
                        "last_at": now,
                        "resolved": False,
                    }
                    for n in range(300)
                ],
            )
            session.execute(
                insert(AuditEntry),
                [
                    {"at": now, "actor": "bench", "action": "login", "target": "", "detail": "", "address": "127.0.0.1"}
                    for _ in range(5000)
                ],
            )
            session.commit()
            assert faq_id is not None
            return ids[len(ids) // 2], int(faq_id)


PAGES = (
    "/console/login",
    "/console/",
    "/console/tickets",
    "/console/tickets?status=open&overdue=1",
    "/console/tickets?q=5678",
    "/console/tickets?type=medicine&priority=urgent&grid=第3网格",
    "/console/tickets/latest",
    "/console/tickets/{ticket}",
    "/console/faq",
    "/console/faq?q=抗原",
    "/console/faq/new",
    "/console/faq/{faq}",
    "/console/faq/{faq}/history",
    "/console/faq-try?q=社区有抗原发吗",
    "/console/unanswered",
    "/console/report",
    "/console/report.csv",
    "/console/setup",
    "/console/setup/users",
    "/console/canned",
    "/console/profile",
    "/console/simulator",
    "/console/audit",
)


def measure(engine_url: str, data_dir: Path, rounds: int, label: str) -> bool:
    ticket_id, faq_id = seed(engine_url, data_dir)
    settings = load_settings(data_dir=data_dir, database_url=engine_url, worker_enabled=False, secret_key="b" * 40)
    ok = True
    with TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/console/login", data={"username": "bench_admin", "password": PASSWORD, "csrf_token": token}
        )
        assert signed.status_code == 303, signed.text
        print(f"\n{label}: {TICKETS} tickets, {ENTRIES}+ entries; {rounds} rounds per page (ms)")
        print(f"{'page':<58} {'median':>7} {'p95':>7}")
        for path in PAGES:
            url = path.format(ticket=ticket_id, faq=faq_id)
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            times.sort()
            median, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
            flag = "" if median < MEDIAN_TARGET and p95 < P95_TARGET else "  << over target"
            ok = ok and not flag
            print(f"{url:<58} {median:7.1f} {p95:7.1f}{flag}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("HOTLINE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        ok &= measure(f"sqlite:///{folder / 'bench.db'}", folder, args.rounds, "SQLite")
        if args.postgres:
            name = f"hotline_bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(
                args.postgres.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                ok &= measure(args.postgres.rsplit("/", 1)[0] + f"/{name}", folder, args.rounds, "PostgreSQL")
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            print("\nPostgreSQL skipped: pass --postgres URL or set HOTLINE_TEST_POSTGRES_URL")
    print("\nall pages within 100 ms median and 250 ms p95" if ok else "\nsome pages over target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
