"""The FAISS store: the index folder's layout, its verification, loading it (no pickle) and
searching it.  Writing a new version is ``rag.stores.faiss_writer``.

Layout of an index folder::

    index/CURRENT            name of the live version folder (replaced atomically)
    index/v-<stamp>/manifest.json   settings, per-source-file hashes, size + xxh3 of each data file
                   chunks.jsonl     one {source, start, end, text[, page][, heading]} per line
                   vectors.npy      float32 unit vectors, one row per chunk
                   sentence_vectors.npy  float32 unit vectors, one row per sentence
                   sentences.npz    sentence spans, and each chunk's range of sentences
                   dense.faiss      FAISS's own format
                   bm25.npz, bm25_vocab.json

Only sentences are embedded: a chunk's vector is the normalised, length-weighted mean
of its sentences' vectors (``rag.indexing.build``).

Every data file's size and xxh3-64 hash are in the manifest and are checked before
anything is parsed, so a flipped byte is reported as a damaged index (which
``rag index`` then rebuilds) instead of a parser's traceback or, worse, NaN vectors
that still answer.  xxh3 hashes at about 5 GB/s here (crc32 0.8, blake2b 0.25), so the check costs
milliseconds for the seeds; at load, sentence vectors too large to read into memory are
checked by size only (see :func:`verify_files`; figures in benchmarks/sections/reliability.md).

Readers take no lock.  A build keeps the version it replaced, so a reader that read
``CURRENT`` just before the switch still finds its folder; if two builds finish
while it opens files, it sees the folder vanish, re-reads ``CURRENT`` and retries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import IndexMissing, RagError
from rag.ingest.chunker import Chunk
from rag.stores.base import Sentences, best_first, combine
from rag.stores.manifest import FORMAT_VERSION, Manifest, check_compatible
from rag.text.lexical import BM25, CorpusStats
from rag.tuning import DEFAULT_TUNING, Tuning

POINTER = "CURRENT"
DATA_FILES = ("chunks.jsonl", "vectors.npy", "dense.faiss", "bm25.npz", "bm25_vocab.json",
              "sentence_vectors.npy", "sentences.npz")
_IN_MEMORY_BYTES = 256 * 2**20  # sentence vectors up to this size are read, larger ones memory-mapped
MAPPED_FILE = "sentence_vectors.npy"
_VERSION_NAME = re.compile(r"v-[A-Za-z0-9_.-]+")
_HASH_BLOCK = 8 * 2**20
_LOAD_ATTEMPTS = 3  # a reader retries when CURRENT moved on while it was opening files


@dataclass
class FaissStore:
    """A loaded FAISS index folder, held in memory (sentence vectors may stay memory-mapped);
    chunk ids are row numbers."""

    path: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss: Any
    bm25: BM25
    sentence_spans: np.ndarray | None = None  # (sentences, 2) int64 [start, end) in the chunk's source
    sentence_vectors: np.ndarray | None = None  # (sentences, dim) float32 unit vectors
    chunk_sentences: np.ndarray | None = None  # (chunks, 2) int64 [first, last) sentence rows

    @property
    def stats(self) -> CorpusStats:
        return self.bm25

    def __len__(self) -> int:
        return len(self.chunks)

    def fetch(self, ids: Sequence[int]) -> dict[int, Chunk]:
        return {int(i): self.chunks[int(i)] for i in ids}

    def dense_scores(self, ids: np.ndarray, query_vector: np.ndarray,
                     tuning: Tuning = DEFAULT_TUNING) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        chunk_cos = self.vectors[ids] @ query_vector
        if self.sentence_vectors is None or self.chunk_sentences is None or len(ids) == 0:
            return chunk_cos.astype(np.float32)
        rows, starts = _sentence_rows(self.chunk_sentences[ids])
        if len(ids) == len(self.chunks):  # every sentence once, then gather
            sims = (np.asarray(self.sentence_vectors) @ query_vector)[rows]
        else:
            unique, inverse = np.unique(rows, return_inverse=True)
            sims = (np.asarray(self.sentence_vectors[unique]) @ query_vector)[inverse]
        return combine(chunk_cos, np.maximum.reduceat(sims, starts), tuning)

    def dense_top(self, query_vector: np.ndarray, depth: int, extra: np.ndarray | None = None,
                  tuning: Tuning = DEFAULT_TUNING) -> tuple[np.ndarray, np.ndarray]:
        """Exact for small indexes; for large ones FAISS proposes candidates (plus
        ``extra``) that are then rescored with their sentences."""
        from rag.stores.vector_index import search

        n = len(self)
        if n <= tuning.exact_dense_max:
            ids = np.arange(n, dtype=np.int64)
        else:
            found, _ = search(self.faiss, query_vector, 4 * depth)
            ids = np.unique(np.concatenate([found.astype(np.int64),
                                            np.zeros(0, np.int64) if extra is None else extra.astype(np.int64)]))
        return best_first(ids, self.dense_scores(ids, query_vector, tuning), depth)

    def lexical_top(self, question: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        return self.bm25.top(question, depth)

    def lexical_scores(self, question: str, ids: np.ndarray) -> np.ndarray:
        return self.bm25.score_docs(question, np.asarray(ids, dtype=np.int64))

    def sentences(self, ids: Sequence[int]) -> dict[int, Sentences]:
        out = {}
        for i in ids:
            if self.chunk_sentences is None or self.sentence_spans is None or self.sentence_vectors is None:
                out[int(i)] = Sentences((), np.zeros((0, self.manifest.dim), np.float32))
                continue
            a, b = (int(x) for x in self.chunk_sentences[int(i)])
            out[int(i)] = Sentences(tuple((int(s), int(e)) for s, e in self.sentence_spans[a:b]),
                                    np.asarray(self.sentence_vectors[a:b], dtype=np.float32))
        return out


def _sentence_rows(ranges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All sentence rows of the chunks with these [first, last) ranges, and segment starts."""
    lengths = ranges[:, 1] - ranges[:, 0]
    starts = np.zeros(len(ranges), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    rows = np.repeat(ranges[:, 0] - starts, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    return rows, starts


class IndexDamaged(RagError):
    """The live index exists but fails verification; ``rag index`` rebuilds it."""

    def __init__(self, message: str, why: str = "") -> None:
        super().__init__(message)
        self.why = why or message


def corrupt(root: Path, why: str) -> IndexDamaged:
    return IndexDamaged(f"index at {root} is damaged ({why}): run `rag index`, which rebuilds it", why)


# ---------------------------------------------------------------- the pointer and the manifest

def live_version(root: Path) -> Path | None:
    """The live version folder named by ``CURRENT``; ``None`` when there is no index yet."""
    pointer = root / POINTER
    if pointer.is_dir():
        raise RagError(f"{pointer} is a folder, but it must be the file naming the live index: "
                       f"move it away, then run `rag index`")
    try:
        raw = pointer.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise RagError(f"cannot read {pointer}: {err.strerror or err}") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise corrupt(root, f"{POINTER} is not a version name") from None
    if not name:
        return None
    if not _VERSION_NAME.fullmatch(name):
        raise corrupt(root, f"{POINTER} is not a version name")
    return root / name


def read_manifest(root: Path, version: Path | None = None) -> Manifest | None:
    """The live (or given) version's manifest, or ``None`` if there is no index (damaged ones raise)."""
    version = version or live_version(root)
    if version is None:
        return None
    try:
        data = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        manifest = Manifest.from_json(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise corrupt(root, f"unreadable manifest ({type(err).__name__})") from None
    if manifest.format != FORMAT_VERSION:
        raise IndexDamaged(f"index at {root} has format {manifest.format}, this version reads "
                           f"{FORMAT_VERSION}: run `rag index` to rebuild it",
                           f"format {manifest.format}, not {FORMAT_VERSION}")
    return manifest


# ---------------------------------------------------------------- verification

def file_checksum(path: Path) -> str:
    """xxh3-64 of a file's bytes, read in blocks so memory does not grow with the file."""
    import xxhash

    digest = xxhash.xxh3_64()
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def verify_files(root: Path, version: Path, manifest: Manifest, full: bool = True) -> None:
    """Every data file present, with the size and hash it was written with.

    With ``full=False`` (loading for queries) a sentence-vector file too large to read
    into memory is checked by size only: it stays memory-mapped and only the pages a
    query touches are read, so hashing it would read gigabytes on every cold start.
    Builds always verify fully before reusing anything."""
    for name in DATA_FILES:
        path = version / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise corrupt(root, f"{name} is missing") from None
        if manifest.sizes.get(name) != size:
            raise corrupt(root, f"{name} has the wrong size")
        if not full and name == MAPPED_FILE and size > _IN_MEMORY_BYTES:
            continue
        if manifest.checksums.get(name) != file_checksum(path):
            raise corrupt(root, f"{name} does not match its checksum")


# ---------------------------------------------------------------- loading

def load_index(settings: Settings, embedder: Embedder) -> FaissStore:
    """Load the live index and verify it against the settings; never unpickles.

    If the version vanished while it was being opened (two rebuilds finished in the
    meantime), ``CURRENT`` is read again and the newer version is loaded.
    """
    root = settings.index
    for attempt in range(_LOAD_ATTEMPTS):
        version = live_version(root)
        if version is None:
            raise IndexMissing(f"no index at {root}: run `rag index` to build it")
        try:
            return _load_version(settings, embedder, version)
        except RagError:
            if attempt + 1 == _LOAD_ATTEMPTS or live_version(root) == version:
                raise
    raise AssertionError("unreachable")


def _load_version(settings: Settings, embedder: Embedder, version: Path) -> FaissStore:
    import faiss

    root = settings.index
    manifest = read_manifest(root, version)
    assert manifest is not None
    check_compatible(manifest, settings, embedder, root)
    verify_files(root, version, manifest, full=False)
    try:
        chunks = read_chunks(version / "chunks.jsonl")
        vectors = np.load(version / "vectors.npy", allow_pickle=False)
        index = faiss.read_index(str(version / "dense.faiss"))
        with np.load(version / "bm25.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        terms = json.loads((version / "bm25_vocab.json").read_text(encoding="utf-8"))
        bm25 = BM25.from_arrays(terms, arrays)
        spans, ranges, sent_vectors = read_sentences(version)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, EOFError) as err:
        raise corrupt(root, f"{type(err).__name__}") from None
    n = len(chunks)
    if vectors.shape != (n, manifest.dim) or index.ntotal != n or bm25.n_docs != n:
        raise corrupt(root, "chunk, vector and index counts disagree")
    check_sentences(root, manifest, n, spans, ranges, sent_vectors)
    return FaissStore(root, manifest, chunks, vectors, index, bm25, spans, sent_vectors, ranges)


def check_sentences(root: Path, manifest: Manifest, n_chunks: int, spans: np.ndarray, ranges: np.ndarray,
                    vectors: np.ndarray) -> None:
    if (vectors.shape != (len(spans), manifest.dim) or ranges.shape != (n_chunks, 2)
            or (n_chunks and (ranges.min() < 0 or ranges.max() > len(spans)
                              or (ranges[:, 0] >= ranges[:, 1]).any()))):
        raise corrupt(root, "sentence and chunk counts disagree")


def read_sentences(version: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence spans, each chunk's sentence range, and the sentence vectors (memory-mapped)."""
    with np.load(version / "sentences.npz", allow_pickle=False) as z:
        spans = z["spans"].astype(np.int64).reshape(-1, 2)
        ranges = z["chunk_sentences"].astype(np.int64).reshape(-1, 2)
    vectors = np.load(version / MAPPED_FILE, mmap_mode="r", allow_pickle=False)
    if vectors.nbytes <= _IN_MEMORY_BYTES:
        vectors = np.array(vectors)  # small: read it; large: leave it mapped, pages load on use
    return spans, ranges, vectors


def read_chunks(path: Path) -> list[Chunk]:
    with path.open(encoding="utf-8") as fh:
        return [Chunk(**json.loads(line)) for line in fh if line.strip()]
