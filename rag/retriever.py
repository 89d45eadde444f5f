"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused by reciprocal rank.

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

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .chunker import Chunk
from .config import Settings
from .dense import search
from .embeddings import Embedder, embed_query
from .store import Index

Mode = Literal["hybrid", "dense", "lexical"]
_DUPLICATE_JACCARD = 0.6
# Weight of the best sentence's cosine in a chunk's dense score (the rest: the chunk's).
SENTENCE_WEIGHT = 0.5
# Up to this many chunks every chunk is scored exactly (about a millisecond).
EXACT_DENSE_MAX = 5_000


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score used for ranking
    dense: float  # similarity of question and passage (chunk and best-sentence cosines)
    lexical: float  # BM25 score (0 when no term matched)
    # The passage's sentences as absolute (start, end) spans, and their unit vectors, so
    # the answerer need not embed them again.  Empty for hits built by hand.
    sentences: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    sentence_vectors: np.ndarray | None = field(default=None, compare=False, repr=False)


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


def _sentence_rows(ranges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All sentence rows of the chunks with these [first, last) ranges, and segment starts."""
    lengths = ranges[:, 1] - ranges[:, 0]
    starts = np.zeros(len(ranges), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    rows = np.repeat(ranges[:, 0] - starts, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    return rows, starts


def dense_scores(index: Index, ids: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Dense score of the chunks ``ids``: mean of chunk cosine and best-sentence cosine."""
    ids = np.asarray(ids, dtype=np.int64)
    chunk_cos = index.vectors[ids] @ query_vector
    if index.sentence_vectors is None or index.chunk_sentences is None or len(ids) == 0:
        return chunk_cos.astype(np.float32)
    rows, starts = _sentence_rows(index.chunk_sentences[ids])
    if len(ids) == len(index.chunks):  # every sentence once, then gather
        sims = (np.asarray(index.sentence_vectors) @ query_vector)[rows]
    else:
        unique, inverse = np.unique(rows, return_inverse=True)
        sims = (np.asarray(index.sentence_vectors[unique]) @ query_vector)[inverse]
    best = np.maximum.reduceat(sims, starts)
    return ((1 - SENTENCE_WEIGHT) * chunk_cos + SENTENCE_WEIGHT * best).astype(np.float32)


def dense_ranking(index: Index, query_vector: np.ndarray, depth: int,
                  extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``depth`` best chunks by dense score, and their scores.

    Exact for small indexes; for large ones FAISS proposes candidates (plus ``extra``,
    e.g. BM25's) that are then rescored with their sentences.
    """
    n = len(index.chunks)
    if n <= EXACT_DENSE_MAX:
        ids = np.arange(n, dtype=np.int64)
    else:
        found, _ = search(index.faiss, query_vector, 4 * depth)
        ids = np.unique(np.concatenate([found.astype(np.int64),
                                        np.zeros(0, np.int64) if extra is None else extra.astype(np.int64)]))
    scores = dense_scores(index, ids, query_vector)
    k = min(depth, len(ids))
    if k == 0:
        return ids, scores
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((ids[top], -scores[top]))]
    return ids[top], scores[top]


def retrieve(index: Index, embedder: Embedder, question: str, settings: Settings,
             k: int | None = None, mode: Mode = "hybrid",
             query_vector: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best distinct passages for ``question``."""
    k = k or settings.top_k
    depth = max(50, 4 * k)
    if query_vector is None:
        query_vector = embed_query(embedder, question)
    query_vector = np.asarray(query_vector, dtype=np.float32)
    fused: dict[int, float] = {}
    dense_of: dict[int, float] = {}
    lexical_of: dict[int, float] = {}
    lex_ids = np.zeros(0, dtype=np.int64)
    if mode in ("hybrid", "lexical"):
        lex_ids, lex_scores = index.bm25.top(question, depth)
        lexical_of = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
    if mode in ("hybrid", "dense"):
        ids, scores = dense_ranking(index, query_vector, depth, lex_ids if mode == "hybrid" else None)
        dense_of = dict(zip(ids.tolist(), scores.tolist()))
        for rank, i in enumerate(ids.tolist()):
            fused[i] = fused.get(i, 0.0) + settings.dense_weight / (settings.rrf_k + rank + 1)
    if mode in ("hybrid", "lexical"):
        for rank, i in enumerate(lex_ids.tolist()):
            fused[i] = fused.get(i, 0.0) + settings.lexical_weight / (settings.rrf_k + rank + 1)
    order = sorted(fused, key=lambda i: (-fused[i], i))
    chosen: list[int] = []
    kept: list[np.ndarray] = []
    for i in order:
        grams = _bigrams(index.chunks[i].text)
        if any(_is_duplicate(grams, g) for g in kept):
            continue
        chosen.append(i)
        kept.append(grams)
        if len(chosen) == k:
            break
    return _hits(index, question, query_vector, chosen, fused, dense_of, lexical_of)


def _hits(index: Index, question: str, query_vector: np.ndarray, chosen: list[int], fused: dict[int, float],
          dense_of: dict[int, float], lexical_of: dict[int, float]) -> list[Hit]:
    ids = np.asarray(chosen, dtype=np.int64)
    missing_dense = [i for i in chosen if i not in dense_of]
    if missing_dense:
        dense_of.update(zip(missing_dense, dense_scores(index, np.asarray(missing_dense), query_vector).tolist()))
    missing_lex = [i for i in chosen if i not in lexical_of]
    if missing_lex:
        lexical_of.update(zip(missing_lex, index.bm25.score_docs(question, np.asarray(missing_lex)).tolist()))
    hits = []
    for i in ids.tolist():
        sentences: tuple[tuple[int, int], ...] = ()
        vectors = None
        if (index.chunk_sentences is not None and index.sentence_spans is not None
                and index.sentence_vectors is not None):
            a, b = (int(x) for x in index.chunk_sentences[i])
            sentences = tuple((int(s), int(e)) for s, e in index.sentence_spans[a:b])
            vectors = np.asarray(index.sentence_vectors[a:b], dtype=np.float32)
        hits.append(Hit(index.chunks[i], fused[i], float(dense_of[i]), float(lexical_of[i]), sentences, vectors))
    return hits
