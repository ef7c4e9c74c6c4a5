"""Score the policy knowledge base against the held-out resident questions.

Loads knowledge/content/*.yaml, looks every question of bench/data/policy_questions.yaml up as the
knowledge base does (KnowledgeSearch: the published entries, then a superseded entry surely meant, which
the bot tells as no longer in force) and prints a small table and the misses.

    cd /work/main && .venv/bin/python bench/policy_eval.py [--verbose]

With --through-bot every question is sent instead, as a new resident's first message, through the whole
pipeline /api/simulate uses (intent detection, triage, flows, region), on a fresh SQLite database with the
built-in content, as `hotline serve` starts: what a resident really gets, routing losses included.

Policy questions (expect: key or list of keys):
  answered correctly  top hit is an expected key and the bot answers with it: its score >= ANSWER_THRESHOLD,
                      or tentatively (score >= LIKELY_THRESHOLD and >= LIKELY_GAP ahead of the next)
  in suggestions      not answered correctly, but an expected key is among the top 3 with score >= SUGGEST_THRESHOLD
  answered wrongly    top hit scores >= ANSWER_THRESHOLD but is not an expected key; "of which an old rule,
                      its replacement expected": a superseded entry told where the entry that replaced it was
                      expected (the reply says what replaced it and "1" shows it): right but for the label
Non-policy questions (expect: none):
  rejected            top score < ANSWER_THRESHOLD (the bot does not answer with a policy entry)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.base import OLD_RULE_THRESHOLD  # noqa: E402
from knowledge.retrieval import FaqIndex  # noqa: E402
from knowledge.scoring import (  # noqa: E402
    ANSWER_THRESHOLD,
    LIKELY_GAP,
    LIKELY_THRESHOLD,
    SUGGEST_THRESHOLD,
    Document,
    is_likely,
)

CONTENT_DIR = ROOT / "knowledge" / "content"
QUESTIONS_FILE = ROOT / "bench" / "data" / "policy_questions.yaml"
TOP_K = 3


@dataclass(frozen=True)
class Entry:
    key: str
    question: str
    variants: tuple[str, ...]
    answer: str


@dataclass
class Outcome:
    question: str
    expect: tuple[str, ...]  # empty for `none`
    hits: list[tuple[str, float]]

    @property
    def top(self) -> tuple[str, float] | None:
        return self.hits[0] if self.hits else None

    @property
    def answered(self) -> bool:
        """As the bot does: sure at ANSWER_THRESHOLD, or tentatively (its answer shown, choices after it)."""
        return self.top is not None and (self.top[1] >= ANSWER_THRESHOLD or self.tentative)

    @property
    def tentative(self) -> bool:
        return is_likely([score for _, score in self.hits])

    @property
    def answered_correctly(self) -> bool:
        return self.answered and self.top is not None and self.top[0] in self.expect

    @property
    def answered_wrongly(self) -> bool:
        return self.answered and not self.answered_correctly

    @property
    def suggested(self) -> bool:
        return any(key in self.expect and score >= SUGGEST_THRESHOLD for key, score in self.hits[:TOP_K])


def load_published(status: str = "published") -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data["entries"]:
            if raw["status"] != status:
                continue
            entries.append(Entry(raw["key"], raw["question"], tuple(raw["variants"]), raw["answer"]))
    return entries


def replacements() -> dict[str, str]:
    """Each superseded entry's key → the key of the published entry that replaced it."""
    out = {}
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            if raw["status"] == "superseded" and raw.get("superseded_by"):
                out[raw["key"]] = raw["superseded_by"]
    return out


def told_replaced(key: str | None, expect: tuple[str, ...], replaced: dict[str, str]) -> bool:
    """An old rule told where its replacement was expected: the reply says what replaced it, 1 shows it."""
    return key is not None and key not in expect and replaced.get(key) in expect


class KnowledgeSearch:
    """The knowledge base's lookup (knowledge.base.KnowledgeBase.lookup) over the content files, any region.

    The published entries first; below a sure answer, a superseded entry that is surely meant, found
    among the published and the superseded together, is the answer (the bot tells it as no longer in force).
    """

    def __init__(self) -> None:
        published, superseded = load_published(), load_published("superseded")
        self.entries = published
        self.keys = {i: entry.key for i, entry in enumerate([*published, *superseded], start=1)}
        self.superseded = {entry.key for entry in superseded}
        documents = [
            Document(id=i, question=e.question, variants=e.variants, answer=e.answer)
            for i, e in enumerate([*published, *superseded], start=1)
        ]
        self.index = FaqIndex.build(documents[: len(published)])
        self.history = FaqIndex.build(documents)

    def search(self, text: str) -> list[tuple[str, float]]:
        hits = [(self.keys[hit.id], float(hit.score)) for hit in self.index.search(text, TOP_K)]
        if hits and hits[0][1] >= ANSWER_THRESHOLD:
            return hits
        old = self.history.search(text, 1)
        if old and old[0].score >= OLD_RULE_THRESHOLD and self.keys[old[0].id] in self.superseded:
            return [(self.keys[old[0].id], float(old[0].score))]
        return hits


# A policy question that no entry answers yet (a gap in the content): never answered correctly.
UNCOVERED = "(uncovered)"


def load_questions(only_set: str | None = None, path: Path = QUESTIONS_FILE) -> list[tuple[str, tuple[str, ...]]]:
    """(question, expected keys) pairs; a .txt file (knowledge/model/ood_messages.txt) is all look-alikes."""
    if path.suffix == ".txt":
        lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
        return [(line, ()) for line in lines if line and not line.startswith("#")]
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    out = []
    for item in items:
        if only_set is not None and item.get("set", "main") != only_set:
            continue
        expect = item["expect"]
        keys: tuple[str, ...]
        if expect == "none":
            keys = ()
        elif expect == "uncovered":
            keys = (UNCOVERED,)
        else:
            keys = (expect,) if isinstance(expect, str) else tuple(expect)
        out.append((str(item["q"]), keys))
    return out


def rate(n: int, d: int) -> str:
    return f"{n:>3}/{d:<3} {100.0 * n / d:5.1f}%" if d else "  -"


def table(outcomes: list[Outcome]) -> None:
    policy = [o for o in outcomes if o.expect]
    nones = [o for o in outcomes if not o.expect]
    correct = sum(o.answered_correctly for o in policy)
    suggested = sum((not o.answered_correctly) and o.suggested for o in policy)
    wrong = sum(o.answered_wrongly for o in policy)
    rejected = sum(not o.answered for o in nones)
    # Diagnostic, not a product metric: is the right entry ranked first at all, whatever its score?
    # A high figure here with a low answered rate points at calibration, not at missing content.
    ranked_first = sum(o.top is not None and o.top[0] in o.expect for o in policy)
    print(f"{'metric':<44}{'count':>16}")
    print("-" * 60)
    print(f"{'policy questions answered correctly':<44}{rate(correct, len(policy)):>16}")
    tentative = sum(o.answered_correctly and o.tentative for o in policy)
    print(f"{'  of which tentatively (choices shown after)':<44}{rate(tentative, len(policy)):>16}")
    print(f"{'  + correct only among suggestions (top 3)':<44}{rate(suggested, len(policy)):>16}")
    print(f"{'  = correct answered or suggested':<44}{rate(correct + suggested, len(policy)):>16}")
    print(f"{'policy questions answered wrongly':<44}{rate(wrong, len(policy)):>16}")
    replaced = replacements()
    lenient = sum(o.answered_wrongly and told_replaced(o.top[0] if o.top else None, o.expect, replaced) for o in policy)
    print(f"{'  of which an old rule, its replacement expected':<44}{rate(lenient, len(policy)):>16}")
    print(f"{'non-policy questions correctly not answered':<44}{rate(rejected, len(nones)):>16}")
    print(f"{'(diagnostic) expected entry ranked first':<44}{rate(ranked_first, len(policy)):>16}")


@dataclass
class BotOutcome:
    question: str
    expect: tuple[str, ...]
    intent: str | None
    faq_key: str | None
    choices: tuple[str, ...]  # keys offered as numbered choices (after a tentative answer, the others)
    reply: str


def through_bot(questions: list[tuple[str, tuple[str, ...]]], region: str) -> list[BotOutcome]:
    """Each question as a new resident's first message through the pipeline /api/simulate uses."""
    from datetime import UTC, datetime

    from sqlmodel import Session, select

    from bench.running import running_pipeline
    from bot.messages import Inbound, InboundKind
    from bot.store import DatabaseStateStore
    from knowledge.models import FaqEntry

    outcomes = []
    with running_pipeline(region) as pipeline:
        with Session(pipeline.engine) as session:
            keys = {entry.id: entry.key for entry in session.exec(select(FaqEntry)).all()}
        for n, (text, expect) in enumerate(questions):
            openid = f"bench-{n}"
            inbound = Inbound(openid, InboundKind.TEXT, datetime.now(UTC), msg_id=openid, text=text, simulated=True)
            reply = pipeline.process(inbound)
            with Session(pipeline.engine) as session:
                offered = DatabaseStateStore(session).load(openid).choices
            choices = tuple(keys.get(i, "?") for i in offered or ())
            key = keys.get(reply.faq_id) if reply.faq_id is not None else None
            outcomes.append(BotOutcome(text, expect, reply.intent, key, choices, reply.text or ""))
    return outcomes


def bot_table(outcomes: list[BotOutcome]) -> None:
    policy = [o for o in outcomes if o.expect]
    nones = [o for o in outcomes if not o.expect]
    right = sum(o.faq_key in o.expect for o in policy)
    wrong = sum(o.faq_key is not None and o.faq_key not in o.expect for o in policy)
    offered = sum(o.faq_key is None and any(key in o.expect for key in o.choices) for o in policy)
    from bot import texts

    no_answer = texts.unknown("")[:12]  # the knowledge base's "答不上来，已记录"
    kb_silent = sum(o.faq_key is None and not o.choices and o.reply.startswith(no_answer) for o in policy)
    elsewhere: dict[str, int] = {}
    for o in policy:
        if o.faq_key is None and not o.choices and not o.reply.startswith(no_answer):  # another route
            elsewhere[str(o.intent)] = elsewhere.get(str(o.intent), 0) + 1
    rejected = sum(o.faq_key is None for o in nones)
    print(f"{'metric':<44}{'count':>16}")
    print("-" * 60)
    with_request = sum(o.faq_key in o.expect and o.intent != "policy" for o in policy)
    print(f"{'policy questions answered correctly':<44}{rate(right, len(policy)):>16}")
    print(f"{'  of which a request started after it':<44}{rate(with_request, len(policy)):>16}")
    print(f"{'  + right one only among the choices':<44}{rate(offered, len(policy)):>16}")
    print(f"{'policy questions answered wrongly':<44}{rate(wrong, len(policy)):>16}")
    replaced = replacements()
    lenient = sum(told_replaced(o.faq_key, o.expect, replaced) for o in policy)
    print(f"{'  of which an old rule, its replacement expected':<44}{rate(lenient, len(policy)):>16}")
    print(f"{'  the knowledge base had no answer':<44}{rate(kb_silent, len(policy)):>16}")
    for intent, count in sorted(elsewhere.items(), key=lambda item: -item[1]):
        print(f"{'  routed to ' + intent:<44}{rate(count, len(policy)):>16}")
    print(f"{'non-policy questions not answered from it':<44}{rate(rejected, len(nones)):>16}")
    offered_to_nones = sum(o.faq_key is None and bool(o.choices) for o in nones)
    print(f"{'  of which offered choices':<44}{rate(offered_to_nones, len(nones)):>16}")


def main_through_bot(sources: dict[str, tuple[str | None, Path]], region: str, quiet: bool) -> int:
    for name, (only_set, path) in sources.items():
        started = time.perf_counter()
        outcomes = through_bot(load_questions(only_set, path), region)
        seconds = time.perf_counter() - started
        print(f"\nset {name} through the bot (region {region or 'any'}; {seconds:.1f} s with start-up)")
        bot_table(outcomes)
        if quiet:
            continue
        for o in outcomes:
            ok = (o.faq_key in o.expect) if o.expect else o.faq_key is None
            if not ok:
                expect = "|".join(o.expect) or "none"
                got = o.faq_key or (f"choices {','.join(o.choices)}" if o.choices else f"intent {o.intent}")
                first = o.reply.splitlines()[0] if o.reply else ""
                print(f"[{name}] {o.question}\n        expect {expect}\n        got    {got}  「{first[:40]}」")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", "-v", action="store_true", help="print every question, not only the misses")
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="tables only, no misses: keeps the held-out questions unseen"
    )
    parser.add_argument(
        "--set",
        dest="only_set",
        choices=("main", "fresh"),
        default=None,
        help="score only one batch: main (written before the content) or fresh (written after)",
    )
    parser.add_argument(
        "--file",
        type=Path,
        action="append",
        help="score this question file instead (repeatable; same format, `expect: uncovered` allowed; "
        "a .txt file is one look-alike a line), each file one batch",
    )
    parser.add_argument(
        "--through-bot",
        action="store_true",
        help="send every question through the whole pipeline (/api/simulate's), routing included",
    )
    parser.add_argument("--region", default="", help="with --through-bot: the community's region (default: any)")
    args = parser.parse_args()

    if args.file:
        sources = {path.stem: (None, path) for path in args.file}
    else:
        sources = {name: (name, QUESTIONS_FILE) for name in ([args.only_set] if args.only_set else ["main", "fresh"])}
    if args.through_bot:
        return main_through_bot(sources, args.region, args.quiet)

    started = time.perf_counter()
    knowledge = KnowledgeSearch()
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    batches = list(sources)
    by_set: dict[str, list[Outcome]] = {}
    for name, (only_set, path) in sources.items():
        by_set[name] = [
            Outcome(text, expect, knowledge.search(text)) for text, expect in load_questions(only_set, path)
        ]
    outcomes = [o for name in batches for o in by_set[name]]
    query_ms = 1000 * (time.perf_counter() - started) / max(1, len(outcomes))

    print(
        f"published entries indexed: {len(knowledge.entries)} (+ {len(knowledge.superseded)} superseded)"
        f"   build {build_s:.2f}s   {query_ms:.1f} ms/query"
    )
    print(
        f"thresholds: answer >= {ANSWER_THRESHOLD}   tentatively >= {LIKELY_THRESHOLD} and {LIKELY_GAP} ahead"
        f"   suggest >= {SUGGEST_THRESHOLD}"
    )
    for name in batches:
        print(f"\nset {name}" + ("" if args.file else "  (main: written before the content; fresh: written after it)"))
        table(by_set[name])
    print()
    if args.quiet:
        return 0

    def show(o: Outcome, tag: str) -> None:
        hits = ", ".join(f"{key} {score:.2f}" for key, score in o.hits) or "(no hits)"
        expect = "none" if not o.expect else "|".join(o.expect)
        print(f"[{tag}] {o.question}\n        expect {expect}\n        got    {hits}")

    print("misses:")
    for o in (o for o in outcomes if o.expect):
        if not o.answered_correctly:
            show(o, "WRONG" if o.answered_wrongly else ("SUGG" if o.suggested else "MISS"))
    for o in (o for o in outcomes if not o.expect):
        if o.answered:
            show(o, "NONE-ANSWERED")
    if args.verbose:
        print("\nall:")
        for o in outcomes:
            show(o, "ok" if (o.answered_correctly if o.expect else not o.answered) else "--")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
