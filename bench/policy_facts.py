"""Residents' policy questions scored by the facts the reply states, not by which entry it used.

    .venv/bin/python bench/policy_facts.py [--file bench/data/policy_questions_blind4.yaml] [--verbose]

Each question goes through the pipeline `/api/simulate` runs, as a new resident's first message (a fresh
SQLite database with the built-in content, as `hotline serve` starts). Every question of the file carries
`must_mention`: groups of short terms, one of each group in the reply means the reply states the fact
(for questions about a 2020–2022 measure, one group says it no longer applies). Counted:
- right: every group found in the reply (a reply that only offers numbered choices is never right);
- wrong: the reply answered from the knowledge base (faq_id set) without stating the fact;
- the rest: choices, a request started, "答不上来" and other replies.
`ood` messages: answered from the knowledge base counts against the bot. Goals (#14): at least 85% right
(aim 90%), at most 2% wrong, out-of-domain answered with policy at most 2%.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT / "bench" / "data" / "policy_questions_blind4.yaml"
CHOICES_LEAD = "您是不是想问"


@dataclass(frozen=True)
class Answer:
    text: str
    intent: str | None
    faq_id: int | None


def ask_all(messages: list[str], region: str = "") -> list[Answer]:
    from bench.running import running_pipeline
    from bot.messages import Inbound, InboundKind

    answers = []
    with running_pipeline(region) as pipeline:
        for n, text in enumerate(messages):
            openid = f"facts-{n}"
            inbound = Inbound(openid, InboundKind.TEXT, datetime.now(UTC), msg_id=openid, text=text, simulated=True)
            reply = pipeline.process(inbound)
            answers.append(Answer(reply.text or "", reply.intent, reply.faq_id))
    return answers


def states(reply: str, groups: list[list[str]]) -> bool:
    """Whether one term of every group appears in the reply (spaces ignored)."""
    compact = reply.replace(" ", "")
    return all(any(str(term).replace(" ", "") in compact for term in group) for group in groups)


def kind(question: dict[str, Any], answer: Answer) -> str:
    if answer.text.startswith(CHOICES_LEAD):
        return "choices"
    if states(answer.text, question["must_mention"]):
        return "right"
    if answer.faq_id is not None:
        return "wrong"
    return f"other ({answer.intent})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--region", default="", help="the community's region (HOTLINE_REGION), default none")
    parser.add_argument("--verbose", action="store_true", help="print every question that was not right")
    args = parser.parse_args()
    data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    questions, ood = data["questions"], data.get("ood") or []
    answers = ask_all([q["q"] for q in questions] + list(ood), args.region)
    kinds = [kind(q, a) for q, a in zip(questions, answers, strict=False)]
    counts = Counter(kinds)
    n = len(questions)
    print(f"{args.file.name}: {n} questions, {len(ood)} out-of-domain messages, region {args.region or '(none)'}")
    print(f"right (states the fact)      {counts['right']}/{n} = {counts['right'] / n:.0%}   (goal >= 85%)")
    print(f"wrong (an entry without it)  {counts['wrong']}/{n} = {counts['wrong'] / n:.0%}   (goal <= 2%)")
    print(f"numbered choices             {counts['choices']}/{n}")
    for other in sorted(k for k in counts if k.startswith("other")):
        print(f"{other:<29}{counts[other]}/{n}")
    old = [k for q, k in zip(questions, kinds, strict=False) if q.get("old_rule")]
    if old:
        print(f"  old-rule questions right   {old.count('right')}/{len(old)}")
    if ood:
        answered = sum(a.faq_id is not None for a in answers[n:])
        print(f"out-of-domain answered       {answered}/{len(ood)} = {answered / len(ood):.0%}   (goal <= 2%)")
    if args.verbose:
        for q, a, k in zip(questions, answers, kinds, strict=False):
            if k != "right":
                print(f"- [{k}] {q['q']}\n    fact: {q['fact']}\n    reply: {a.text[:160]!r}")
        for text, a in zip(ood, answers[n:], strict=True):
            if a.faq_id is not None:
                print(f"- [ood answered] {text}\n    reply: {a.text[:120]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
