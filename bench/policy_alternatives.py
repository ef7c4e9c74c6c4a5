"""Alternatives to the knowledge base's answer rule and to triage, tried in the ninth pass and not kept.

    cd /work/main && .venv/bin/python bench/policy_alternatives.py

Each row scores one variant on the sets that may be read (dev, main, fresh, and the calibrator's
resident questions with their look-alikes); the held-out blind sets are left out on purpose. Columns:
right answers of the policy questions, w answered wrongly, la look-alikes answered. See bench/policy_eval.md,
"ninth pass", for what was decided.

  tentative       the shipped rule (LIKELY_THRESHOLD / LIKELY_GAP) against lower thresholds, and a lone
                  candidate (nothing else above SUGGEST_THRESHOLD) answered from a floor
  last clause     the message's last question clause (and the one before) searched as well and merged
                  by maximum; or only when nothing reached SUGGEST_THRESHOLD
  agreement       a tentative answer when the whole message and its last question clause agree
  triage          the learned triage model also run on the message without its last clause
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.policy_eval import load_published, load_questions  # noqa: E402
from knowledge.retrieval import FaqIndex  # noqa: E402
from knowledge.scoring import ANSWER_THRESHOLD, LIKELY_THRESHOLD, SUGGEST_THRESHOLD, Document, is_likely  # noqa: E402

Hits = list[tuple[str, float]]
SETS = {
    "dev": (None, ROOT / "bench/data/policy_questions_dev.yaml"),
    "main": ("main", ROOT / "bench/data/policy_questions.yaml"),
    "fresh": ("fresh", ROOT / "bench/data/policy_questions.yaml"),
    "calib": (None, ROOT / "knowledge/model/calibration_questions.yaml"),
}
_QUESTION = re.compile(
    r"吗|么|嘛|不$|没有$|没$|没得$|什么|啥|哪|怎|咋|如何|能不能|可不可以|是不是|几|多少|呢$|管不管|要不要|会不会|有没"
)
_SEPARATORS = re.compile(r"[\s，,。.！!？?；;、~～]+")


def last_question(text: str, clauses: int = 1) -> str | None:
    """The last clause with a question word (and ``clauses - 1`` before it); None for a one-clause message."""
    parts = [c for c in _SEPARATORS.split(text) if c]
    asked = [i for i, part in enumerate(parts) if _QUESTION.search(part)]
    if len(parts) <= clauses or not asked:
        return None
    focus = "".join(parts[max(0, asked[-1] - clauses + 1) : asked[-1] + 1])
    return focus if len(focus) >= 4 else None


Questions = list[tuple[str, tuple[str, ...]]]


def score_row(data: dict[str, Questions], answers: dict[str, list[str | None]]) -> str:
    """Per set: right / policy questions, w answered wrongly, la look-alikes answered (None: not answered)."""
    cells = []
    for name, questions in data.items():
        right = wrong = ood = 0
        for (_, expect), key in zip(questions, answers[name], strict=True):
            if key is None:
                continue
            if not expect:
                ood += 1
            elif key in expect:
                right += 1
            else:
                wrong += 1
        n_policy = sum(1 for _, e in questions if e)
        cells.append(f"{name} {right}/{n_policy} w{wrong} la{ood}/{len(questions) - n_policy}")
    return " | ".join(cells)


def shipped(hits: Hits, _: Hits) -> bool:
    scores = [s for _, s in hits]
    return bool(scores) and (scores[0] >= ANSWER_THRESHOLD or is_likely(scores))


def likely_at(threshold: float, gap: float) -> Callable[[Hits, Hits], bool]:
    def answered(hits: Hits, _: Hits) -> bool:
        scores = [s for _, s in hits]
        if not scores or scores[0] >= ANSWER_THRESHOLD:
            return bool(scores)
        return scores[0] >= threshold and scores[0] - (scores[1] if len(scores) > 1 else 0.0) >= gap

    return answered


def lone_from(floor: float) -> Callable[[Hits, Hits], bool]:
    def answered(hits: Hits, focus: Hits) -> bool:
        scores = [s for _, s in hits]
        lone = bool(scores) and scores[0] >= floor and (len(scores) < 2 or scores[1] < SUGGEST_THRESHOLD)
        return shipped(hits, focus) or lone

    return answered


def agreeing_from(floor: float) -> Callable[[Hits, Hits], bool]:
    def answered(hits: Hits, focus: Hits) -> bool:
        agree = bool(hits and focus) and hits[0][0] == focus[0][0] and min(hits[0][1], focus[0][1]) >= floor
        return shipped(hits, focus) or agree

    return answered


def main() -> int:
    entries = load_published()
    keys = {i: entry.key for i, entry in enumerate(entries, start=1)}
    index = FaqIndex.build(
        Document(id=i, question=e.question, variants=e.variants, answer=e.answer) for i, e in enumerate(entries, 1)
    )

    def search(text: str | None) -> Hits:
        return [(keys[hit.id], hit.score) for hit in index.search(text, 3)] if text else []

    data = {name: load_questions(only_set, path) for name, (only_set, path) in SETS.items()}
    whole = {name: [search(text) for text, _ in questions] for name, questions in data.items()}

    def row(label: str, hits_of: dict[str, list[Hits]], answered: Callable[[Hits, Hits], bool], focus=None) -> None:
        answers = {
            name: [
                hits[0][0] if answered(hits, other) else None
                for hits, other in zip(hits_of[name], (focus or {}).get(name, [[]] * len(questions)), strict=True)
            ]
            for name, questions in data.items()
        }
        print(f"{label:<40}" + score_row(data, answers))

    print("tentative")
    row("  shipped (0.55, gap 0.20)", whole, shipped)
    for threshold, gap in ((0.50, 0.20), (0.45, 0.20), (0.40, 0.20), (0.35, 0.20)):
        row(f"  threshold {threshold}, gap {gap}", whole, likely_at(threshold, gap))
    for floor in (0.50, 0.45, 0.40, 0.30):
        row(f"  a lone candidate from {floor}", whole, lone_from(floor))

    print("last clause")
    for clauses, factor in ((1, 1.0), (2, 1.0), (1, 0.8), (2, 0.8)):
        merged = {}
        for name, questions in data.items():
            merged[name] = []
            for (text, _), hits in zip(questions, whole[name], strict=True):
                best = dict(hits)
                for key, score in search(last_question(text, clauses)):
                    best[key] = max(best.get(key, 0.0), score * factor)
                merged[name].append(sorted(best.items(), key=lambda item: -item[1])[:3])
        row(f"  {clauses} clause(s) x{factor}, merged", merged, shipped)
    for clauses in (1, 2):
        fallback = {}
        for name, questions in data.items():
            fallback[name] = []
            for (text, _), hits in zip(questions, whole[name], strict=True):
                focus = search(last_question(text, clauses)) if not hits or hits[0][1] < SUGGEST_THRESHOLD else []
                fallback[name].append(focus if focus and focus[0][1] >= LIKELY_THRESHOLD else hits)
        row(f"  {clauses} clause(s) when nothing else", fallback, shipped)

    print("agreement")
    focus = {name: [search(last_question(text)) for text, _ in questions] for name, questions in data.items()}
    for floor in (0.50, 0.40, 0.30):
        row(f"  whole and last clause agree, {floor}", whole, agreeing_from(floor), focus)

    triage()
    return 0


def triage() -> None:
    """Emergencies caught with a question to the community after them, and alarms, on all our sets."""
    from bot.triage import _sentence_like, model_may_flag, rules_flag
    from bot.triage_model import model
    from tools.train_triage import ASKED_AFTER, labelled
    from tools.train_triage import SETS as INTENT_SETS

    learned = model()
    if learned is None:
        print("triage: no model")
        return

    def whole(text: str) -> bool:
        return rules_flag(text) or (model_may_flag(text) and learned.flags(text))

    def without_last_clause(text: str) -> bool:
        if whole(text):
            return True
        cut = [m.start() for m in _SEPARATORS.finditer(text.strip())]
        head = text.strip()[: cut[-1]] if cut else ""
        return bool(head) and _sentence_like(head) and model_may_flag(head) and learned.flags(head)

    policy = {
        name: [t for t, e in load_questions(only_set, path) if e]
        for name, (only_set, path) in SETS.items()
        if name != "calib"
    }
    print("triage (in sample: the model was trained on these sets)")
    for label, flagged in (("  whole message (shipped)", whole), ("  or without its last clause", without_last_clause)):
        cells = []
        for path in INTENT_SETS:
            cases = labelled(path)
            emergencies = [t for t, urgent in cases if urgent]
            calm = [t for t, urgent in cases if not urgent]
            asked = sum(flagged(t + ask) for t in emergencies for ask in ASKED_AFTER) / len(ASKED_AFTER)
            name = path.stem.removeprefix("intent_messages").lstrip("_") or "ours"
            cells.append(f"{name} asked {asked:.1f}/{len(emergencies)} alarms {sum(map(flagged, calm))}")
        alarms = " ".join(f"{name} {sum(map(flagged, texts))}" for name, texts in policy.items())
        print(f"{label:<40}" + " | ".join(cells) + f" | policy questions called emergencies: {alarms}")


if __name__ == "__main__":
    raise SystemExit(main())
