"""Inference for the shipped gradient-boosted reranker, in plain numpy.

knowledge/train_reranker.py trains LightGBM on the Tianchi pairs and exports the trees as flat
arrays (reranker.json); evaluating them here keeps LightGBM out of the runtime dependencies and
takes tens of microseconds for a batch of candidates.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from knowledge.model.features import FEATURE_NAMES

MODEL_PATH = Path(__file__).parent / "reranker.json"


class Reranker:
    """Flattened trees: node i splits on feature[i] at threshold[i]; leaves loop onto themselves."""

    def __init__(self, spec: dict) -> None:
        if tuple(spec["features"]) != FEATURE_NAMES:
            raise ValueError("reranker.json was trained on other features; rerun knowledge/train_reranker.py")
        self.feature = np.asarray(spec["feature"], dtype=np.intp)
        self.threshold = np.asarray(spec["threshold"], dtype=np.float64)
        self.left = np.asarray(spec["left"], dtype=np.intp)
        self.right = np.asarray(spec["right"], dtype=np.intp)
        self.value = np.asarray(spec["value"], dtype=np.float64)
        self.roots = np.asarray(spec["roots"], dtype=np.intp)
        self.depth = int(spec["depth"])
        self.bias = float(spec["bias"])
        # Platt scaling fitted on out-of-fold predictions, so that the output is a probability.
        self.scale = float(spec.get("calibration", {}).get("a", 1.0))
        self.shift = float(spec.get("calibration", {}).get("b", 0.0))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Reranker:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def margin(self, features: np.ndarray) -> np.ndarray:
        """Raw boosted score (log-odds before calibration) for each row of `features`."""
        rows = np.arange(features.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (features.shape[0], self.roots.shape[0])).copy()
        for _ in range(self.depth):
            go_left = features[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=1) + self.bias

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = self.scale * self.margin(features) + self.shift
        return 1.0 / (1.0 + np.exp(-z))
