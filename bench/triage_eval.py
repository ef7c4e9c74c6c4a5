"""Triage as a resident meets it: near misses that must not wake anyone, emergencies that must.

    .venv/bin/python bench/triage_eval.py [--file bench/data/triage_nearmiss_blind.yaml] [--verbose]

Each message is sent as a new resident's first message through the pipeline `/api/simulate` runs (a
fresh SQLite database with the built-in content, as `hotline serve` starts). A message "alarms" when the
bot opened an urgent ticket for it (type emergency, or priority urgent). The file has two lists:
`near_misses` (red-flag words that are not a present emergency of a person: the past, an animal, a
story, a general question, a hypothesis, a negation …) and `emergencies` (happening now). Goals (#15):
false urgent tickets on at most 5% of the near misses, and no emergency missed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT / "bench" / "data" / "triage_nearmiss_blind.yaml"


def alarms(messages: list[str]) -> list[tuple[bool, str]]:
    """For each message, whether an urgent ticket was opened, and the reply's first line."""
    from sqlmodel import Session

    from bench.running import running_pipeline
    from bot.messages import Inbound, InboundKind
    from tickets.models import Priority, Ticket, TicketType

    results = []
    with running_pipeline() as pipeline:
        for n, text in enumerate(messages):
            openid = f"triage-{n}"
            inbound = Inbound(openid, InboundKind.TEXT, datetime.now(UTC), msg_id=openid, text=text, simulated=True)
            reply = pipeline.process(inbound)
            urgent = False
            if reply.ticket_id is not None:
                with Session(pipeline.engine) as session:
                    ticket = session.get(Ticket, reply.ticket_id)
                    urgent = ticket is not None and (
                        ticket.type == TicketType.EMERGENCY or ticket.priority == Priority.URGENT
                    )
            results.append((urgent, (reply.text or "").splitlines()[0] if reply.text else ""))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--verbose", action="store_true", help="print every false alarm and every miss")
    args = parser.parse_args()
    data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    near, real = data["near_misses"], data["emergencies"]
    results = alarms([m["text"] for m in near] + [m["text"] for m in real])
    near_results, real_results = results[: len(near)], results[len(near) :]
    false_by_kind: Counter[str] = Counter()
    for item, (urgent, _) in zip(near, near_results, strict=True):
        if urgent:
            false_by_kind[item["kind"]] += 1
    kinds = Counter(item["kind"] for item in near)
    false = sum(false_by_kind.values())
    missed = [item for item, (urgent, _) in zip(real, real_results, strict=True) if not urgent]
    print(f"{args.file.name}: {len(near)} near misses, {len(real)} emergencies")
    print(f"false urgent tickets   {false}/{len(near)} = {false / len(near):.1%}   (goal <= 5%)")
    alarmed = len(real) - len(missed)
    print(f"emergencies alarmed    {alarmed}/{len(real)} = {alarmed / len(real):.1%}   (goal 100%)")
    print("false alarms by kind   " + ", ".join(f"{k} {false_by_kind[k]}/{kinds[k]}" for k in sorted(kinds)))
    if args.verbose:
        for item, (urgent, first) in zip(near, near_results, strict=True):
            if urgent:
                print(f"  FALSE [{item['kind']}] {item['text']}\n        -> {first}")
        for item in missed:
            print(f"  MISSED [{item['kind']}] {item['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
