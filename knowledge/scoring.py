"""What a candidate entry's evidence means: the thresholds, the calibrated confidence and the order of hits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from knowledge.model.calibrator import ENTRY_FEATURES, Calibrator
from knowledge.model.features import FEATURE_NAMES
from knowledge.model.reranker import Reranker

# Chosen on the calibration data (never on the held-out questions); see bench/policy_eval.md.
ANSWER_THRESHOLD: float = 0.65
SUGGEST_THRESHOLD: float = 0.30
# Below ANSWER_THRESHOLD, an entry this likely and this far ahead of the next one is answered
# tentatively: its answer is shown with the other choices after it, instead of a list to pick from
# (one message fewer for the resident). Chosen on the development questions and the out-of-domain
# messages, never on the held-out sets (bench/policy_eval.md, eighth pass).
LIKELY_THRESHOLD: float = 0.55
LIKELY_GAP: float = 0.20

# A resident's message longer than this is not a question to look up; cutting it keeps every
# query inside the latency budget whatever is pasted in.
MAX_QUERY_CHARS = 80
# Question/variant units and answers considered per query.
CANDIDATE_UNITS = 8
# An entry with many variants could otherwise fill every candidate slot with its own wordings,
# crowding out the other entries and making "how many of its units matched" a count of its variants.
UNITS_PER_ENTRY = 3
CANDIDATE_ANSWERS = 3
# A match found only in an answer's text is weaker evidence than a matching question: it can be
# offered as a choice but never answered outright.
ANSWER_ONLY_CAP = 0.9 * ANSWER_THRESHOLD
# The content is about people. "狗狗发烧吃啥药" shares every other word with "发烧吃啥药", so a message
# naming an animal is never answered nor offered an entry that does not name an animal of it.
ANIMAL_WORDS = ("猫", "狗", "宠物", "兔子", "仓鼠", "鹦鹉", "金鱼", "乌龟")
# Candidates this close to the query (fuzzy ratio with their best unit) are near copies of it: the
# reranker alone orders them (see `rank`).
NEAR_DUPLICATE_RATIO = 0.8
# A message made only of these words is an acknowledgement ("知道了 谢谢", "行 我晓得了"), not a
# question, however well it matches a short variant.
_ACKNOWLEDGEMENTS = frozenset(
    ["知道", "明白", "懂", "清楚", "行", "好", "可以", "没事", "对", "是的", "不用", "不要", "算了", "晓得"]
)
_SENTENCE_END = re.compile(r"[？?！!；;。]+")
_NO_WORDS: frozenset[str] = frozenset()
_FEATURE_INDEX = {name: i for i, name in enumerate(ENTRY_FEATURES)}
# Pair features of the best unit that the calibrator sees as well.
_PAIR_COLUMNS = [FEATURE_NAMES.index(name) for name in ("w_cov_q", "w_unmatched_q", "ratio")]


@dataclass(frozen=True)
class Document:
    """What the index needs from one FAQ entry."""

    id: int
    question: str
    variants: tuple[str, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class Hit:
    id: int
    score: float  # calibrated confidence in [0, 1]: probability that this entry answers the query
    matched: str  # the question/variant text that matched best


@lru_cache(maxsize=1)
def _reranker() -> Reranker:
    return Reranker.load()


@lru_cache(maxsize=1)
def _calibrator() -> Calibrator:
    return Calibrator.load()


def _covers(word: str, blob: str, entry_words: frozenset[str]) -> bool:
    """Whether an entry covers a query word; a one-character word only as a word of the entry's own.

    A character is not a word just because it appears somewhere in the entry: 退 in 个税怎么退 is not
    the 退 of 退烧药, and 疼 in 牙疼 is not the 疼 of 嗓子疼. Answers are not segmented, so they cover
    words of two or more characters only.
    """
    return word in entry_words if len(word) == 1 else word in blob


def _unit_texts(doc: Document) -> list[tuple[str, int]]:
    """The question, the variants, and each sentence of a compound one, with the wording each comes from.

    Staff write "怎样选择口罩？买不到口罩怎么办？" as one entry; a resident asks one half of it, and
    compared with the whole the extra half reads as a different question. The sentences remain one
    wording: several *wordings* of an entry agreeing is evidence, one wording cut in three is not.
    """
    texts = list(dict.fromkeys(t for t in (doc.question, *doc.variants) if t.strip()))
    parts = [(p, k) for k, t in enumerate(texts) for p in _SENTENCE_END.split(t) if len(p.strip()) >= 4]
    units: dict[str, int] = {}
    for text, k in [(t, k) for k, t in enumerate(texts)] + (parts if len(parts) > len(texts) else []):
        units.setdefault(text, k)
    return list(units.items())


def is_likely(scores: Sequence[float]) -> bool:
    """Whether the best of these descending scores is answered tentatively (see LIKELY_THRESHOLD)."""
    if not scores or scores[0] >= ANSWER_THRESHOLD or scores[0] < LIKELY_THRESHOLD:
        return False
    return scores[0] - (scores[1] if len(scores) > 1 else 0.0) >= LIKELY_GAP


def confidence(rows: np.ndarray, one_wording: bool = True) -> np.ndarray:
    """The calibrator's probability for each candidate entry, with the answer-only cap and exact matches.

    Without ``one_wording``, the first stage's alone (no correction for entries with a single wording):
    what `FaqIndex.search` ranks by.
    """
    scores = _calibrator().probability(rows, one_wording)
    answer_only = rows[:, _FEATURE_INDEX["answer_only"]] > 0
    scores = np.where(answer_only, np.minimum(scores, ANSWER_ONLY_CAP), scores)
    exact = rows[:, _FEATURE_INDEX["p1"]] >= 1.0
    return np.where(exact, np.maximum(scores, 0.99), scores)


def rank(
    rows: np.ndarray, scores: np.ndarray, positions: list[int] | None = None, near_ratio: float | None = None
) -> list[int]:
    """Candidate order: by confidence, except that near copies of the query are ordered by the reranker.

    When the most confident entry is a near copy of the query (fuzzy ratio with its best unit >=
    NEAR_DUPLICATE_RATIO), the other near copies compete with it on the reranker's probability alone:
    they share nearly all their words with the query, so the coverage evidence the calibrator adds
    cannot tell them apart, and the reranker was trained on exactly that distinction (what causes it
    vs how to treat it). Chosen by cross-validation in knowledge/train_calibrator.py.
    """
    n = rows.shape[0]
    tie = positions if positions is not None else list(range(n))
    order = sorted(range(n), key=lambda i: (-scores[i], -rows[i, 0], tie[i]))
    if n < 2:
        return order
    threshold = NEAR_DUPLICATE_RATIO if near_ratio is None else near_ratio
    near = rows[:, _FEATURE_INDEX["u_ratio"]] >= threshold
    if not near[order[0]]:
        return order
    first = sorted((i for i in order if near[i]), key=lambda i: (-rows[i, 0], -scores[i], tie[i]))
    return first + [i for i in order if not near[i]]
