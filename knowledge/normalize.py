"""Text normalisation and word segmentation for Chinese FAQ retrieval.

Everything that reaches the index (FAQ entries and residents' messages) goes through `normalize`
first, so the same rewrite applies on both sides: full-width → half-width, a small traditional →
simplified table, punctuation and emoji (voice recognition sprinkles "。" mid-sentence) → spaces,
then the colloquial/synonym map in lexicon/synonyms.txt. `segment` cuts normalised text into words
with jieba plus the domain dictionary in lexicon/userdict.txt.
"""

from __future__ import annotations

import logging
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
    text = unicodedata.normalize("NFKC", text).lower().translate(_TRAD_TABLE)
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


# A clause ending in 不 or 没 is a yes/no question in colloquial Chinese (能领退烧药不, 做核酸没):
# the same question as one ending in 吗.
_TRAILING_NEGATION_QUESTION = re.compile(r"(?<=[\u3400-\u9fff]{2})[不没](?= |$)")


def normalize(text: str) -> str:
    """Canonical form of `text`: half-width, lower case, simplified, words separated by single spaces."""
    cleaned = _clean(text)
    if not cleaned:
        return ""
    rewritten = lexicon().rewrite(cleaned)
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
    _get_tokenizer()


def segment(normalized: str) -> list[str]:
    """Words of already-normalised text, without stopwords and separators."""
    if not normalized:
        return []
    tokenizer = _get_tokenizer()
    # HMM discovery of unknown words is off: it is slower and invents odd words from typos;
    # unknown words fall back to single characters, which the bigram features still cover.
    return [w for w in tokenizer.lcut(normalized, HMM=False) if w != " " and w not in STOPWORDS]
