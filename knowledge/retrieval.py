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
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from knowledge.model.calibrator import ENTRY_FEATURES, Calibrator
from knowledge.model.features import FEATURE_NAMES, Analyzed, analyze, pair_features, weight
from knowledge.model.reranker import Reranker
from knowledge.normalize import _segment_piece, normalize

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
K1, B = 1.2, 0.75
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


@lru_cache(maxsize=50_000)
def _analyze_cached(text: str) -> Analyzed:
    # A staff edit changes one entry; the rebuild that follows re-analyses only that entry.
    return analyze(text)


@lru_cache(maxsize=50_000)
def _answer_compact(text: str) -> str:
    """Answers are only matched on characters and bigrams: no segmentation, which is most of a build."""
    return normalize(text)


# Terms are numbers, so that a build sorts arrays instead of interning strings one at a time:
# a character is its code point, a bigram packs both code points above every character, and a
# jieba word (prefixed "#" in a bag, so that a two-character word and the same bigram stay distinct
# terms) is an interned number above every bigram. Words are interned once per process, so a text's
# term array can be cached across rebuilds; dict.setdefault is atomic under the GIL, so concurrent
# builds are safe.
_CHAR_BITS = 21  # every Unicode code point fits
_WORD_BASE = 1 << 48
_WORD_IDS: dict[str, int] = {}


def _bag(a: Analyzed) -> Counter[str]:
    bag: Counter[str] = Counter("#" + w for w in a.words)
    bag.update(a.bigrams)
    bag.update(a.chars)
    return bag


def _char_bag(normalized: str) -> Counter[str]:
    bag: Counter[str] = Counter()
    for piece in normalized.split():
        bag.update(piece)
        bag.update(piece[i : i + 2] for i in range(len(piece) - 1))
    return bag


def _term_codes(terms: list[str]) -> np.ndarray:
    """The numbers of a bag's terms ("#word", a bigram or a character); -1 for a word never indexed."""
    words = _WORD_IDS
    return np.array(
        [
            (_WORD_BASE + words[t] if t in words else -1)
            if t[0] == "#"
            else (ord(t) if len(t) == 1 else ((ord(t[0]) + 1) << _CHAR_BITS) | ord(t[1]))
            for t in terms
        ],
        dtype=np.int64,
    )


@lru_cache(maxsize=50_000)
def _unit_terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Term numbers of a question/variant and their counts: its words, bigrams and characters (_bag)."""
    a = _analyze_cached(text)
    words = Counter(a.words)
    codes = [_WORD_BASE + _WORD_IDS.setdefault("#" + w, len(_WORD_IDS)) for w in words]
    counts = [float(c) for c in words.values()]
    codes += [((ord(b[0]) + 1) << _CHAR_BITS) | ord(b[1]) for b in a.bigrams]
    codes += [ord(c) for c in a.chars]
    counts += [1.0] * (len(a.bigrams) + len(a.chars))
    # Sorted, so that the index build's stable sort merges ready-made runs (the order of a unit's
    # terms changes nothing: each term occurs once per unit).
    order = np.argsort(codes, kind="stable")
    return np.array(codes, dtype=np.int64)[order], np.array(counts, dtype=np.float64)[order]


@lru_cache(maxsize=50_000)
def _answer_terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Term numbers of an answer's characters and bigrams within each piece, with counts (_char_bag)."""
    normalized = _answer_compact(text)
    points = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    space = points == ord(" ")
    pair = ~(space[:-1] | space[1:])
    codes = np.concatenate([points[~space], ((points[:-1][pair] + 1) << _CHAR_BITS) | points[1:][pair]])
    unique, counts = np.unique(codes, return_counts=True)
    return unique, counts.astype(np.float64)


def clear_caches() -> None:
    """Forget every cached analysis (for benchmarks that time a first build; the product never needs it)."""
    for cached in (_analyze_cached, _answer_compact, _unit_terms, _answer_terms, _segment_piece):
        cached.cache_clear()


class _Bm25:
    """Okapi BM25 over one field, as a compressed inverted index; a query is one bincount."""

    def __init__(self, arrays: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.size = len(arrays)
        counts = np.array([codes.size for codes, _ in arrays], dtype=np.int64)
        codes = np.concatenate([c for c, _ in arrays]) if arrays else np.zeros(0, dtype=np.int64)
        tf = np.concatenate([tf for _, tf in arrays]) if arrays else np.zeros(0)
        units = np.repeat(np.arange(self.size, dtype=np.int64), counts)
        # Term counts are whole numbers, so this sum is exact in any order.
        lengths = np.bincount(units, weights=tf, minlength=self.size)
        norm = K1 * (1 - B + B * lengths / max(float(lengths.mean()) if self.size else 1.0, 1e-9))
        # One stable sort by term: postings in unit order within each term, the vocabulary sorted.
        order = np.argsort(codes, kind="stable")
        ordered = codes[order]
        first = np.ones(ordered.size, dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
        self.vocabulary = ordered[first]  # sorted term numbers
        self.start = np.append(np.flatnonzero(first), ordered.size)
        df = np.diff(self.start).astype(np.float64)
        self.idf = np.log1p((self.size - df + 0.5) / (df + 0.5))
        term = np.cumsum(first) - 1
        self.units = units[order]
        self.weights = (tf * (K1 + 1) / (tf + norm[units]))[order] * self.idf[term]
        # In a large index a common single character (in more than 5% of the units) adds a long
        # posting list and almost nothing the bigrams and words do not already say: skipped.
        self.max_char_df = max(100, int(0.05 * self.size)) if self.size >= 2000 else self.size + 1

    def _lookup(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each term's number, its vocabulary position, and whether the index has it at all."""
        wanted = _term_codes(terms)
        if not self.vocabulary.size:
            return wanted, np.zeros(len(terms), dtype=np.int64), np.zeros(len(terms), dtype=bool)
        found = np.minimum(np.searchsorted(self.vocabulary, wanted), self.vocabulary.size - 1)
        return wanted, found, self.vocabulary[found] == wanted

    def has_any(self, terms: list[str]) -> list[bool]:
        """For each term, whether some unit has it."""
        return self._lookup(terms)[2].tolist() if terms else []

    def has(self, term: str) -> bool:
        return self.has_any([term])[0]

    def scores(self, bag: Iterable[str]) -> tuple[np.ndarray, float]:
        """Score of every unit, and the best score a unit could reach (to normalise into [0, 1])."""
        terms = list(bag)
        if not terms or not self.vocabulary.size:
            return np.zeros(self.size), 0.0
        wanted, found, present = self._lookup(terms)
        lo, hi = self.start[found], self.start[found + 1]
        char = (wanted >= 0) & (wanted < 1 << _CHAR_BITS)  # a single character's number is its code point
        keep = present & ~(char & (hi - lo > self.max_char_df))
        if not keep.any():
            return np.zeros(self.size), 0.0
        ceiling = 0.0
        for value in (self.idf[found[keep]] * (K1 + 1)).tolist():  # summed in the query's term order
            ceiling += value
        slices = [slice(a, b) for a, b in zip(lo[keep].tolist(), hi[keep].tolist(), strict=True)]
        units = np.concatenate([self.units[s] for s in slices])
        weights = np.concatenate([self.weights[s] for s in slices])
        return np.bincount(units, weights, minlength=self.size), ceiling


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n best positive scores, best first."""
    part = np.argpartition(-scores, n)[:n] if scores.size > n else np.arange(scores.size)
    part = part[scores[part] > 0]
    return part[np.argsort(-scores[part], kind="stable")]


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
        scores = confidence(rows)
        animals = [w for w in ANIMAL_WORDS if w in q.text]
        if animals:
            named = [any(w in self._unit_blob[p] or w in self._answer_blob[p] for w in animals) for p in positions]
            scores = np.where(named, scores, np.minimum(scores, 0.5 * SUGGEST_THRESHOLD))
        order = rank(rows, scores, positions)[:k]
        # Never surer of an entry than of the one ranked above it.
        shown = np.minimum.accumulate(scores[order])
        return [
            Hit(id=self._docs[positions[i]].id, score=round(float(score), 4), matched=texts[i])
            for i, score in zip(order, shown.tolist(), strict=True)
        ]


def is_likely(scores: Sequence[float]) -> bool:
    """Whether the best of these descending scores is answered tentatively (see LIKELY_THRESHOLD)."""
    if not scores or scores[0] >= ANSWER_THRESHOLD or scores[0] < LIKELY_THRESHOLD:
        return False
    return scores[0] - (scores[1] if len(scores) > 1 else 0.0) >= LIKELY_GAP


def confidence(rows: np.ndarray) -> np.ndarray:
    """The calibrator's probability for each candidate entry, with the answer-only cap and exact matches."""
    scores = _calibrator().probability(rows)
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
