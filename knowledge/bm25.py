"""Okapi BM25 over numbered terms: the cheap first stage of FAQ retrieval, and the caches it builds on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from knowledge.model.features import Analyzed, analyze
from knowledge.normalize import _segment_piece, normalize

K1, B = 1.2, 0.75


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
