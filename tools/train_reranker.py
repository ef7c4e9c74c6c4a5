"""Train the FAQ reranker on the Tianchi 2020 similar-question pairs and export it as JSON.

    .venv/bin/pip install lightgbm==4.6.0     # training only; the runtime evaluates the trees in numpy
    .venv/bin/python -m tools.train_reranker [--data ../shared/data/tianchi-ncov-sim] [--cv]

Only train.csv is read. --cv reports 5-fold cross-validation grouped by query1 (pair accuracy and
the dev protocol's hit@1 on held-out groups) for the parameter grid, then trains the shipped model
with the chosen parameters on all of train.csv. dev.csv is for bench/retrieval.py alone.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.model.features import FEATURE_NAMES, Analyzed, analyze, pair_features
from knowledge.model.reranker import MODEL_PATH, Reranker

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tianchi-ncov-sim"
SEED = 20200301
FOLDS = 5
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 6,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "seed": SEED,
    "verbose": -1,
}
# Smallest model first: a larger one must beat it by more than noise to be chosen, because every
# tree costs query latency.
GRID: list[dict[str, Any]] = [
    {"num_boost_round": 200},
    {"num_boost_round": 400},
    {"num_boost_round": 400, "num_leaves": 31, "max_depth": 8},
]
MIN_GAIN = 0.003


def load_groups(path: Path) -> list[list[tuple[str, str, int]]]:
    """Rows of train.csv grouped by query1, in file order."""
    groups: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["label"] in ("0", "1"):
                groups[row["query1"]].append((row["query1"], row["query2"], int(row["label"])))
    return list(groups.values())


def training_pairs(groups: list[list[tuple[str, str, int]]], rng: random.Random) -> list[tuple[str, str, int]]:
    """The labelled pairs both ways round, plus pairs implied by them and easy negatives.

    A paraphrase of query1 against a non-paraphrase of query1 is a negative too, and pairs from
    different groups teach the model what an unrelated message looks like (the labelled pairs are
    all on one topic, so without them nothing says that low overlap means "no").
    """
    pairs: list[tuple[str, str, int]] = []
    all_texts = [q2 for group in groups for _, q2, _ in group]
    for group in groups:
        q1 = group[0][0]
        positives = [q2 for _, q2, label in group if label == 1]
        negatives = [q2 for _, q2, label in group if label == 0]
        for _, q2, label in group:
            pairs.append((q1, q2, label))
            pairs.append((q2, q1, label))
        for i, a in enumerate(positives):
            for b in positives[i + 1 :]:
                pairs.append((a, b, 1))
            for n in negatives:
                pairs.append((a, n, 0))
        for _ in range(2):
            pairs.append((q1, rng.choice(all_texts), 0))
    return pairs


def featurize(pairs: list[tuple[str, str, int]], cache: dict[str, Analyzed]) -> tuple[np.ndarray, np.ndarray]:
    def get(text: str) -> Analyzed:
        if text not in cache:
            cache[text] = analyze(text)
        return cache[text]

    x = np.array([pair_features(get(a), get(b)) for a, b, _ in pairs], dtype=np.float64)
    y = np.array([label for _, _, label in pairs], dtype=np.float64)
    return x, y


def export(booster: Any, calibration: tuple[float, float]) -> dict[str, Any]:
    """Flatten LightGBM's trees into arrays that Reranker walks level by level."""
    dump = booster.dump_model()
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    depth = 0

    def add(node: dict[str, Any], level: int) -> int:
        nonlocal depth
        index = len(feature)
        feature.append(0)
        threshold.append(float("inf"))
        left.append(index)
        right.append(index)
        value.append(0.0)
        if "leaf_value" in node:
            value[index] = float(node["leaf_value"])
            depth = max(depth, level)
            return index
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')}")
        feature[index] = int(node["split_feature"])
        threshold[index] = float(node["threshold"])
        left[index] = add(node["left_child"], level + 1)
        right[index] = add(node["right_child"], level + 1)
        return index

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    return {
        "features": list(FEATURE_NAMES),
        "feature": feature,
        "threshold": threshold,
        "left": left,
        "right": right,
        "value": [round(v, 7) for v in value],
        "roots": roots,
        "depth": depth,
        "bias": 0.0,
        "calibration": {"a": calibration[0], "b": calibration[1]},
    }


def platt(margins: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a·m + b) by Newton's method on out-of-fold margins."""
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(a * margins + b)))
        w = p * (1 - p) + 1e-9
        grad = np.array([np.sum((p - labels) * margins), np.sum(p - labels)])
        hess = np.array([[np.sum(w * margins * margins), np.sum(w * margins)], [np.sum(w * margins), np.sum(w)]])
        step = np.linalg.solve(hess + 1e-6 * np.eye(2), grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def train(x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> Any:
    import lightgbm as lgb  # training-only dependency

    merged = {**PARAMS, **params}
    rounds = merged.pop("num_boost_round")
    return lgb.train(merged, lgb.Dataset(x, y), num_boost_round=rounds)


def group_hit_at_1(scores: list[float], groups: list[list[tuple[str, str, int]]]) -> float:
    """The dev protocol on held-out train groups: rank a query1's own query2s, top must be label 1."""
    hits = total = position = 0
    for group in groups:
        n = len(group)
        part = scores[position : position + n]
        position += n
        if n < 2 or not any(label for _, _, label in group):
            continue
        total += 1
        hits += group[int(np.argmax(part))][2]
    return hits / max(total, 1)


def cross_validate(
    groups: list[list[tuple[str, str, int]]], cache: dict[str, Analyzed]
) -> tuple[dict, np.ndarray, np.ndarray]:
    order = list(range(len(groups)))
    random.Random(SEED).shuffle(order)
    folds = [order[i::FOLDS] for i in range(FOLDS)]
    best: tuple[float, dict[str, Any], np.ndarray, np.ndarray] | None = None
    for params in GRID:
        oof_margin: list[np.ndarray] = []
        oof_label: list[np.ndarray] = []
        hits: list[float] = []
        accuracies: list[float] = []
        for k, held in enumerate(folds):
            held_set = set(held)
            train_groups = [g for i, g in enumerate(groups) if i not in held_set]
            test_groups = [groups[i] for i in held]
            x, y = featurize(training_pairs(train_groups, random.Random(SEED + k)), cache)
            booster = train(x, y, params)
            tx, ty = featurize([row for g in test_groups for row in g], cache)
            margin = booster.predict(tx, raw_score=True)
            oof_margin.append(margin)
            oof_label.append(ty)
            accuracies.append(float(np.mean((margin > 0) == (ty > 0.5))))
            hits.append(group_hit_at_1(list(margin), test_groups))
        mean_hit = float(np.mean(hits))
        print(f"cv {params}: pair accuracy {np.mean(accuracies):.4f}  group hit@1 {mean_hit:.4f} ± {np.std(hits):.4f}")
        if best is None or mean_hit > best[0] + MIN_GAIN:
            best = (mean_hit, params, np.concatenate(oof_margin), np.concatenate(oof_label))
    assert best is not None
    return best[1], best[2], best[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cv", action="store_true", help="cross-validate the grid before training")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()

    groups = load_groups(args.data / "train.csv")
    cache: dict[str, Analyzed] = {}
    if args.cv:
        params, oof_margin, oof_label = cross_validate(groups, cache)
        calibration = platt(oof_margin, oof_label)
    else:
        params, calibration = GRID[0], (1.0, 0.0)
    print(
        f"training on all {len(groups)} groups with {params}; calibration a={calibration[0]:.3f} b={calibration[1]:.3f}"
    )
    x, y = featurize(training_pairs(groups, random.Random(SEED)), cache)
    booster = train(x, y, params)
    spec = export(booster, calibration)
    # Recorded so that knowledge/train_calibrator.py trains its out-of-fold reranker like this one.
    spec["params"] = params
    args.out.write_text(json.dumps(spec, separators=(",", ":")), encoding="utf-8")
    # The exported arrays must reproduce LightGBM's own scores, or the runtime is not the model trained.
    gap = np.abs(Reranker(spec).margin(x[:2000]) - booster.predict(x[:2000], raw_score=True)).max()
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, {len(spec['roots'])} trees); export gap {gap:.2e}")


if __name__ == "__main__":
    main()
