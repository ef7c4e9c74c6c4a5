"""Second stage: the confidence that a candidate entry answers the query, fitted for FAQ lookup.

The reranker (reranker.py) compares the query with one question or variant at a time and was trained
on Tianchi's hard negatives, so on its own it is a strict judge of sentence pairs, not a calibrated
answer to "does this entry answer the resident?". This logistic model looks at a candidate *entry*:
the reranker's best and second-best probability over the entry's units (several variants agreeing is
strong evidence), the margin to the best other entry, how much of the query's informative words the
entry's wording and answer cover, the strongest query word the entry does not contain, and whether
the index knows the query's words at all (chit-chat about cats or weather shares none of them).
tools/train_calibrator.py fits it on leave-one-out content variants, resident questions, simulated
Tianchi FAQs and out-of-domain messages; see bench/policy_eval.md.

An entry staff just added has one wording and no variants: no other wording can agree with its best
one, and its one wording covers fewer of a resident's words, so evidence that is plain for it read as
weak to a model fitted on entries with several. Such an entry (`one_wording`) gets two things, fitted
only on rows where the candidate has one wording (content entries cut to their question and asked in
their variants' words, Tianchi FAQs, look-alikes against content cut to one wording), on top of the
model above, which is kept as it was: a constant lift of its log-odds (the `one_wording` coefficient),
which ranking sees, and a correction over all the features (`correction`), which only the confidence
sees. Entries with variants keep the first model's probability unchanged (bench/retrieval.md, eleventh
pass).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CALIBRATOR_PATH = Path(__file__).parent / "calibrator.json"

ENTRY_FEATURES: tuple[str, ...] = (
    "p1",  # best reranker probability over the entry's candidate units
    "p2",  # second best over the same entry's units (agreement of several variants)
    "n_units",  # how many of the entry's wordings (question, variants) have a unit among the candidates
    "cov_unit",  # BM25 coverage of the query by the best unit
    "w_cov_units",  # weighted share of query words found in the entry's questions/variants
    "w_cov_all",  # ... found in questions, variants or answer
    "b_cov_answer",  # share of query bigrams found in the answer
    "w_unmatched",  # weight of the most informative query word the entry does not contain
    "w_cov_index",  # weighted share of query words found anywhere in the index (query level)
    "gap",  # p1 minus the best p1 of the other candidates
    "rank1",  # 1 when this entry has the best p1
    "answer_only",  # found only through its answer text
    "log_len_q",  # log of the query's length in characters
    "n_words_q",  # content words in the query
    "cov_x_p1",  # w_cov_all × p1
    "u_w_cov_q",  # the reranker's weighted query coverage by the best unit
    "u_w_unmatched_q",  # ... its most informative query word missing from the best unit
    "u_ratio",  # ... fuzzy ratio with the best unit
    "one_wording",  # 1 when the entry has a single wording (no variants): n_units and p2 cannot grow
)

_ONE_WORDING = ENTRY_FEATURES.index("one_wording")


class Calibrator:
    def __init__(self, spec: dict) -> None:
        if tuple(spec["features"]) != ENTRY_FEATURES:
            raise ValueError("calibrator.json was fitted on other features; rerun tools/train_calibrator.py")
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.intercept = float(spec["intercept"])
        # The second stage for entries with one wording: no stage, no correction.
        single = spec.get("one_wording") or {"coef": [0.0] * len(ENTRY_FEATURES), "intercept": 0.0}
        self.single_coef = np.asarray(single["coef"], dtype=np.float64)
        self.single_intercept = float(single["intercept"])

    @classmethod
    def load(cls, path: Path = CALIBRATOR_PATH) -> Calibrator:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def first_stage(self, x: np.ndarray) -> np.ndarray:
        """Log-odds of the first model (with its constant lift for one-wording entries): what ranks."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def correction(self, x: np.ndarray) -> np.ndarray:
        """What the second stage adds to the log-odds: nothing for an entry with several wordings."""
        z = ((x - self.mean) / self.scale) @ self.single_coef + self.single_intercept
        return np.where(x[:, _ONE_WORDING] > 0, z, 0.0)

    def probability(self, x: np.ndarray, one_wording: bool = True) -> np.ndarray:
        """The probability that each candidate answers; without ``one_wording``, the first stage's alone.

        The first stage alone is what candidates are ranked by (knowledge/scoring.py): the correction
        says how sure a lone wording is, not which of several lone wordings is meant.
        """
        z = self.first_stage(x) + (self.correction(x) if one_wording else 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
