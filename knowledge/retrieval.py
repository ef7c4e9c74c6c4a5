"""FAQ retrieval: BM25 finds candidates, a learned reranker scores them as calibrated probabilities.

Two stages, because they need different things. BM25 over words, character bigrams and characters
(weights from the indexed entries) is cheap and recalls the right entry among its top few dozen
units even for colloquial wording. The reranker (knowledge/model/) then looks at each candidate
question or variant next to the query — overlap of informative words, fuzzy ratios, and above all
whether both ask the same thing (cause vs treatment, can-I vs how-to) — and says how likely it is
that the entry answers the query. That probability is what the caller compares with the thresholds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from knowledge.model.features import Analyzed, analyze, pair_features
from knowledge.model.reranker import Reranker

# Chosen on cross-validated Tianchi train groups and out-of-domain chit-chat; see bench/retrieval.md.
ANSWER_THRESHOLD: float = 0.60
SUGGEST_THRESHOLD: float = 0.30

# A resident's message longer than this is not a question to look up; cutting it keeps every
# query inside the latency budget whatever is pasted in.
MAX_QUERY_CHARS = 80
# Question/variant units and answers re-scored by the reranker per query.
CANDIDATE_UNITS = 8
CANDIDATE_ANSWERS = 3
# A match found only in an answer's text is weaker evidence than a matching question: it can be
# offered as a choice but never answered outright.
ANSWER_ONLY_CAP = 0.9 * ANSWER_THRESHOLD
K1, B = 1.2, 0.75
# How much of the confidence comes from BM25 coverage of the query rather than from the reranker.
# The reranker is strict (it was trained to reject near-duplicates that ask something else); an FAQ
# entry's wording is often longer than a resident's question, and the share of the query's terms
# it covers is independent evidence. Fixed a priori, not fitted on the benchmark sets.
BM25_SHARE = 0.3
_SENTENCE_END = re.compile(r"[？?！!；;。]+")


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


@lru_cache(maxsize=50_000)
def _analyze_cached(text: str) -> Analyzed:
    # A staff edit changes one entry; the rebuild that follows re-analyses only that entry.
    return analyze(text)


# Terms are interned once per process, so that a text's term ids can be cached across rebuilds.
# Only ever grows; dict.setdefault is atomic under the GIL, so concurrent builds are safe.
_TERM_IDS: dict[str, int] = {}


def _bag(a: Analyzed) -> Counter[str]:
    # Words are prefixed so that a two-character word and the same bigram stay distinct terms.
    bag: Counter[str] = Counter("#" + w for w in a.words)
    bag.update(a.bigrams)
    bag.update(a.chars)
    return bag


@lru_cache(maxsize=50_000)
def _term_arrays(text: str) -> tuple[np.ndarray, np.ndarray]:
    bag = _bag(_analyze_cached(text))
    ids = np.fromiter((_TERM_IDS.setdefault(t, len(_TERM_IDS)) for t in bag), dtype=np.int64, count=len(bag))
    return ids, np.fromiter(bag.values(), dtype=np.float64, count=len(bag))


class _Bm25:
    """Okapi BM25 over one field, as a compressed inverted index; a query is one bincount."""

    def __init__(self, texts: list[str]) -> None:
        self.size = len(texts)
        arrays = [_term_arrays(t) for t in texts]
        lengths = np.array([tf.sum() for _, tf in arrays]) if arrays else np.zeros(0)
        counts = np.array([ids.size for ids, _ in arrays], dtype=np.int64)
        terms = np.concatenate([ids for ids, _ in arrays]) if arrays else np.zeros(0, dtype=np.int64)
        tf = np.concatenate([tf for _, tf in arrays]) if arrays else np.zeros(0)
        units = np.repeat(np.arange(self.size, dtype=np.int64), counts)
        norm = K1 * (1 - B + B * lengths / max(float(lengths.mean()) if self.size else 1.0, 1e-9))
        vocabulary = len(_TERM_IDS)
        df = np.bincount(terms, minlength=vocabulary).astype(np.float64)
        self.idf = np.log1p((self.size - df + 0.5) / (df + 0.5))
        order = np.argsort(terms, kind="stable")
        self.units = units[order]
        self.weights = (tf * (K1 + 1) / (tf + norm[units]))[order] * self.idf[terms[order]]
        self.start = np.concatenate([[0], np.cumsum(df.astype(np.int64))])
        self.vocabulary = vocabulary

    def scores(self, bag: Counter[str]) -> tuple[np.ndarray, float]:
        """Score of every unit, and the best score a unit could reach (to normalise into [0, 1])."""
        slices, ceiling = [], 0.0
        for term in bag:
            tid = _TERM_IDS.get(term)
            if tid is None or tid >= self.vocabulary or self.start[tid] == self.start[tid + 1]:
                continue
            slices.append(slice(self.start[tid], self.start[tid + 1]))
            ceiling += float(self.idf[tid]) * (K1 + 1)
        if not slices:
            return np.zeros(self.size), 0.0
        units = np.concatenate([self.units[s] for s in slices])
        weights = np.concatenate([self.weights[s] for s in slices])
        return np.bincount(units, weights, minlength=self.size), ceiling


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n best positive scores, best first."""
    part = np.argpartition(-scores, n)[:n] if scores.size > n else np.arange(scores.size)
    part = part[scores[part] > 0]
    return part[np.argsort(-scores[part], kind="stable")]


def _unit_texts(doc: Document) -> list[str]:
    """The question, the variants, and each sentence of a compound one.

    Staff write "怎样选择口罩？买不到口罩怎么办？" as one entry; a resident asks one half of it, and
    compared with the whole the extra half reads as a different question.
    """
    texts = [t for t in (doc.question, *doc.variants) if t.strip()]
    parts = [p for t in texts for p in _SENTENCE_END.split(t) if len(p.strip()) >= 4]
    return list(dict.fromkeys(texts + (parts if len(parts) > len(texts) else [])))


class FaqIndex:
    """Immutable once built; `search` only reads, so threads may share one index."""

    def __init__(
        self, docs: tuple[Document, ...], units: tuple[tuple[int, str], ...], answers: tuple[tuple[int, str], ...]
    ) -> None:
        self._docs = docs
        self._units = units  # (position in docs, text): questions, variants and their sentences
        self._answers = answers  # (position in docs, text) for entries with an answer
        self._unit_analysis = tuple(_analyze_cached(text) for _, text in units)
        self._unit_bm25 = _Bm25([text for _, text in units])
        self._answer_bm25 = _Bm25([text for _, text in answers])

    @classmethod
    def build(cls, docs: Iterable[Document]) -> FaqIndex:
        _reranker()  # loaded here, so that the first resident's question does not pay for it
        entries = tuple(docs)
        units: list[tuple[int, str]] = []
        answers: list[tuple[int, str]] = []
        for position, doc in enumerate(entries):
            units.extend((position, text) for text in _unit_texts(doc) if _analyze_cached(text).compact)
            if doc.answer.strip():
                answers.append((position, doc.answer))
        return cls(entries, tuple(units), tuple(answers))

    def __len__(self) -> int:
        return len(self._docs)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """Best entries first, each with a calibrated confidence; [] when nothing is worth showing."""
        if not isinstance(query, str) or k <= 0 or not self._docs:
            return []
        q = analyze(query[:MAX_QUERY_CHARS])
        if not q.words:  # only punctuation, emoji, particles or pleasantries
            return []
        bag = _bag(q)
        # position in docs → (confidence, matched text, bm25 for tie-breaks)
        best: dict[int, tuple[float, str, float]] = {}

        unit_scores, unit_ceiling = self._unit_bm25.scores(bag)
        top_units = _top(unit_scores, CANDIDATE_UNITS)
        if top_units.size:
            features = np.array([pair_features(q, self._unit_analysis[u]) for u in top_units])
            probabilities = _reranker().probability(features)
            coverage = np.minimum(1.0, unit_scores[top_units] / unit_ceiling)
            blended = (1 - BM25_SHARE) * probabilities + BM25_SHARE * coverage
            for u, p in zip(top_units.tolist(), blended.tolist(), strict=True):
                position, text = self._units[u]
                if self._unit_analysis[u].compact == q.compact:
                    p = max(p, 0.99)  # the same question, once normalised
                current = best.get(position)
                candidate = (p, text, float(unit_scores[u]))
                if current is None or candidate[0] > current[0]:
                    best[position] = candidate

        answer_scores, ceiling = self._answer_bm25.scores(bag)
        for a in _top(answer_scores, CANDIDATE_ANSWERS).tolist():
            position, _ = self._answers[a]
            p = ANSWER_ONLY_CAP * min(1.0, float(answer_scores[a]) / ceiling)
            current = best.get(position)
            if current is None or p > current[0]:
                doc = self._docs[position]
                best[position] = (p, doc.question or doc.answer, float(answer_scores[a]))

        ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][2], item[0]))
        return [Hit(id=self._docs[pos].id, score=round(p, 4), matched=text) for pos, (p, text, _) in ranked[:k]]
