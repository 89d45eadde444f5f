"""Hybrid retrieval: dense and BM25 rankings fused by reciprocal rank.

Dense side: a chunk scores the mean of two cosines with the question, that of the
chunk vector and that of its best sentence.  The encoder was trained on sentences,
and one sentence usually carries the answer, so the best-sentence cosine finds
passages whose whole-chunk vector is diluted by their other sentences (dense hit@5
0.71 → 0.82 on the dev set; BENCHMARKS.md).  Small indexes are scored exactly;
large ones rescore FAISS's (and BM25's) candidates.

Why RRF: the two scores live on unrelated scales (cosine vs. unbounded BM25), and
rank fusion needs no score calibration.  A small ``rrf_k`` lets a first rank on
either side count, and BM25 weighs double: on the dev set (leave-one-out and 5-fold
cross-validated over chunk sizes, ``rrf_k`` and weights) that beat the textbook
``k=60``, equal weights, and score interpolation (BENCHMARKS.md).  Near-duplicate
passages (one corpus file holds its article twice) are collapsed so they cannot fill
the top results twice.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder, embed_query
from rag.records import Hit, Passage
from rag.stores.base import VectorStore
from rag.text.bilingual import dictionary_terms
from rag.text.lexical import across_scripts

Mode = Literal["hybrid", "dense", "lexical"]
_DUPLICATE_JACCARD = 0.6


def _bigrams(text: str) -> np.ndarray:
    """The distinct character bigrams of ``text`` (whitespace ignored), as sorted integers."""
    compact = np.frombuffer("".join(text.split()).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.unique((compact[:-1] << np.uint64(21)) | compact[1:])


def _is_duplicate(sa: np.ndarray, sb: np.ndarray) -> bool:
    """Bigram Jaccard similarity of two passages at or above the duplicate threshold."""
    if not len(sa) or not len(sb):
        return False
    common = len(np.intersect1d(sa, sb, assume_unique=True))
    return common / (len(sa) + len(sb) - common) >= _DUPLICATE_JACCARD


def retrieve(store: VectorStore, embedder: Embedder, question: str, settings: Settings,
             k: int | None = None, mode: Mode = "hybrid",
             query_vector: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best distinct passages for ``question``, from either store."""
    k = k or settings.top_k
    depth = max(50, 4 * k)
    if query_vector is None:
        query_vector = embed_query(embedder, question)
    query_vector = np.asarray(query_vector, dtype=np.float32)
    dense_of: dict[int, float] = {}
    lexical_of: dict[int, float] = {}
    lex_ids = dense_ids = np.zeros(0, dtype=np.int64)
    lex_scores = dense_scores = np.zeros(0, dtype=np.float32)
    terms = dictionary_terms(question, store.stats) if settings.tuning.dictionary_expansion else []
    lexical_text = f"{question} {' '.join(terms)}" if terms else question
    if terms and settings.tuning.translation_weight:
        query_vector = _towards(query_vector, embed_query(embedder, " ".join(terms)), settings.tuning.translation_weight)
    if mode in ("hybrid", "lexical"):
        lex_ids, lex_scores = store.lexical_top(lexical_text, depth)
        lexical_of = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
    if mode in ("hybrid", "dense"):
        dense_ids, dense_scores = store.dense_top(query_vector, depth, lex_ids if mode == "hybrid" else None,
                                                  settings.tuning)
        dense_of = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
    ranked = ((dense_ids, dense_scores), (lex_ids, lex_scores))
    fused = _fuse(ranked, settings.dense_weight, settings.lexical_weight, settings.rrf_k)
    order = sorted(fused, key=lambda i: (-fused[i], i))
    chunks = store.fetch(order)  # one round trip to the store for every candidate
    if mode == "hybrid" and across_scripts(question, (chunks[i].text for i in order[:k])):
        fused = _fuse(ranked, settings.dense_weight,
                      settings.lexical_weight * settings.tuning.cross_lingual_lexical, settings.rrf_k)
        order = sorted(fused, key=lambda i: (-fused[i], i))
    chosen: list[int] = []
    kept: list[np.ndarray] = []
    for i in order:
        grams = _bigrams(chunks[i].text)
        if any(_is_duplicate(grams, g) for g in kept):
            continue
        chosen.append(i)
        kept.append(grams)
        if len(chosen) == k:
            break
    return _hits(store, lexical_text, query_vector, chosen, chunks, fused, dense_of, lexical_of, settings)


def _towards(query_vector: np.ndarray, translation: np.ndarray, weight: float) -> np.ndarray:
    """The question's vector moved towards that of its word-by-word translation: e5 matches
    an English question to Chinese passages weakly, and the bag of their Chinese words,
    though no sentence, is in the passages' language (BENCHMARKS.md)."""
    mixed = np.asarray(query_vector, dtype=np.float32) + weight * np.asarray(translation, dtype=np.float32)
    return mixed / max(float(np.linalg.norm(mixed)), 1e-12)


def _fuse(ranked: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
          dense_weight: float, lexical_weight: float, rrf_k: int) -> dict[int, float]:
    """Reciprocal-rank fusion of the (ids, scores) rankings, dense then lexical.

    Equal scores share a rank: the two copies of a repeated passage tie exactly, and
    which one a store lists first must not change the fused order (the lower id wins).
    """
    fused: dict[int, float] = {}
    for (ids, scores), weight in zip(ranked, (dense_weight, lexical_weight)):
        rank, previous = 0, None
        for position, (i, score) in enumerate(zip(ids.tolist(), scores.tolist())):
            if score != previous:
                rank, previous = position, score
            fused[i] = fused.get(i, 0.0) + weight / (rrf_k + rank + 1)
    return fused


def _hits(store: VectorStore, lexical_text: str, query_vector: np.ndarray, chosen: list[int],
          chunks: dict[int, Passage], fused: dict[int, float],
          dense_of: dict[int, float], lexical_of: dict[int, float], settings: Settings) -> list[Hit]:
    missing_dense = [i for i in chosen if i not in dense_of]
    if missing_dense:
        dense_of.update(zip(missing_dense, store.dense_scores(np.asarray(missing_dense), query_vector,
                                                                settings.tuning).tolist()))
    missing_lex = [i for i in chosen if i not in lexical_of]
    if missing_lex:
        lexical_of.update(zip(missing_lex, store.lexical_scores(lexical_text, np.asarray(missing_lex)).tolist()))
    sentences = store.sentences(chosen)
    return [Hit(chunks[i], fused[i], float(dense_of[i]), float(lexical_of[i]),
                sentences[i].spans, sentences[i].vectors) for i in chosen]
