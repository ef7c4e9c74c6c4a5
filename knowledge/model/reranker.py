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
        # For evaluation nodes are numbered 2 * i, so that 2 * i + (goes left) indexes `_next` directly:
        # _next[2 * i] is node i's right child and _next[2 * i + 1] its left one, both numbered 2 * j.
        self._next = 2 * np.stack([self.right, self.left], axis=1).ravel()
        self._feature2 = np.repeat(self.feature, 2)
        self._threshold2 = np.repeat(self.threshold, 2)
        self._value2 = np.repeat(self.value, 2)
        self._roots2 = 2 * self.roots
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
        features = np.ascontiguousarray(features, dtype=np.float64)
        flat = features.ravel()
        rows = (np.arange(features.shape[0]) * features.shape[1])[:, None]
        node = np.broadcast_to(self._roots2, (features.shape[0], self._roots2.shape[0]))
        for _ in range(self.depth):
            node = self._next[node + (flat[rows + self._feature2[node]] <= self._threshold2[node])]
        return self._value2[node].sum(axis=1) + self.bias

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = self.scale * self.margin(features) + self.shift
        return 1.0 / (1.0 + np.exp(-z))
