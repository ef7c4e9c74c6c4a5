"""bot.alarm on the development messages and the intent sets' emergencies.

    .venv/bin/python bench/alarm_dev.py [--verbose]

Only messages triage flags are assessed (assess is called for those alone). Reports the near misses
read CONDITIONAL (and whether the reason given is the kind written), and the emergencies read PRESENT:
bench/data/alarm_dev.yaml and every `emergency` of bench/data/intent_messages*.yaml (must be 100%).
This is a development figure: the held-out one is bench/triage_eval.py on the blind near-miss set.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.alarm import assess  # noqa: E402
from bot.triage import triage  # noqa: E402

DATA = ROOT / "bench" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    dev = yaml.safe_load((DATA / "alarm_dev.yaml").read_text(encoding="utf-8"))
    near = [item for item in dev["near_misses"] if triage(item["text"]).urgent]
    conditional, same_reason, by_kind, total_kind = 0, 0, Counter[str](), Counter[str]()
    for item in near:
        assessment = assess(item["text"], triage(item["text"]).flags)
        total_kind[item["kind"]] += 1
        if not assessment.present:
            conditional += 1
            by_kind[item["kind"]] += 1
            same_reason += assessment.reason == item["kind"]
        elif args.verbose:
            print(f"  ALARM [{item['kind']}] {item['text']}")
    print(f"dev near misses read CONDITIONAL  {conditional}/{len(near)} = {conditional / len(near):.1%}")
    print(f"  with the reason written         {same_reason}/{conditional}")
    print(
        "  by kind                         "
        + ", ".join(f"{k} {by_kind[k]}/{total_kind[k]}" for k in sorted(total_kind))
    )
    sets = {"alarm_dev.yaml emergencies": [item["text"] for item in dev["emergencies"]]}
    for path in sorted(DATA.glob("intent_messages*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [item for split in ("dev", "heldout") for item in data.get(split) or []]
        sets[path.name] = [item["text"] for item in items if item["intent"] == "emergency"]
    for name, texts in sets.items():
        flagged = [text for text in texts if triage(text).urgent]
        missed = [text for text in flagged if not assess(text, triage(text).flags).present]
        share = 1 - len(missed) / len(flagged)
        print(f"{name:34} PRESENT {len(flagged) - len(missed)}/{len(flagged)} = {share:.1%} ({len(texts)} emergencies)")
        for text in missed if args.verbose else []:
            print(f"  CONDITIONAL {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
