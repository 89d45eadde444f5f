"""Hybrid retrieval, in four stages: the question expanded (``expansion``: English words in
Chinese), ranked twice (``ranking``: dense and BM25), fused (``fusion``: reciprocal rank)
and deduplicated (``dedupe``).  How many passages: the ``top_k`` setting, nothing else."""

from __future__ import annotations

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder, embed_query
from rag.records import Hit
from rag.retrieve.dedupe import distinct
from rag.retrieve.expansion import expand
from rag.retrieve.fusion import fused_order
from rag.retrieve.ranking import Mode, both_scores, rank
from rag.stores.base import VectorStore

__all__ = ["Mode", "retrieve"]


def retrieve(store: VectorStore, embedder: Embedder, question: str, settings: Settings,
             mode: Mode = "hybrid", query_vector: np.ndarray | None = None) -> list[Hit]:
    """The ``settings.top_k`` best distinct passages for ``question``, from either store."""
    k = settings.top_k
    if query_vector is None:
        query_vector = embed_query(embedder, question)
    query = expand(question, query_vector, store.stats, embedder, settings.tuning)
    rankings = rank(store, query, mode, max(50, 4 * k), settings.tuning)
    candidates = set(rankings.dense_of) | set(rankings.lexical_of)
    chunks = store.fetch(sorted(candidates))  # one round trip to the store for every candidate
    fused, order = fused_order(question, rankings, settings, mode == "hybrid",
                               lambda ids: (chunks[i].text for i in ids))
    chosen = distinct(order, chunks, k)
    dense_of, lexical_of = both_scores(store, query, rankings, chosen, settings.tuning)
    sentences = store.sentences(chosen)
    return [Hit(chunks[i], fused[i], float(dense_of[i]), float(lexical_of[i]),
                sentences[i].spans, sentences[i].vectors) for i in chosen]
