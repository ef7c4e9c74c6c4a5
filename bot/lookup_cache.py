"""Knowledge-base lookups memoised per index generation.

At the peak of a wave most policy questions are the same few dozen wordings, and a lookup is a pure
function of the text, the region and the index in force: computing it once per generation saves the
retrieval (tokenising, BM25, the reranker) for every repeat. Any rebuild (a staff edit, another
instance's edit noticed by the freshness check, the day turning) starts a new generation, so a cached
answer is never older than the index that would have given it.
"""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from knowledge.base import KnowledgeBase, Lookup

CACHE_SIZE = 8192


class CachingKnowledgeBase(KnowledgeBase):
    def __init__(self, engine: Engine, size: int = CACHE_SIZE) -> None:
        super().__init__(engine)
        self._size = size
        self._generation = 0
        self._cache: dict[tuple[int, str, str], Lookup] = {}
        self._cache_lock = threading.Lock()
        self.hits = self.misses = 0

    def refresh(self) -> int:
        served = super().refresh()
        with self._cache_lock:
            self._generation += 1
            self._cache = {}
        return served

    def lookup(self, text: str, region: str | None = None) -> Lookup:
        self.refresh_if_stale()
        generation = self._generation  # read before computing: a rebuild meanwhile makes the entry unreachable
        key = (generation, text, region or "")
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        result = super().lookup(text, region)
        with self._cache_lock:
            if generation == self._generation:
                if len(self._cache) >= self._size:
                    self._cache = {}
                self._cache[key] = result
        return result
