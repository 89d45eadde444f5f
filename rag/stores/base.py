"""The storage interface retrieval runs on, and the choice of store by setting.

Two stores implement :class:`VectorStore`: :class:`FaissStore` over the FAISS index
folder of ``store.py`` (the default, everything in one process), and
``milvus_store.MilvusStore`` (Milvus Lite here, a Milvus cluster in production).  The
retriever, the answerer and the citations only see this interface, so they cannot
tell which store answered.

Chunk ids are opaque integers chosen by the store (row numbers in FAISS, primary keys
in Milvus); a passage is always fetched back by its id, with the offsets it was built
with, so citations round-trip ``text == file_text[start:end]`` on either store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.indexing.build import BuildReport, Progress, build_index
from rag.ingest.chunker import Chunk
from rag.stores.faiss import Index, Manifest, load_index, read_manifest
from rag.text.lexical import BM25
from rag.tuning import DEFAULT_TUNING, Tuning


@dataclass(frozen=True)
class Sentences:
    """One chunk's sentences: absolute (start, end) spans in its source, and unit vectors."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray  # (sentences, dim) float32


class VectorStore(Protocol):
    """What retrieval needs from an index, whichever engine holds it."""

    manifest: Manifest  # settings the index was built with, and its files
    bm25: BM25  # term statistics (IDF) for the answerer; lexical ranking goes through lexical_top

    def __len__(self) -> int: ...

    def fetch(self, ids: Sequence[int]) -> dict[int, Chunk]:
        """The chunks with these ids (source, offsets, text)."""
        ...

    def dense_top(self, query_vector: np.ndarray, depth: int, extra: np.ndarray | None = None,
                  tuning: Tuning = DEFAULT_TUNING) -> tuple[np.ndarray, np.ndarray]:
        """The ``depth`` best chunk ids by dense score, and their scores (best first);
        ``extra`` ids (e.g. BM25's) are scored as candidates too."""
        ...

    def dense_scores(self, ids: np.ndarray, query_vector: np.ndarray,
                     tuning: Tuning = DEFAULT_TUNING) -> np.ndarray:
        """Dense score of chunks ``ids``: chunk cosine and best-sentence cosine, mixed (:func:`combine`)."""
        ...

    def lexical_top(self, question: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``depth`` best chunk ids by BM25, and their scores."""
        ...

    def lexical_scores(self, question: str, ids: np.ndarray) -> np.ndarray:
        """BM25 score of chunks ``ids`` (0 where no term matches)."""
        ...

    def sentences(self, ids: Sequence[int]) -> dict[int, Sentences]:
        """Each chunk's sentences, in text order, so the answerer need not embed them again."""
        ...


def combine(chunk_cos: np.ndarray, best_sentence_cos: np.ndarray, tuning: Tuning = DEFAULT_TUNING) -> np.ndarray:
    """A chunk's dense score from its two cosines (the encoder was trained on sentences)."""
    w = tuning.sentence_weight
    return ((1 - w) * chunk_cos + w * best_sentence_cos).astype(np.float32)


def best_first(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` highest scores with their ids, ties broken by id (deterministic)."""
    k = min(k, len(ids))
    if k == 0:
        return ids[:0], scores[:0]
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((ids[top], -scores[top]))]
    return ids[top], scores[top]


# ---------------------------------------------------------------- FAISS

def _sentence_rows(ranges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All sentence rows of the chunks with these [first, last) ranges, and segment starts."""
    lengths = ranges[:, 1] - ranges[:, 0]
    starts = np.zeros(len(ranges), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    rows = np.repeat(ranges[:, 0] - starts, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    return rows, starts


class FaissStore:
    """The FAISS index folder (``store.Index``, held in memory) behind the interface;
    ids are row numbers."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.manifest = index.manifest
        self.bm25 = index.bm25

    def __getattr__(self, name: str):  # chunks, vectors, faiss, …: for code that reads the Index itself
        return getattr(self.__dict__["index"], name)

    def __len__(self) -> int:
        return len(self.index.chunks)

    def fetch(self, ids: Sequence[int]) -> dict[int, Chunk]:
        return {int(i): self.index.chunks[int(i)] for i in ids}

    def dense_scores(self, ids: np.ndarray, query_vector: np.ndarray,
                     tuning: Tuning = DEFAULT_TUNING) -> np.ndarray:
        index = self.index
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
        return combine(chunk_cos, np.maximum.reduceat(sims, starts), tuning)

    def dense_top(self, query_vector: np.ndarray, depth: int, extra: np.ndarray | None = None,
                  tuning: Tuning = DEFAULT_TUNING) -> tuple[np.ndarray, np.ndarray]:
        """Exact for small indexes; for large ones FAISS proposes candidates (plus
        ``extra``) that are then rescored with their sentences."""
        from rag.stores.ann import search

        n = len(self)
        if n <= tuning.exact_dense_max:
            ids = np.arange(n, dtype=np.int64)
        else:
            found, _ = search(self.index.faiss, query_vector, 4 * depth)
            ids = np.unique(np.concatenate([found.astype(np.int64),
                                            np.zeros(0, np.int64) if extra is None else extra.astype(np.int64)]))
        return best_first(ids, self.dense_scores(ids, query_vector, tuning), depth)

    def lexical_top(self, question: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        return self.bm25.top(question, depth)

    def lexical_scores(self, question: str, ids: np.ndarray) -> np.ndarray:
        return self.bm25.score_docs(question, np.asarray(ids, dtype=np.int64))

    def sentences(self, ids: Sequence[int]) -> dict[int, Sentences]:
        index = self.index
        out = {}
        for i in ids:
            if index.chunk_sentences is None or index.sentence_spans is None or index.sentence_vectors is None:
                out[int(i)] = Sentences((), np.zeros((0, index.manifest.dim), np.float32))
                continue
            a, b = (int(x) for x in index.chunk_sentences[int(i)])
            out[int(i)] = Sentences(tuple((int(s), int(e)) for s, e in index.sentence_spans[a:b]),
                                    np.asarray(index.sentence_vectors[a:b], dtype=np.float32))
        return out


def as_store(index: Index | VectorStore) -> VectorStore:
    """Accept a loaded FAISS ``Index`` wherever a store is expected (older callers)."""
    return FaissStore(index) if isinstance(index, Index) else index


# ---------------------------------------------------------------- choice by setting

def open_store(settings: Settings, embedder: Embedder) -> VectorStore:
    """Load the index of ``settings`` from the configured store (raises ``IndexMissing``)."""
    if settings.vector_store == "milvus":
        from rag.stores.milvus import load_milvus

        return load_milvus(settings, embedder)
    return FaissStore(load_index(settings, embedder))


def build_store(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
    """Build or update the index of ``settings.corpus`` in the configured store."""
    if settings.vector_store == "milvus":
        from rag.stores.milvus import build_milvus

        return build_milvus(settings, embedder, progress)
    return build_index(settings, embedder, progress)


def store_manifest(settings: Settings) -> Manifest | None:
    """The live manifest of the configured store, or ``None`` without an index."""
    if settings.vector_store == "milvus":
        from rag.stores.milvus import read_milvus_manifest

        return read_milvus_manifest(settings.index)
    return read_manifest(settings.index)
