"""Stage 3 of retrieval: one order from the two rankings, by reciprocal rank fusion.

Why RRF: the two scores live on unrelated scales (cosine vs. unbounded BM25), and
rank fusion needs no score calibration.  A small ``rrf_k`` lets a first rank on
either side count, and BM25 weighs double: on the dev set (leave-one-out and 5-fold
cross-validated over chunk sizes, ``rrf_k`` and weights) that beat the textbook
``k=60``, equal weights, and score interpolation (BENCHMARKS.md).  When the question and
the passages it found are in different scripts, BM25 matches little but the
dictionary's words, and its weight is scaled down (``tuning.cross_lingual_lexical``).
"""

from __future__ import annotations

from typing import Callable, Iterable

from rag.config import Settings
from rag.retrieve.ranking import Rankings
from rag.text.lexical import across_scripts


def fuse(rankings: Rankings, dense_weight: float, lexical_weight: float, rrf_k: int) -> dict[int, float]:
    """Reciprocal-rank fusion of the rankings, dense then lexical.

    Equal scores share a rank: the two copies of a repeated passage tie exactly, and
    which one a store lists first must not change the fused order (the lower id wins).
    """
    fused: dict[int, float] = {}
    sides = ((rankings.dense_ids, rankings.dense_scores, dense_weight),
             (rankings.lexical_ids, rankings.lexical_scores, lexical_weight))
    for ids, scores, weight in sides:
        rank, previous = 0, None
        for position, (i, score) in enumerate(zip(ids.tolist(), scores.tolist())):
            if score != previous:
                rank, previous = position, score
            fused[i] = fused.get(i, 0.0) + weight / (rrf_k + rank + 1)
    return fused


def best_first(fused: dict[int, float]) -> list[int]:
    return sorted(fused, key=lambda i: (-fused[i], i))


def fused_order(question: str, rankings: Rankings, settings: Settings, hybrid: bool,
                texts: Callable[[Iterable[int]], Iterable[str]]) -> tuple[dict[int, float], list[int]]:
    """Fused scores and the order they give; fused again with BM25 scaled down when the
    question's script differs from that of the ``top_k`` first passages' ``texts``."""
    fused = fuse(rankings, settings.dense_weight, settings.lexical_weight, settings.rrf_k)
    order = best_first(fused)
    if hybrid and across_scripts(question, texts(order[: settings.top_k])):
        fused = fuse(rankings, settings.dense_weight,
                     settings.lexical_weight * settings.tuning.cross_lingual_lexical, settings.rrf_k)
        order = best_first(fused)
    return fused, order
