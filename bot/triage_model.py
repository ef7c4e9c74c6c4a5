"""A learned second opinion for red-flag triage: character n-grams, logistic regression.

The word-class rules in bot/triage.py met each newly written set of resident messages with about a
third of its emergencies missed (bench/intent_eval.md): people describe what they see in words no list
anticipates. This model reads the same messages as character 1–3-grams and flags what *looks like* the
emergencies it was trained on (tools/train_triage.py: every labelled set in bench/data/, negatives from
the policy content, our questions and medical search queries). Triage raises a flag when the rules
or this model do; the model never clears what a rule caught.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).parent / "model" / "triage_ngrams.npz"
BUCKETS = 1 << 16
log = logging.getLogger(__name__)
_SEPARATORS = re.compile(r"[\s\W_]+")


def ngram_ids(text: str) -> np.ndarray:
    """Hashed character 1-, 2- and 3-grams within each piece of the text (a stable hash: crc32)."""
    cleaned = _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).lower())
    ids = {
        zlib.crc32(piece[i : i + n].encode("utf-8")) % BUCKETS
        for piece in cleaned.split()
        for n in (1, 2, 3)
        for i in range(len(piece) - n + 1)
    }
    return np.fromiter(ids, dtype=np.int64, count=len(ids))


class TriageModel:
    def __init__(self, weights: np.ndarray, bias: float, threshold: float) -> None:
        self.weights = weights
        self.bias = bias
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> TriageModel:
        with np.load(path) as data:
            return cls(data["weights"].astype(np.float64), float(data["bias"]), float(data["threshold"]))

    def probability(self, text: str) -> float:
        ids = ngram_ids(text[:500])
        z = float(self.weights[ids].sum()) + self.bias if ids.size else self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def flags(self, text: str) -> bool:
        return self.probability(text) >= self.threshold


@lru_cache(maxsize=1)
def model() -> TriageModel | None:
    """The shipped model, or None when the file is missing (the rules then work alone)."""
    try:
        return TriageModel.load()
    except FileNotFoundError:
        log.warning("triage model %s is missing: red flags are found by the rules alone", MODEL_PATH)
        return None
