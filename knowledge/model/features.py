"""Text analysis and query–question pair features for the learned reranker.

The same code computes features when training (knowledge/train_reranker.py) and at query time, so
the shipped model and the runtime can never drift apart. Term weights come from jieba's dictionary
frequencies rather than from the indexed FAQ: a feature then means the same thing in a 5-entry
test FAQ and in a 10,000-entry one, which keeps the confidence calibrated across index sizes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from knowledge.normalize import _get_tokenizer, expansions, normalize, segment

# What a question asks about, found with patterns on normalised text (the synonym map has already
# folded 咋/如何/怎样 into 怎么, 啥 into 什么, 能否/可不可以 into 能不能…). Two questions about the same
# thing that ask different aspects (cause vs treatment) are the hard negatives of FAQ matching.
QUESTION_TYPES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "cause": r"为什么|为何|什么原因|原因|怎么回事|怎么了|引起|导致|造成|由于|诱因|病因",
        "treat": (
            r"怎么办|怎么治|治疗|处理|治好|治愈|根治|缓解|调理|疗法|用什么药|吃什么药|吃药|用药|药物|偏方|办法|应对"
        ),
        "symptom": r"症状|表现|什么感觉|征兆|迹象|感觉",
        "prevent": r"预防|防止|避免|防护|防范",
        "diet": r"吃什么|饮食|能吃|可以吃|忌口|食物|食疗|喝什么|饮料|水果",
        "effect": r"效果|作用|疗效|功效|管用|有用|好使",
        "side": r"副作用|不良反应|危害|伤害",
        "serious": r"严重|危险|要紧|死亡|致命|恶化|会死",
        "duration": r"多久|时间|周期|潜伏期|几天|期限|什么时候|何时|哪天",
        "spread": r"传染|传播|人传人",
        "clinic": r"医院|就医|检查|看医生|什么科|哪个科|挂号|就诊|确诊|诊断",
        "differ": r"区别|不同|差别|异同|一样|比较|还是",
        "define": r"什么是|是什么|定义|指什么|什么叫|是指",
        "who": r"哪些人|什么人|谁|人群",
        "price": r"多少钱|价格|费用|贵|报销|免费|收费",
        "where": r"哪里|在哪|地址|地点|哪家",
        "relation": r"关系|有关|关联|相关|影响",
        "usage": r"用法|用量|怎么吃|怎么用|服用方法|几次|剂量|几粒|几片|多少量",
        "how": r"怎么(?!办|治|回事|了|吃|用)",
        "yesno": r"能不能|会不会|是不是|有没有|需不需要|可以吗|能吗|吗$|是否",
        "can": r"能不能|可以|能否|行吗|允许",
        "together": r"一起|同时|同服|搭配|混",
        "age": r"几岁|年龄|老人|孩子|孕妇|婴儿",
    }.items()
}
_QUESTION_TYPE_NAMES = tuple(QUESTION_TYPES)
_NEGATION = re.compile(r"不|没|无|非|别|未|勿|禁")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|[一二三四五六七八九十百千两]+(?=[天岁次针粒片个月周年小])")


@dataclass(frozen=True, slots=True)
class Analyzed:
    """One text, analysed once: at index build for entries, once per query for the query."""

    text: str  # normalised, words separated by spaces
    compact: str  # normalised, no spaces: what fuzzy matching compares
    words: tuple[str, ...]  # content words (+ general terms implied by specific ones)
    word_set: frozenset[str]
    chars: frozenset[str]
    bigrams: frozenset[str]
    qtypes: frozenset[str]
    qt_flags: tuple[float, ...]  # qtypes as 0/1 in _QUESTION_TYPE_NAMES order, for fast differences
    numbers: frozenset[str]
    negations: int
    joined: str = ""  # the words joined by spaces, as token_sort_ratio compares them


def analyze(raw: str) -> Analyzed:
    text = normalize(raw)
    words = segment(text)
    words += expansions(words)
    compact = text.replace(" ", "")
    pieces = text.split()
    qtypes = frozenset(name for name, rx in QUESTION_TYPES.items() if rx.search(compact))
    return Analyzed(
        text=text,
        compact=compact,
        words=tuple(words),
        word_set=frozenset(words),
        chars=frozenset(compact),
        bigrams=frozenset(p[i : i + 2] for p in pieces for i in range(len(p) - 1)),
        qtypes=qtypes,
        qt_flags=tuple(1.0 if name in qtypes else 0.0 for name in _QUESTION_TYPE_NAMES),
        numbers=frozenset(_NUMBER.findall(compact)),
        negations=len(_NEGATION.findall(compact)),
        joined=" ".join(words),
    )


@lru_cache(maxsize=200_000)
def weight(word: str) -> float:
    """Informativeness of a word: inverse log frequency in jieba's general-language dictionary."""
    tokenizer = _get_tokenizer()
    freq = tokenizer.FREQ.get(word, 0)
    # A word the dictionary does not know is a name, a drug or a typo: treat it as rare.
    return max(0.5, math.log((tokenizer.total + 1) / (freq + 1)) - 6.0)


def _weighted_overlap(a: frozenset[str], b: frozenset[str]) -> tuple[float, float, float, float]:
    shared = sum(weight(w) for w in a & b)
    only_a = [weight(w) for w in a - b]
    only_b = [weight(w) for w in b - a]
    total_a = shared + sum(only_a)
    total_b = shared + sum(only_b)
    return (
        shared / total_a if total_a else 0.0,
        shared / total_b if total_b else 0.0,
        max(only_a, default=0.0),
        max(only_b, default=0.0),
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _containment(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


FEATURE_NAMES: tuple[str, ...] = (
    "w_cov_q",
    "w_cov_d",
    "w_unmatched_q",
    "w_unmatched_d",
    "w_jaccard",
    "n_words_only_q",
    "n_words_only_d",
    "c_jaccard",
    "b_jaccard",
    "b_cov_q",
    "b_cov_d",
    "ratio",
    "partial_ratio",
    "token_sort",
    "lcs_q",
    "lcs_d",
    "len_q",
    "len_d",
    "len_ratio",
    "qtype_jaccard",
    "qtype_n_diff",
    "neg_diff",
    "num_diff",
    *(f"qt_{name}_diff" for name in _QUESTION_TYPE_NAMES),
    *(f"qt_{name}_q" for name in _QUESTION_TYPE_NAMES),
)


@lru_cache(maxsize=4096)
def _qtype_diff_flags(diff: frozenset[str]) -> tuple[float, ...]:
    """|q flag - d flag| for each question type, from the types only one side has."""
    return tuple(1.0 if name in diff else 0.0 for name in _QUESTION_TYPE_NAMES)


def _shared(a: frozenset[str], b: frozenset[str]) -> tuple[int, int, int]:
    """Sizes of a & b, a - b and b - a (|a | b| is their sum): one intersection instead of four set operations."""
    shared = len(a & b)
    return shared, len(a) - shared, len(b) - shared


def pair_features(q: Analyzed, d: Analyzed) -> list[float]:
    """Features of (query, candidate question); order matches FEATURE_NAMES."""
    w_cov_q, w_cov_d, w_un_q, w_un_d = _weighted_overlap(q.word_set, d.word_set)
    lcs = LCSseq.similarity(q.compact, d.compact)
    len_q, len_d = len(q.compact), len(d.compact)
    qt_diff = q.qtypes ^ d.qtypes
    w_shared, w_only_q, w_only_d = _shared(q.word_set, d.word_set)
    c_shared, c_only_q, c_only_d = _shared(q.chars, d.chars)
    b_shared, b_only_q, b_only_d = _shared(q.bigrams, d.bigrams)
    w_union = w_shared + w_only_q + w_only_d
    c_union = c_shared + c_only_q + c_only_d
    b_union = b_shared + b_only_q + b_only_d
    # Same values as _jaccard / _containment, without building the unions.
    return [
        w_cov_q,
        w_cov_d,
        w_un_q,
        w_un_d,
        w_shared / w_union if w_union else 0.0,
        float(w_only_q),
        float(w_only_d),
        c_shared / c_union if c_union else 0.0,
        b_shared / b_union if b_union else 0.0,
        b_shared / len(q.bigrams) if q.bigrams else 0.0,
        b_shared / len(d.bigrams) if d.bigrams else 0.0,
        fuzz.ratio(q.compact, d.compact) / 100.0,
        fuzz.partial_ratio(q.compact, d.compact) / 100.0,
        fuzz.token_sort_ratio(q.joined, d.joined) / 100.0,
        lcs / len_q if len_q else 0.0,
        lcs / len_d if len_d else 0.0,
        float(len_q),
        float(len_d),
        min(len_q, len_d) / max(len_q, len_d, 1),
        _jaccard(q.qtypes, d.qtypes) if (q.qtypes or d.qtypes) else 1.0,
        float(len(qt_diff)),
        float(abs(q.negations - d.negations)),
        float(len(q.numbers ^ d.numbers)),
        *_qtype_diff_flags(qt_diff),
        *q.qt_flags,
    ]
