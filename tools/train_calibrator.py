"""Fit the second-stage calibrator (knowledge/model/calibrator.json) for FAQ lookup.

    .venv/bin/pip install lightgbm==4.6.0     # training only (for the out-of-fold Tianchi reranker)
    .venv/bin/python -m tools.train_calibrator [--data ../shared/data] [--no-tianchi] [--second-stage-only]

The calibrator answers "does this candidate entry answer the query?" from what FaqIndex.candidates
computes for it. Its training rows come from three sources, none of them the held-out resident
questions in bench/data/policy_questions.yaml (those only measure):
  content LOO   every question and variant of the published entries in knowledge/content/ asked
                against the index built without that very text (the right entry is its own);
  tianchi FAQ   simulated FAQs from one fold of tianchi train.csv (entries = query1s of a category,
                queries = their label-1 query2s, and label-0 query2s that must not be answered), scored
                with a reranker trained on the other four folds so that its probabilities are honest;
  negatives     knowledge/model/ood_messages.txt (written for this) and medical search queries from
                kuake-qic train that no policy entry covers, asked against the published content;
  residents     knowledge/model/calibration_questions.yaml: resident-style questions (and look-alikes
                that no entry answers) asked against the whole published content, as in the product.
                Leave-one-out wording is harder than a real question, which meets every variant of its
                entry; without these rows the calibrator is too timid on real questions.
A logistic regression over ENTRY_FEATURES is fitted on all rows; cross-validation grouped by entry
(content) and by source query reports top-1 and the answered / wrong / rejected rates at candidate
thresholds, from which ANSWER_THRESHOLD and SUGGEST_THRESHOLD in knowledge/retrieval.py are chosen.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.model.calibrator import CALIBRATOR_PATH, ENTRY_FEATURES, Calibrator
from knowledge.model.reranker import Reranker
from knowledge.retrieval import FaqIndex
from knowledge.scoring import ANSWER_ONLY_CAP, NEAR_DUPLICATE_RATIO, Document, rank

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CONTENT_DIR = ROOT / "knowledge" / "content"
OOD_FILE = ROOT / "knowledge" / "model" / "ood_messages.txt"
RESIDENT_FILE = ROOT / "knowledge" / "model" / "calibration_questions.yaml"
SEED = 20230108
L2 = 1.0
# The second stage has fewer rows than the first. Cross-validated at L2 3, 30, 100 and 300 it gave the
# same figures within 2 points (content-one right 0.30 -> 0.26, ood-one answered 0.030 -> 0.015 at 0.65);
# through the bot, with feiyan-faq's 46 questions added as entries, 3 answered 2 fewer of the 205 out-of-
# domain messages than 100 (bench/retrieval.md, eleventh pass).
ONE_L2 = 3.0
_ONE = ENTRY_FEATURES.index("one_wording")
RESIDENT_WEIGHT = 1.0  # as much as the content leave-one-out rows: both stand for residents' questions
ONE_WEIGHT = 1.0  # entries staff add with one wording count as much as the built-in ones
# Look-alikes against content cut to one wording: three times as much as the entries (kuake's as much),
# so that trusting a lone wording more does not answer chit-chat (ood-one answered 2-3% cross-validated).
ONE_NEGATIVE_WEIGHT = 3.0
# Kuake queries touching what the policy content does answer (vaccination, testing, the symptoms of
# an infection and their medicine, chronic patients' care…) are not used as negatives: some of them
# have a right entry. Medicine for other complaints (牙疼吃什么药, 胃疼吃什么药) stays in: the policy
# entries about medicine do not answer it, and without such negatives any "吃什么药" looked answerable.
_POLICY_TOPIC = re.compile(
    r"新冠|冠状|疫苗|接种|核酸|抗原|疫情|防疫|肺炎|隔离|口罩|发烧|发热|退烧|烧|咳|感冒|流感|嗓子|喉咙|咽|鼻|头疼|头痛|"
    r"肌肉|酸痛|乏力|腹泻|拉肚子|呼吸|胸闷|阳性|透析|孕|产妇|哺乳|慢性病|高血压|糖尿病|心脏病|老人|儿童|孩子|小孩|宝宝|"
    r"婴儿|社区|医院|转诊|急救|120|健康包|血氧|体温|布洛芬|对乙酰氨基酚|连花|中药|抗病毒|止咳|化痰"
)

Row = tuple[np.ndarray, np.ndarray, str]  # features, labels (1 = right entry), source
# The rows of content cut to one wording inform the second stage only, so that the first stage, and
# with it every entry that has variants, is fitted as before; Tianchi's FAQs (one wording per entry)
# inform both.
ONE_ONLY = ("content-one", "ood-one", "kuake-one")
ONE_SOURCES = (*ONE_ONLY, "tianchi", "tianchi-own")
SOURCES = (
    "content",
    "content-noans",
    "content-one",
    "resident",
    "tianchi",
    "tianchi-own",
    "ood",
    "ood-one",
    "resident-none",
    "kuake",
    "kuake-one",
)


def load_content() -> list[dict[str, Any]]:
    entries = []
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            if raw["status"] == "published":
                entries.append(raw)
    return entries


def _documents(entries: list[dict[str, Any]]) -> list[Document]:
    return [
        Document(id=i, question=e["question"], variants=tuple(e["variants"]), answer=e["answer"])
        for i, e in enumerate(entries)
    ]


def content_loo(entries: list[dict[str, Any]], with_answers: bool = True) -> list[tuple[Row, int]]:
    """Each question/variant against the index built without it; the group is the entry.

    Also run with the answers left out, so that the calibrator does not depend on answer text that
    an FAQ (or a benchmark bank) may not have.
    """
    docs = _documents(entries)
    if not with_answers:
        docs = [Document(id=d.id, question=d.question, variants=d.variants) for d in docs]
    source = "content" if with_answers else "content-noans"
    out: list[tuple[Row, int]] = []
    for i, doc in enumerate(docs):
        texts = [doc.question, *doc.variants]
        for j, text in enumerate(texts):
            rest = [t for k, t in enumerate(texts) if k != j]
            held = Document(id=i, question=rest[0], variants=tuple(rest[1:]), answer=doc.answer)
            index = FaqIndex.build([*docs[:i], held, *docs[i + 1 :]])
            positions, x, _, _ = index.candidates(text)
            if positions:
                out.append(((x, np.array([float(p == i) for p in positions]), source), i))
    return out


def content_one(entries: list[dict[str, Any]]) -> list[tuple[Row, int]]:
    """An entry as staff add it, its question alone, asked in the words of its variants; the rest intact.

    Leave-one-out rows always leave the entry other wordings to agree, so without these the calibrator
    never saw a right entry with one wording among entries with many, and read one as weak evidence.
    """
    docs = _documents(entries)
    out: list[tuple[Row, int]] = []
    for i, doc in enumerate(docs):
        if not doc.variants:
            continue
        alone = Document(id=i, question=doc.question, answer=doc.answer)
        index = FaqIndex.build([*docs[:i], alone, *docs[i + 1 :]])
        for text in doc.variants:
            positions, x, _, _ = index.candidates(text)
            if positions:
                out.append(((x, np.array([float(p == i) for p in positions]), "content-one"), i))
    return out


def negatives(
    entries: list[dict[str, Any]], data: Path, n_kuake: int, one_wording: bool = False
) -> list[tuple[Row, int]]:
    """Look-alikes against the published content; with ``one_wording`` every entry has its question alone."""
    docs = _documents(entries)
    if one_wording:
        docs = [Document(id=d.id, question=d.question, answer=d.answer) for d in docs]
    index = FaqIndex.build(docs)
    messages = [
        line.strip() for line in OOD_FILE.read_text(encoding="utf-8").splitlines() if line.strip() and line[0] != "#"
    ]
    kuake: list[str] = []
    path = data / "kuake-qic" / "KUAKE-QIC_train.json"
    if path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))
        kuake = [r["query"] for r in rows if len(r["query"]) <= 40 and not _POLICY_TOPIC.search(r["query"])]
        random.Random(SEED).shuffle(kuake)
        kuake = kuake[:n_kuake]
    else:
        print(f"skip kuake-qic: {path} not found")
    out: list[tuple[Row, int]] = []
    suffix = "-one" if one_wording else ""
    for k, (text, source) in enumerate([(m, "ood") for m in messages] + [(q, "kuake") for q in kuake]):
        positions, x, _, _ = index.candidates(text)
        if positions:
            out.append(((x, np.zeros(len(positions)), source + suffix), 100_000 + k))
    return out


def residents(entries: list[dict[str, Any]]) -> list[tuple[Row, int]]:
    """Resident-style questions against the full published content; `none` ones have no right entry."""
    index = FaqIndex.build(_documents(entries))
    keys = [e["key"] for e in entries]
    out: list[tuple[Row, int]] = []
    for k, item in enumerate(yaml.safe_load(RESIDENT_FILE.read_text(encoding="utf-8"))["questions"]):
        expect = item["expect"]
        wanted = set() if expect == "none" else {expect} if isinstance(expect, str) else set(expect)
        positions, x, _, _ = index.candidates(str(item["q"]))
        if positions:
            labels = np.array([float(keys[p] in wanted) for p in positions])
            out.append(((x, labels, "resident" if wanted else "resident-none"), 400_000 + k))
    return out


def tianchi_faq(data: Path) -> list[tuple[Row, int]]:
    """Simulated FAQs from the held-out fold of train.csv, scored by a reranker that never saw it."""
    from tools import train_reranker as tr

    groups = tr.load_groups(data / "tianchi-ncov-sim" / "train.csv")
    order = list(range(len(groups)))
    random.Random(tr.SEED).shuffle(order)
    held = set(order[0 :: tr.FOLDS])
    train_groups = [g for i, g in enumerate(groups) if i not in held]
    cache: dict = {}
    x, y = tr.featurize(tr.training_pairs(train_groups, random.Random(tr.SEED)), cache)
    shipped = json.loads((ROOT / "knowledge" / "model" / "reranker.json").read_text(encoding="utf-8"))
    booster = tr.train(x, y, shipped.get("params", tr.GRID[0]))
    spec = tr.export(booster, (shipped["calibration"]["a"], shipped["calibration"]["b"]))
    fold_model = Reranker(spec)

    by_category: dict[str, list[list[tuple[str, str, int]]]] = {}
    categories = _categories(data / "tianchi-ncov-sim" / "train.csv")
    for i in sorted(held):
        by_category.setdefault(categories[groups[i][0][0]], []).append(groups[i])
    out: list[tuple[Row, int]] = []
    for bank in by_category.values():
        index = FaqIndex.build(Document(id=j, question=g[0][0]) for j, g in enumerate(bank))
        for j, group in enumerate(bank):
            for _, q2, label in group:
                positions, x, _, _ = index.candidates(q2, reranker=fold_model)
                if positions:
                    labels = np.array([float(label == 1 and p == j) for p in positions])
                    out.append(((x, labels, "tianchi"), 200_000 + len(out)))
    # The dev protocol on the held-out fold: a query1 against its own labelled query2s only, where
    # every candidate is a near-duplicate and the reranker's judgement must decide.
    for group in (groups[i] for i in sorted(held)):
        if len(group) < 2 or not any(label for _, _, label in group):
            continue
        index = FaqIndex.build(Document(id=j, question=q2) for j, (_, q2, _) in enumerate(group))
        positions, x, _, _ = index.candidates(group[0][0], reranker=fold_model)
        if positions:
            labels = np.array([float(group[p][2] == 1) for p in positions])
            out.append(((x, labels, "tianchi-own"), 300_000 + len(out)))
    return out


def _categories(path: Path) -> dict[str, str]:
    import csv

    with path.open(encoding="utf-8") as fh:
        return {row["query1"]: row["category"] for row in csv.DictReader(fh)}


def _newton(z: np.ndarray, y: np.ndarray, w: np.ndarray, reg: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """L2-regularised logistic regression of y on z (plus a fixed offset to the log-odds), by Newton's method."""
    beta = np.zeros(z.shape[1])
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp(-np.clip(offset + z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        step /= max(1.0, float(np.abs(step).max()))  # damped: far from the optimum a full step can diverge
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    """The first stage on standardised features; `one_wording` is left to the second stage (coefficient 0)."""
    first = x[:, :_ONE]
    mean = first.mean(axis=0)
    scale = first.std(axis=0) + 1e-9
    z = np.hstack([(first - mean) / scale, np.ones((x.shape[0], 1))])
    reg = np.full(z.shape[1], L2)
    reg[-1] = 0.0
    beta = _newton(z, y, w, reg, np.zeros(len(y)))
    return {
        "features": list(ENTRY_FEATURES),
        "mean": [*mean.tolist(), 0.0],
        "scale": [*scale.tolist(), 1.0],
        "coef": [*beta[:-1].tolist(), 0.0],
        "intercept": float(beta[-1]),
    }


def fit_one_wording(
    spec: dict[str, Any], x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float | None = None
) -> dict[str, Any]:
    """The second stage, on one-wording candidates only, on top of the first stage's log-odds.

    First the `one_wording` coefficient of the first stage, the others held: a constant lift of every
    one-wording entry, which leaves their order among themselves as it was and is part of the ranking.
    Then the correction (Calibrator.correction) over all the features: how sure such an entry is.
    """
    keep = x[:, _ONE] > 0
    x, y, w = x[keep], y[keep], w[keep]
    held = Calibrator({**spec, "coef": [*spec["coef"][:_ONE], 0.0], "mean": [*spec["mean"][:_ONE], 0.0]})
    offset = held.first_stage(x)
    lift = float(_newton(np.ones((len(y), 1)), y, w, np.zeros(1), offset)[0])
    spec = {**spec, "mean": [*spec["mean"][:_ONE], 0.0], "scale": [*spec["scale"][:_ONE], 1.0]}
    spec["coef"] = [*spec["coef"][:_ONE], lift]
    first = Calibrator(spec)
    z = np.hstack([((x - first.mean) / first.scale)[:, :_ONE], np.ones((x.shape[0], 1))])
    reg = np.full(z.shape[1], ONE_L2 if l2 is None else l2)
    reg[-1] = 0.0
    beta = _newton(z, y, w, reg, first.first_stage(x))
    return {**spec, "one_wording": {"coef": [*beta[:-1].tolist(), 0.0], "intercept": float(beta[-1])}}


def stack(rows: list[tuple[Row, int]], weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.vstack([r[0][0] for r in rows])
    y = np.concatenate([r[0][1] for r in rows])
    w = np.concatenate([np.full(len(r[0][1]), weights[r[0][2]]) for r in rows])
    return x, y, w


def _capped(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """As scoring.confidence: an answer-only match capped, an exact one at least 0.99."""
    s = np.where(x[:, ENTRY_FEATURES.index("answer_only")] > 0, np.minimum(s, ANSWER_ONLY_CAP), s)
    return np.where(x[:, ENTRY_FEATURES.index("p1")] >= 1.0, np.maximum(s, 0.99), s)


def report(
    rows: list[tuple[Row, int]],
    predict: Any,
    thresholds: list[tuple[float, float]],
    near_ratio: float = NEAR_DUPLICATE_RATIO,
    ranker: Any = None,
) -> None:
    """Per source: top-1, and for each (answer, suggest) pair the product outcomes (ranked as `search` does:
    by ``ranker``'s probabilities when given, the first stage's, told with ``predict``'s)."""
    for source in SOURCES:
        chosen = [r for r, _ in rows if r[2] == source]
        if not chosen:
            continue
        tops = []
        for x, labels, _ in chosen:
            s, first = (_capped(x, predict(x)), _capped(x, ranker(x))) if ranker else (_capped(x, predict(x)),) * 2
            order = rank(x, first, near_ratio=near_ratio)[:3]
            i = order[0]
            shown = np.minimum.accumulate(s[order])
            best3 = [(-float(sc), labels[j]) for j, sc in zip(order, shown, strict=True)]
            tops.append((float(s[i]), bool(labels[i] > 0), bool(labels.any()), best3))
        has = [t for t in tops if t[2]]
        line = f"{source:<8} n={len(chosen):<5}"
        if has:
            line += f" top1 {np.mean([t[1] for t in has]):.3f}"
        for a, s_ in thresholds:
            answered = [t for t in tops if t[0] >= a]
            right = sum(t[1] for t in answered)
            sugg = sum(1 for t in tops if not (t[0] >= a and t[1]) and any(-sc >= s_ and lb for sc, lb in t[3]))
            none_below_s = sum(1 for t in tops if t[0] < s_)
            if has:
                line += f" | a{a:.2f}: right {right / len(tops):.3f} wrong {(len(answered) - right) / len(tops):.3f}"
                line += f" sugg {sugg / len(tops):.3f}"
            else:
                line += f" | a{a:.2f}: answered {len(answered) / len(tops):.3f} below-s {none_below_s / len(tops):.3f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-tianchi", action="store_true")
    parser.add_argument("--kuake", type=int, default=1500)
    parser.add_argument("--out", type=Path, default=CALIBRATOR_PATH)
    parser.add_argument(
        "--resident-weight", type=float, default=RESIDENT_WEIGHT, help="weight of the resident rows (and look-alikes)"
    )
    parser.add_argument(
        "--content-weight",
        type=float,
        default=1.0,
        help="weight of the content leave-one-out rows (half without answers)",
    )
    parser.add_argument(
        "--one-weight",
        type=float,
        default=ONE_WEIGHT,
        help="weight of the one-wording rows (an entry as staff add it, and look-alikes against such entries)",
    )
    parser.add_argument("--one-l2", type=float, default=ONE_L2, help="L2 penalty of the one-wording correction")
    parser.add_argument(
        "--second-stage-only",
        action="store_true",
        help="keep the first stage of the shipped calibrator.json and fit only the one-wording correction",
    )
    args = parser.parse_args()

    first = None
    if args.second_stage_only:
        first = {k: v for k, v in json.loads(args.out.read_text(encoding="utf-8")).items() if k != "one_wording"}
    try:
        Calibrator.load(args.out)
    except (ValueError, FileNotFoundError, KeyError):
        # FaqIndex.build loads the shipped calibrator; start from "confidence = p1" when the
        # features changed, the rows computed below do not depend on it.
        n = len(ENTRY_FEATURES)
        bootstrap = {
            "features": list(ENTRY_FEATURES),
            "mean": [0.0] * n,
            "scale": [1.0] * n,
            "coef": [4.0] + [0.0] * (n - 1),
            "intercept": -2.0,
        }
        args.out.write_text(json.dumps(bootstrap), encoding="utf-8")
    entries = load_content()
    rows = content_loo(entries) + content_loo(entries, with_answers=False)
    rows += content_one(entries)
    rows += negatives(entries, args.data, args.kuake)
    rows += negatives(entries, args.data, args.kuake, one_wording=True)
    rows += residents(entries)
    if not args.no_tianchi and (args.data / "tianchi-ncov-sim").is_dir():
        rows += tianchi_faq(args.data)
    weights = {
        "content": args.content_weight,
        "content-noans": 0.5 * args.content_weight,
        "content-one": args.one_weight,
        "resident": args.resident_weight,
        "tianchi": 0.25,
        "tianchi-own": 0.5,
        "ood": 1.0,
        "resident-none": args.resident_weight,
        "kuake": 0.3,
        "ood-one": ONE_NEGATIVE_WEIGHT * args.one_weight,
        "kuake-one": ONE_NEGATIVE_WEIGHT / 3 * args.one_weight,
    }
    print({s: sum(1 for r, _ in rows if r[2] == s) for s in weights})

    thresholds = [(0.55, 0.3), (0.6, 0.3), (0.65, 0.3), (0.7, 0.3)]
    print("baseline (reranker p1 alone):")
    report(rows, lambda x: x[:, 0], thresholds)
    # Cross-validation grouped by entry / query: the rows of one entry's variants stay together.
    groups = sorted({g for _, g in rows})
    random.Random(SEED).shuffle(groups)
    fold_of = {g: k % 5 for k, g in enumerate(groups)}
    oof: list[tuple[Row, int]] = []
    for k in range(5):
        model = Calibrator(two_stages([r for r in rows if fold_of[r[1]] != k], weights, first, args.one_l2))
        oof += [((r[0][0], r[0][1], r[0][2]), r[1]) for r in rows if fold_of[r[1]] == k]
        for r in rows:
            if fold_of[r[1]] == k:
                _OOF[id(r[0][0])] = model.probability(r[0][0])
                _FIRST[id(r[0][0])] = model.probability(r[0][0], one_wording=False)
    print("calibrator, 5-fold cross-validated (ranked by the first stage, as search does):")
    report(oof, lambda x: _OOF[id(x)], thresholds, ranker=lambda x: _FIRST[id(x)])
    print("first stage alone, 5-fold cross-validated:")
    report(oof, lambda x: _FIRST[id(x)], thresholds)
    # Near copies of the query ordered by the reranker alone (retrieval.rank): which closeness?
    for near_ratio in (0.6, 0.7, 0.8, 0.9, 1.01):
        print(f"calibrator, cross-validated, near copies at ratio >= {near_ratio}:")
        report(oof, lambda x: _OOF[id(x)], thresholds[2:3], near_ratio=near_ratio, ranker=lambda x: _FIRST[id(x)])

    spec = two_stages(rows, weights, first, args.one_l2)
    args.out.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    for name, c, c1 in zip(ENTRY_FEATURES, spec["coef"], spec["one_wording"]["coef"], strict=True):
        print(f"  {name:<16}{c:+.3f}   one wording {c1:+.3f}")
    print(f"  {'intercept':<16}{spec['intercept']:+.3f}   one wording {spec['one_wording']['intercept']:+.3f}")
    print(f"  one-wording lift in the first stage (ranks): {spec['coef'][_ONE]:+.3f}")


def two_stages(
    rows: list[tuple[Row, int]], weights: dict[str, float], first: dict[str, Any] | None = None, l2: float = ONE_L2
) -> dict[str, Any]:
    """The first stage on its sources (or ``first`` as it is), then the one-wording correction."""
    spec = first if first is not None else fit(*stack([r for r in rows if r[0][2] not in ONE_ONLY], weights))
    return fit_one_wording(spec, *stack([r for r in rows if r[0][2] in ONE_SOURCES], weights), l2=l2)


_OOF: dict[int, np.ndarray] = {}
_FIRST: dict[int, np.ndarray] = {}

if __name__ == "__main__":
    main()
