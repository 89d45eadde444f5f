"""What a store is: the interface retrieval reads through, and the one a build writes through.

Two stores implement both: ``rag.stores.faiss`` (files in the index folder, everything in
one process; the default) and ``rag.stores.milvus`` (Milvus Lite here, a Milvus cluster in
production); ``rag.stores.registry`` picks one by the ``vector_store`` setting.  The
retriever, the answerer and the citations only see :class:`VectorStore`, so they cannot
tell which store answered; the build (``rag.indexing.build``) loads, diffs, chunks and
embeds once for both and hands the result to an :class:`IndexWriter`.

Chunk ids are opaque integers chosen by the store (row numbers in FAISS, primary keys
in Milvus); a passage is always fetched back by its id, with the offsets it was built
with, so citations round-trip ``text == file_text[start:end]`` on either store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

import numpy as np

from rag.ingest.chunker import Chunk, Span
from rag.ingest.loader import Document
from rag.stores.manifest import Manifest
from rag.text.lexical import CorpusStats
from rag.tuning import DEFAULT_TUNING, Tuning


@dataclass(frozen=True)
class Sentences:
    """One chunk's sentences: absolute (start, end) spans in its source, and unit vectors."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray  # (sentences, dim) float32


class VectorStore(Protocol):
    """What retrieval needs from an index, whichever engine holds it."""

    manifest: Manifest  # settings the index was built with, and its files

    @property
    def stats(self) -> CorpusStats:
        """Term statistics for the answerers; lexical ranking goes through :meth:`lexical_top`."""
        ...

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


# ---------------------------------------------------------------- writing

@dataclass(frozen=True)
class ChunkedFile:
    """A new or changed file, chunked: its sentence units (the embedded texts), its chunks,
    and each chunk's ``[first, last)`` range of units (neighbouring chunks overlap)."""

    doc: Document
    units: list[Span]
    chunks: list[Chunk]
    ranges: np.ndarray  # (chunks, 2) int64, rows of ``units``


@dataclass(frozen=True)
class VectorBlock:
    """The next embedded units of a file, in order, and the chunks they completed, in order."""

    sentence_vectors: np.ndarray  # (units, dim) float32
    chunk_vectors: np.ndarray  # (completed chunks, dim) float32


class IndexWriter(Protocol):
    """One build's writes into a store, made under the index folder's build lock.

    The build calls :meth:`plan` once, then :meth:`keep` or :meth:`write` for every file in
    corpus order, then :meth:`commit`; until the commit, readers keep seeing the previous
    index, and a build that stops midway leaves it as it was."""

    previous: Manifest | None  # the live index this build updates; None: a full build
    repaired: str  # why the live index was set aside as damaged ("" if it was not)

    def keeps(self, source: str) -> bool:
        """Whether an unchanged file's chunks and vectors can be kept as they are."""
        ...

    def plan(self, kept: Sequence[str], fresh: Sequence[ChunkedFile]) -> None:
        """What the new index will hold, before anything is written."""
        ...

    def keep(self, source: str) -> None: ...

    def write(self, file: ChunkedFile, blocks: Iterable[VectorBlock]) -> None: ...

    def commit(self, docs: Sequence[Document]) -> int:
        """Make the new index the live one; the number of chunks it holds."""
        ...
