"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused by reciprocal rank.

Why RRF: the two scores live on unrelated scales (cosine vs. unbounded BM25), and
rank fusion needs no score calibration; on the dev set it beat score interpolation
(see BENCHMARKS.md).  Near-duplicate passages (one corpus file holds its article
twice) are collapsed so they cannot fill the top results twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .chunker import Chunk
from .config import Settings
from .dense import search
from .embeddings import Embedder
from .lexical import top_k
from .store import Index

Mode = Literal["hybrid", "dense", "lexical"]
_DUPLICATE_JACCARD = 0.6


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score used for ranking
    dense: float  # cosine similarity of question and passage
    lexical: float  # BM25 score (0 when no term matched)


def _bigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def _is_duplicate(a: str, b: str) -> bool:
    sa, sb = _bigrams(a), _bigrams(b)
    return bool(sa and sb) and len(sa & sb) / len(sa | sb) >= _DUPLICATE_JACCARD


def retrieve(index: Index, embedder: Embedder, question: str, settings: Settings,
             k: int | None = None, mode: Mode = "hybrid",
             query_vector: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best distinct passages for ``question``."""
    k = k or settings.top_k
    depth = max(50, 4 * k)
    if query_vector is None:
        query_vector = embedder.embed([question])[0]
    fused: dict[int, float] = {}
    lexical = index.bm25.scores(question)
    if mode in ("hybrid", "dense"):
        ids, _ = search(index.faiss, query_vector, depth)
        for rank, i in enumerate(ids):
            fused[int(i)] = fused.get(int(i), 0.0) + settings.dense_weight / (settings.rrf_k + rank + 1)
    if mode in ("hybrid", "lexical"):
        ids, _ = top_k(lexical, depth)
        for rank, i in enumerate(ids):
            fused[int(i)] = fused.get(int(i), 0.0) + settings.lexical_weight / (settings.rrf_k + rank + 1)
    order = sorted(fused, key=lambda i: (-fused[i], i))
    hits: list[Hit] = []
    for i in order:
        chunk = index.chunks[i]
        if any(_is_duplicate(chunk.text, h.chunk.text) for h in hits):
            continue
        dense = float(index.vectors[i] @ query_vector)
        hits.append(Hit(chunk, fused[i], dense, float(lexical[i])))
        if len(hits) == k:
            break
    return hits
