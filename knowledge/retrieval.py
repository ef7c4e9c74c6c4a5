"""FAQ retrieval: BM25 finds candidates, a learned reranker compares them, a calibrator says how sure.

Three stages, because they need different things.
1. BM25 over words, character bigrams and characters of questions/variants (and, separately, over
   character bigrams of answers) is cheap and recalls the right entry among its top few units even
   for colloquial wording.
2. The reranker (knowledge/model/reranker.py, trained on Tianchi pairs) looks at each candidate
   question or variant next to the query — overlap of informative words, fuzzy ratios, and whether
   both ask the same thing (cause vs treatment, can-I vs how-to).
3. The calibrator (knowledge/model/calibrator.py, fitted for FAQ lookup on leave-one-out content
   variants, simulated Tianchi FAQs and out-of-domain messages) turns the evidence about each
   candidate *entry* into the probability that it answers the query. That probability ranks the
   entries and is what the caller compares with the thresholds, except among near copies of the
   query, which the reranker alone orders (`rank`); a hit's score is never above the one before it.
   An entry with one wording (as staff add them) is told with a second-stage correction of that
   probability, and ranked without it (bench/retrieval.md, eleventh pass).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import numpy as np

from knowledge.bm25 import (
    _analyze_cached,
    _answer_compact,
    _answer_terms,
    _bag,
    _Bm25,
    _char_bag,
    _top,
    _unit_terms,
)
from knowledge.model.calibrator import ENTRY_FEATURES
from knowledge.model.features import Analyzed, analyze, pair_features, weight
from knowledge.model.reranker import Reranker
from knowledge.scoring import (
    _ACKNOWLEDGEMENTS,
    _FEATURE_INDEX,
    _PAIR_COLUMNS,
    ANIMAL_WORDS,
    CANDIDATE_ANSWERS,
    CANDIDATE_UNITS,
    MAX_QUERY_CHARS,
    SUGGEST_THRESHOLD,
    UNITS_PER_ENTRY,
    Document,
    Hit,
    _calibrator,
    _reranker,
    _unit_texts,
    confidence,
    rank,
)


class FaqIndex:
    """Immutable once built; `search` only reads, so threads may share one index."""

    def __init__(
        self,
        docs: tuple[Document, ...],
        units: tuple[tuple[int, str, int], ...],
        answers: tuple[tuple[int, str], ...],
    ) -> None:
        self._docs = docs
        # (position in docs, text, wording): questions, variants and their sentences; a sentence has
        # the wording number of the question or variant it was cut from.
        self._units = units
        self._answers = answers  # (position in docs, text) for entries with an answer
        self._unit_analysis = tuple(_analyze_cached(text) for _, text, _ in units)
        self._unit_bm25 = _Bm25([_unit_terms(text) for _, text, _ in units])
        self._answer_bm25 = _Bm25([_answer_terms(text) for _, text in answers])
        # Per entry, the compact wording of all its units and of its answer, for coverage features.
        unit_blobs: list[list[str]] = [[] for _ in docs]
        for (position, _, _), analysis in zip(units, self._unit_analysis, strict=True):
            unit_blobs[position].append(analysis.compact)
        self._unit_blob = tuple("|".join(parts) for parts in unit_blobs)
        unit_words: list[set[str]] = [set() for _ in docs]
        for (position, _, _), analysis in zip(units, self._unit_analysis, strict=True):
            unit_words[position].update(analysis.word_set)
        self._unit_words = tuple(frozenset(w) for w in unit_words)
        wordings: list[set[int]] = [set() for _ in docs]
        for position, _, wording in units:
            wordings[position].add(wording)
        self._one_wording = tuple(len(k) == 1 for k in wordings)  # an answer-only entry has none
        answer_blob = [""] * len(docs)
        for position, text in answers:
            answer_blob[position] = _answer_compact(text).replace(" ", "")
        self._answer_blob = tuple(answer_blob)

    @classmethod
    def build(cls, docs: Iterable[Document]) -> FaqIndex:
        _reranker()  # loaded here, so that the first resident's question does not pay for it
        _calibrator()
        entries = tuple(docs)
        units: list[tuple[int, str, int]] = []
        answers: list[tuple[int, str]] = []
        for position, doc in enumerate(entries):
            units.extend((position, text, k) for text, k in _unit_texts(doc) if _analyze_cached(text).compact)
            if doc.answer.strip():
                answers.append((position, doc.answer))
        return cls(entries, tuple(units), tuple(answers))

    def __len__(self) -> int:
        return len(self._docs)

    def _diverse(self, ranked: np.ndarray) -> np.ndarray:
        """The best CANDIDATE_UNITS units, at most UNITS_PER_ENTRY of them from one entry."""
        taken: Counter[int] = Counter()
        chosen: list[int] = []
        for u in ranked.tolist():
            position = self._units[u][0]
            if taken[position] < UNITS_PER_ENTRY:
                taken[position] += 1
                chosen.append(u)
                if len(chosen) == CANDIDATE_UNITS:
                    break
        return np.asarray(chosen, dtype=np.int64)

    def candidates(
        self, query: str, reranker: Reranker | None = None
    ) -> tuple[list[int], np.ndarray, list[str], Analyzed | None]:
        """Candidate entries (positions in docs), their ENTRY_FEATURES rows and matched texts.

        Public for knowledge/train_calibrator.py, which fits the calibrator on these very rows.
        """
        empty = np.zeros((0, len(ENTRY_FEATURES)))
        if not isinstance(query, str) or not self._docs:
            return [], empty, [], None
        q = analyze(query[:MAX_QUERY_CHARS])
        if not q.words or q.word_set <= _ACKNOWLEDGEMENTS:  # punctuation, particles, pleasantries
            return [], empty, [], q
        model = reranker or _reranker()
        bag = _bag(q)
        # position in docs → {wording: its best unit probability}, matched text, coverage
        p_units: dict[int, dict[int, float]] = {}
        matched: dict[int, tuple[float, str]] = {}
        best_pair: dict[int, tuple[float, float, float]] = {}
        cov_unit: dict[int, float] = {}

        unit_scores, unit_ceiling = self._unit_bm25.scores(bag)
        top_units = self._diverse(_top(unit_scores, 3 * CANDIDATE_UNITS))
        exact: set[int] = set()
        if top_units.size:
            features = np.array([pair_features(q, self._unit_analysis[u]) for u in top_units])
            probabilities = model.probability(features).tolist()
            coverage = np.minimum(1.0, unit_scores[top_units] / max(unit_ceiling, 1e-9)).tolist()
            pairs = features[:, _PAIR_COLUMNS].tolist()
            for u, p, c, pair in zip(top_units.tolist(), probabilities, coverage, pairs, strict=True):
                position, text, wording = self._units[u]
                if self._unit_analysis[u].compact == q.compact:
                    exact.add(position)
                    p = 1.0
                wordings = p_units.setdefault(position, {})
                wordings[wording] = max(p, wordings.get(wording, 0.0))
                if position not in matched or p > matched[position][0]:
                    matched[position] = (p, text)
                    best_pair[position] = (pair[0], pair[1], pair[2])
                cov_unit[position] = max(cov_unit.get(position, 0.0), c)

        answer_cov: dict[int, float] = {}
        if self._answers:
            answer_scores, ceiling = self._answer_bm25.scores(_char_bag(q.text))
            for a in _top(answer_scores, CANDIDATE_ANSWERS).tolist():
                position, _ = self._answers[a]
                answer_cov[position] = min(1.0, float(answer_scores[a]) / max(ceiling, 1e-9))

        positions = list(dict.fromkeys([*p_units, *answer_cov]))
        if not positions:
            return [], empty, [], q

        words = sorted(q.word_set)
        weights = [weight(w) for w in words]
        total = sum(weights) or 1.0
        has = self._unit_bm25.has_any(["#" + w for w in words])
        known = sum(wt for wt, hit in zip(weights, has, strict=True) if hit)
        bigrams = [b for b in q.bigrams]
        word_info = [(w, wt, len(w) > 1) for w, wt in zip(words, weights, strict=True)]
        best_p1 = [max(p_units[pos].values()) if pos in p_units else 0.0 for pos in positions]
        top_p1 = max(best_p1)
        # The best p1 among the *other* candidates is top_p1, except for the one entry that alone holds it.
        lone_top = best_p1.count(top_p1) == 1
        runner_up = max((b for b in best_p1 if b != top_p1), default=0.0)
        rows = np.zeros((len(positions), len(ENTRY_FEATURES)))
        for i, pos in enumerate(positions):
            probs = sorted(p_units[pos].values(), reverse=True) if pos in p_units else []
            p1 = probs[0] if probs else 0.0
            units_blob, answer_blob = self._unit_blob[pos], self._answer_blob[pos]
            entry_words = self._unit_words[pos]
            # Weighted shares of the query's words covered by the entry's units / by units or answer
            # (see _covers), summed in the query's word order; and the strongest word left uncovered.
            in_units_weight: float = 0  # an int start, as sum() had
            in_all_weight: float = 0
            unmatched: list[float] = []
            for w, wt, several in word_info:
                if (w in units_blob) if several else (w in entry_words):
                    in_units_weight += wt
                    in_all_weight += wt
                elif several and w in answer_blob:
                    in_all_weight += wt
                else:
                    unmatched.append(wt)
            w_cov_units = in_units_weight / total
            w_cov_all = in_all_weight / total
            w_unmatched = max(unmatched, default=0.0)
            pair = best_pair.get(pos, (0.0, 0.0, 0.0))
            best_other = runner_up if lone_top and best_p1[i] == top_p1 else top_p1
            rows[i] = (
                p1,
                probs[1] if len(probs) > 1 else 0.0,
                float(len(probs)),
                cov_unit.get(pos, 0.0),
                w_cov_units,
                w_cov_all,
                (len([b for b in bigrams if b in answer_blob]) / len(bigrams)) if bigrams and answer_blob else 0.0,
                w_unmatched,
                known / total,
                p1 - best_other,
                1.0 if p1 >= top_p1 and probs else 0.0,
                0.0 if probs else 1.0,
                math.log1p(len(q.compact)),
                float(len(words)),
                w_cov_all * p1,
                *pair,
                1.0 if self._one_wording[pos] else 0.0,
            )
        texts = [
            matched[pos][1] if pos in matched else (self._docs[pos].question or self._docs[pos].answer)
            for pos in positions
        ]
        for pos in exact:
            rows[positions.index(pos), _FEATURE_INDEX["p1"]] = 1.0
        return positions, rows, texts, q

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """Best entries first, each with a calibrated confidence; [] when nothing is worth showing."""
        if not isinstance(query, str) or k <= 0 or not self._docs:
            return []
        positions, rows, texts, q = self.candidates(query)
        if not positions or q is None:
            return []
        # Ranked by the first stage, told with the one-wording correction (knowledge/model/calibrator.py):
        # how sure an entry staff just added is does not change which entry is meant.
        scores, first = confidence(rows), confidence(rows, one_wording=False)
        animals = [w for w in ANIMAL_WORDS if w in q.text]
        if animals:
            named = [any(w in self._unit_blob[p] or w in self._answer_blob[p] for w in animals) for p in positions]
            scores = np.where(named, scores, np.minimum(scores, 0.5 * SUGGEST_THRESHOLD))
            first = np.where(named, first, np.minimum(first, 0.5 * SUGGEST_THRESHOLD))
        order = rank(rows, first, positions)[:k]
        # Never surer of an entry than of the one ranked above it.
        shown = np.minimum.accumulate(scores[order])
        return [
            Hit(id=self._docs[positions[i]].id, score=round(float(score), 4), matched=texts[i])
            for i, score in zip(order, shown.tolist(), strict=True)
        ]
