"""Text normalisation and word segmentation for Chinese FAQ retrieval.

Everything that reaches the index (FAQ entries and residents' messages) goes through `normalize`
first, so the same rewrite applies on both sides: full-width → half-width, a small traditional →
simplified table, punctuation and emoji (voice recognition sprinkles "。" mid-sentence) → spaces,
then voice-recognition slips (lexicon/typos.txt: 疫描 → 疫苗), then the colloquial/synonym map in
lexicon/synonyms.txt. `segment` cuts normalised text into words
with jieba plus the domain dictionary in lexicon/userdict.txt.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicon"

# Only characters that occur in residents' questions about health and policy; a full OpenCC table
# would cost a dependency for little gain (residents here write simplified Chinese).
_TRADITIONAL = (
    "陽藥發燒檢測醫術護區離開關嗎麼這們個來時後會說還對際請問車買賣頭熱診療體溫劑種針傳帶兒歲嬰婦滅門號碼話"
    "電網報證確為與應該幾點裡裏樣給間無癥狀嚴緊衛價錢費現實當從經過復將並於結東紅綠黃場機飛鐵輸運動壓氣癒殺層"
    "樓長風險憑絡務員內戶辦處學習課書歸鄉親團飯館業單聽讓養腦燙喉嚨痠疼塊麵鹽隨罩讀寫較稱難試題據規範類導"
)
_SIMPLIFIED = (
    "阳药发烧检测医术护区离开关吗么这们个来时后会说还对际请问车买卖头热诊疗体温剂种针传带儿岁婴妇灭门号码话"
    "电网报证确为与应该几点里里样给间无症状严紧卫价钱费现实当从经过复将并于结东红绿黄场机飞铁输运动压气愈杀层"
    "楼长风险凭络务员内户办处学习课书归乡亲团饭馆业单听让养脑烫喉咙酸疼块面盐随罩读写较称难试题据规范类导"
)
_TRAD_TABLE = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
# str.translate looks every character up in a dict; most texts have no traditional character at all.
_HAS_TRADITIONAL = re.compile(f"[{_TRADITIONAL}]")

# Anything that is not a CJK ideograph, an ASCII letter or a digit separates words.
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")

# Particles and pleasantries that carry no meaning for matching ("请问…呢？谢谢").
_STOPWORDS_TEXT = (
    "的 了 吗 呢 吧 啊 呀 哦 噢 嘛 哈 哇 啦 喽 咯 么 嗯 哎 诶 唉 呗 滴 请问 你好 您好 谢谢 麻烦 一下 我 我们"
    " 你 您 这个 那个 就 都 也 还 又 是 有 在 和 与 及 或 吧 个 着 过 被 把 给 让 跟 从 对 向 于"
    # voice-message fillers and acknowledgements ("喂，你好。那个…", "嗯嗯好的")
    " 喂 嗯嗯 嗯哼 好的 好嘞 收到 多谢 感谢 谢了 ok okay"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def _clean(text: str) -> str:
    """Width, case, traditional characters and punctuation; no synonym rewriting."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _HAS_TRADITIONAL.search(text):
        text = text.translate(_TRAD_TABLE)
    return _NON_WORD.sub(" ", text).strip()


class _Lexicon:
    """The synonym map compiled into one longest-first regular expression."""

    def __init__(self, path: Path) -> None:
        rewrites: dict[str, str] = {}
        self.expansions: dict[str, tuple[str, ...]] = {}
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            for sep in ("=", ">"):
                if sep in line:
                    head, _, tail = line.partition(sep)
                    canonical = _clean(head)
                    variants = [_clean(v) for v in tail.split()]
                    break
            else:
                raise ValueError(f"{path.name}: neither '=' nor '>' in line: {raw!r}")
            if sep == "=":
                # The canonical form maps to itself so that a shorter variant cannot eat into it
                # (能不 inside 能不能, 发热 inside 发热门诊).
                rewrites.setdefault(canonical, canonical)
                for variant in variants:
                    rewrites[variant] = canonical
            else:
                for variant in variants:
                    self.expansions[variant] = (*self.expansions.get(variant, ()), canonical)
        self.rewrites = rewrites
        keys = sorted((k for k in rewrites if k), key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    def rewrite(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.rewrites[m.group(0)], text)


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    return _Lexicon(LEXICON_DIR / "synonyms.txt")


@lru_cache(maxsize=1)
def typos() -> _Lexicon:
    return _Lexicon(LEXICON_DIR / "typos.txt")


# A clause ending in 不 or 没 is a yes/no question in colloquial Chinese (能领退烧药不, 做核酸没):
# the same question as one ending in 吗.
_TRAILING_NEGATION_QUESTION = re.compile(r"(?<=[\u3400-\u9fff]{2})[不没](?= |$)")


def normalize(text: str) -> str:
    """Canonical form of `text`: half-width, lower case, simplified, words separated by single spaces."""
    cleaned = _clean(text)
    if not cleaned:
        return ""
    rewritten = lexicon().rewrite(typos().rewrite(cleaned))
    return " ".join(_TRAILING_NEGATION_QUESTION.sub("吗", rewritten).split())


def expansions(words: list[str]) -> list[str]:
    """General terms implied by specific ones (布洛芬 → 退烧药), for the search side only."""
    table = lexicon().expansions
    extra: list[str] = []
    for word in words:
        extra.extend(table.get(word, ()))
    return extra


# --- segmentation -----------------------------------------------------------------------------

# jieba's full dictionary (350k words) takes ~1.1 s to load even from its cache. Words rarer than
# this never decide a match that character bigrams would miss, and the trimmed dictionary loads in a
# fraction of the time; the domain words come back through userdict.txt.
_MIN_WORD_FREQ = 20

_tokenizer_lock = threading.Lock()
_tokenizer: object | None = None


def _trimmed_dictionary(source: Path) -> Path:
    """Write (once per machine) the trimmed copy of jieba's dictionary into the temp dir."""
    cache_dir = Path(tempfile.gettempdir()) / "hotline-jieba"
    target = cache_dir / f"dict-min{_MIN_WORD_FREQ}-{int(source.stat().st_mtime)}.txt"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    kept = []
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2 and int(parts[1]) >= _MIN_WORD_FREQ:
                kept.append(line)
    partial = target.with_suffix(f".{threading.get_ident()}.tmp")
    partial.write_text("".join(kept), encoding="utf-8")
    partial.replace(target)  # atomic, so a concurrent process never reads half a file
    return target


def _get_tokenizer():
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba  # imported lazily: its import alone costs ~0.1 s

                jieba.setLogLevel(logging.WARNING)  # it logs "Building prefix dict…" at INFO
                source = Path(jieba.__file__).parent / "dict.txt"
                tokenizer = jieba.Tokenizer(dictionary=str(_trimmed_dictionary(source)))
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                # Given a path, jieba opens the file and never closes it (a ResourceWarning).
                with (LEXICON_DIR / "userdict.txt").open("rb") as userdict:
                    tokenizer.load_userdict(userdict)
                _tokenizer = tokenizer
    return _tokenizer


def warm_up() -> None:
    """Load the segmenter now rather than on the first question."""
    _get_segmenter()


# What jieba's `cut` treats as one block to segment with its dictionary; anything else (a space, a rare
# CJK extension character) comes out one character at a time.
_JIEBA_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
# In the segmenter's table, a string that only begins some dictionary word (jieba's frequency 0).
_PREFIX_ONLY = math.inf
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class _Segmenter:
    """jieba's dictionary segmentation without HMM (`Tokenizer.lcut(text, HMM=False)`), word for word.

    jieba builds a DAG dict, then a route dict of tuples, through generators: most of an index build.
    This computes the same maximum-probability route in one right-to-left pass over one table
    (word → log probability, or _PREFIX_ONLY for a mere prefix), with the same float operations in the same
    order and the same tie-break (the longer word wins), so the words are identical;
    tests/knowledge/test_normalize.py compares the two.
    """

    def __init__(self, tokenizer) -> None:  # jieba.Tokenizer, which has no type hints
        logtotal = math.log(tokenizer.total)
        self.table: dict[str, float] = {
            w: (math.log(f) - logtotal if f else _PREFIX_ONLY) for w, f in tokenizer.FREQ.items()
        }
        self.unknown = math.log(1) - logtotal  # jieba's `log(FREQ.get(w) or 1) - logtotal` for a non-word

    def cut_block(self, s: str) -> list[str]:
        table, unknown = self.table, self.unknown
        n = len(s)
        value: list[float] = [0.0] * (n + 1)
        end: list[int] = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best_v, best_x = 0.0, -1
            i = idx
            frag = s[idx]
            while True:
                lp = table.get(frag)
                if lp is None:
                    break
                if lp != _PREFIX_ONLY:
                    v = lp + value[i + 1]
                    if best_x < 0 or v >= best_v:
                        best_v, best_x = v, i
                i += 1
                if i >= n:
                    break
                frag = s[idx : i + 1]
            if best_x < 0:
                best_v, best_x = unknown + value[idx + 1], idx
            value[idx], end[idx] = best_v, best_x
        words: list[str] = []
        buf = ""
        x = 0
        while x < n:
            y = end[x] + 1
            word = s[x:y]
            if len(word) == 1 and word in _ASCII_ALNUM:
                buf += word
            else:
                if buf:
                    words.append(buf)
                    buf = ""
                words.append(word)
            x = y
        if buf:
            words.append(buf)
        return words

    def cut(self, text: str) -> list[str]:
        words: list[str] = []
        for block in _JIEBA_BLOCK.split(text):
            if not block:
                continue
            if _JIEBA_BLOCK.fullmatch(block):
                words.extend(self.cut_block(block))
            else:
                words.extend(c for c in block if not c.isspace())
        return words


_segmenter: _Segmenter | None = None


def _get_segmenter() -> _Segmenter:
    global _segmenter
    if _segmenter is None:
        segmenter = _Segmenter(_get_tokenizer())
        with _tokenizer_lock:
            if _segmenter is None:
                _segmenter = segmenter
    return _segmenter


@lru_cache(maxsize=100_000)
def _segment_piece(piece: str) -> tuple[str, ...]:
    # A space separates jieba blocks, so each space-free piece is cut on its own: the same clause in
    # several entries (or in a compound question and its sentence) is segmented once.
    return tuple(w for w in _get_segmenter().cut(piece) if w not in STOPWORDS)


def segment(normalized: str) -> list[str]:
    """Words of already-normalised text, without stopwords and separators.

    The words jieba's `lcut(normalized, HMM=False)` gives: HMM discovery of unknown words is off (it
    is slower and invents odd words from typos); unknown words fall back to single characters, which
    the bigram features still cover.
    """
    if not normalized:
        return []
    return [w for piece in normalized.split(" ") if piece for w in _segment_piece(piece)]
