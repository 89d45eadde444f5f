"""The index on disk: build it (incrementally, atomically) and load it (no pickle).

Layout of an index folder::

    index/CURRENT            name of the live version folder (replaced atomically)
    index/v-<stamp>/manifest.json   settings, per-file hashes, file sizes
                   chunks.jsonl     one {source, start, end, text[, page][, heading]} per line
                   vectors.npy      float32 unit vectors, one row per chunk
                   sentence_vectors.npy  float32 unit vectors, one row per sentence
                   sentences.npz    sentence spans, and each chunk's range of sentences
                   dense.faiss      FAISS's own format
                   bm25.npz, bm25_vocab.json

Only sentences are embedded: a chunk's vector is the normalised, length-weighted mean
of its sentences' vectors.  Retrieval scores a chunk by that vector and by its best
sentence (the encoder was trained on sentences), and the extractive answerer reads the
sentence vectors instead of embedding candidate sentences at query time.

A build writes a new version folder and only then points ``CURRENT`` at it, so a crash
or Ctrl-C mid-build leaves the previous index untouched and loadable.  Builds hold
``index/.build.lock`` (builds in other processes wait their turn); loading never does.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from .chunker import Chunk, chunk_units
from .config import Settings
from .embeddings import Embedder
from .errors import IndexMissing, RagError
from .lexical import BM25
from .loader import Document, Skipped, load_corpus

FORMAT_VERSION = 3  # 2: sentence vectors; 3: PDF/Word/HTML, rendered Markdown, page/heading per chunk
POINTER = "CURRENT"
LOCK = ".build.lock"
_DATA_FILES = ("chunks.jsonl", "vectors.npy", "dense.faiss", "bm25.npz", "bm25_vocab.json",
               "sentence_vectors.npy", "sentences.npz")
EMBED_BATCH = 64
_IN_MEMORY_BYTES = 256 * 2**20  # sentence vectors up to this size are read, larger ones memory-mapped

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    encoding: str
    chunks: int


@dataclass(frozen=True)
class Manifest:
    format: int
    embedding: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    index_type: str
    files: dict[str, FileEntry]
    built_at: str
    sizes: dict[str, int] = field(default_factory=dict)  # bytes per data file, to catch truncation
    resolved_index_type: str = "flat"  # what "auto" chose

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        files = {k: FileEntry(**v) for k, v in data.pop("files").items()}
        return cls(files=files, **data)


@dataclass
class Index:
    """A loaded index: everything retrieval needs, held in memory."""

    path: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: np.ndarray
    faiss: Any
    bm25: BM25
    sentence_spans: np.ndarray | None = None  # (sentences, 2) int64 [start, end) in the chunk's source
    sentence_vectors: np.ndarray | None = None  # (sentences, dim) float32 unit vectors
    chunk_sentences: np.ndarray | None = None  # (chunks, 2) int64 [first, last) sentence rows


@dataclass
class BuildReport:
    files: int
    chunks: int
    seconds: float
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: list[Skipped]
    embedded_chunks: int
    up_to_date: bool = False
    embedded_sentences: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data


# ---------------------------------------------------------------- loading

def live_version(root: Path) -> Path | None:
    pointer = root / POINTER
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return root / name if name else None


def read_manifest(root: Path) -> Manifest | None:
    """The live manifest, or ``None`` if there is no index (corrupt ones raise)."""
    version = live_version(root)
    if version is None:
        return None
    try:
        data = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        manifest = Manifest.from_json(data)
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise _corrupt(root, f"unreadable manifest ({type(err).__name__})") from None
    if manifest.format != FORMAT_VERSION:
        raise RagError(f"index at {root} has format {manifest.format}, this version reads "
                       f"{FORMAT_VERSION}: run `rag index` to rebuild it")
    return manifest


def _corrupt(root: Path, why: str) -> RagError:
    return RagError(f"index at {root} is corrupt or incomplete ({why}): run `rag index` to rebuild it")


def check_compatible(manifest: Manifest, settings: Settings, embedder: Embedder, root: Path) -> None:
    """Refuse an index whose vectors or chunks would not match what queries assume."""
    if manifest.embedding != embedder.name:
        raise RagError(f"index at {root} was built with embedding {manifest.embedding!r} but settings "
                       f"use {embedder.name!r}: run `rag index` to rebuild it")
    if (manifest.chunk_size, manifest.chunk_overlap) != (settings.chunk_size, settings.chunk_overlap):
        raise RagError(f"index at {root} was built with chunk size {manifest.chunk_size}/"
                       f"{manifest.chunk_overlap} but settings use {settings.chunk_size}/"
                       f"{settings.chunk_overlap}: run `rag index` to rebuild it")


def load_index(settings: Settings, embedder: Embedder) -> Index:
    """Load the live index and verify it against the settings; never unpickles."""
    import faiss

    root = settings.index
    manifest = read_manifest(root)
    if manifest is None:
        raise IndexMissing(f"no index at {root}: run `rag index` to build it")
    check_compatible(manifest, settings, embedder, root)
    version = live_version(root)
    assert version is not None
    _check_files(root, version, manifest)
    try:
        chunks = _read_chunks(version / "chunks.jsonl")
        vectors = np.load(version / "vectors.npy", allow_pickle=False)
        index = faiss.read_index(str(version / "dense.faiss"))
        with np.load(version / "bm25.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        terms = json.loads((version / "bm25_vocab.json").read_text(encoding="utf-8"))
        bm25 = BM25.from_arrays(terms, arrays)
        spans, ranges, sent_vectors = _read_sentences(version)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise _corrupt(root, f"{type(err).__name__}") from None
    n = len(chunks)
    if vectors.shape != (n, manifest.dim) or index.ntotal != n or bm25.n_docs != n:
        raise _corrupt(root, "chunk, vector and index counts disagree")
    if (sent_vectors.shape != (len(spans), manifest.dim) or ranges.shape != (n, 2)
            or (n and (ranges.min() < 0 or ranges.max() > len(spans) or (ranges[:, 0] >= ranges[:, 1]).any()))):
        raise _corrupt(root, "sentence and chunk counts disagree")
    return Index(root, manifest, chunks, vectors, index, bm25, spans, sent_vectors, ranges)


def _read_sentences(version: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence spans, each chunk's sentence range, and the sentence vectors (memory-mapped)."""
    with np.load(version / "sentences.npz", allow_pickle=False) as z:
        spans = z["spans"].astype(np.int64).reshape(-1, 2)
        ranges = z["chunk_sentences"].astype(np.int64).reshape(-1, 2)
    vectors = np.load(version / "sentence_vectors.npy", mmap_mode="r", allow_pickle=False)
    if vectors.nbytes <= _IN_MEMORY_BYTES:
        vectors = np.array(vectors)  # small: read it; large: leave it mapped, pages load on use
    return spans, ranges, vectors


def _check_files(root: Path, version: Path, manifest: Manifest) -> None:
    """Cheap integrity check: every data file present, with the size it was written with."""
    for name in _DATA_FILES:
        path = version / name
        if not path.is_file():
            raise _corrupt(root, f"{name} is missing")
        if manifest.sizes.get(name) not in (None, path.stat().st_size):
            raise _corrupt(root, f"{name} has the wrong size")


def _read_chunks(path: Path) -> list[Chunk]:
    with path.open(encoding="utf-8") as fh:
        return [Chunk(**json.loads(line)) for line in fh if line.strip()]


# ---------------------------------------------------------------- building

@dataclass
class _Part:
    """One source file's share of the index: chunks, sentences and their vectors."""

    chunks: list[Chunk]
    vectors: np.ndarray  # (chunks, dim)
    spans: np.ndarray  # (sentences, 2) absolute offsets
    sentence_vectors: np.ndarray  # (sentences, dim)
    ranges: np.ndarray  # (chunks, 2) sentence rows, local to this part


def _previous(settings: Settings, embedder: Embedder) -> tuple[Manifest, dict[str, _Part]] | None:
    """The live index's parts by source, when they can be reused for this build."""
    try:
        manifest = read_manifest(settings.index)
        if manifest is None:
            return None
        check_compatible(manifest, settings, embedder, settings.index)
        version = live_version(settings.index)
        assert version is not None
        _check_files(settings.index, version, manifest)
        chunks = _read_chunks(version / "chunks.jsonl")
        vectors = np.load(version / "vectors.npy", allow_pickle=False)
        spans, ranges, sent_vectors = _read_sentences(version)
        if len(vectors) != len(chunks) or len(ranges) != len(chunks) or len(sent_vectors) != len(spans):
            return None
        rows: dict[str, list[int]] = {}
        for i, chunk in enumerate(chunks):
            rows.setdefault(chunk.source, []).append(i)
        parts = {}
        for source, idx in rows.items():
            r = ranges[idx]
            first, last = int(r[:, 0].min()), int(r[:, 1].max())
            parts[source] = _Part([chunks[i] for i in idx], vectors[idx], spans[first:last],
                                  np.asarray(sent_vectors[first:last], dtype=np.float32), r - first)
        return manifest, parts
    except (RagError, OSError, ValueError, TypeError, KeyError):
        return None  # an unusable old index is simply rebuilt from scratch


def build_index(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
    """Build or update the index for ``settings.corpus``; reuse vectors of unchanged files."""
    started = time.perf_counter()
    docs, skipped = load_corpus(settings.corpus)
    try:
        with _build_lock(settings.index):  # a second builder waits, then finds the index up to date
            return _update(settings, embedder, docs, skipped, started, progress)
    except OSError as e:  # the index folder cannot be created or written (the live one is untouched)
        raise RagError(f"cannot write the index at {settings.index}: {e.strerror or e}") from e


def _update(settings: Settings, embedder: Embedder, docs: list[Document], skipped: list[Skipped],
            started: float, progress: Progress | None) -> BuildReport:
    """The build proper, under the lock: diff against the live index, embed what is new, write."""
    previous = _previous(settings, embedder)
    old_files = previous[0].files if previous else {}
    current = {d.source: d for d in docs}
    added = sorted(s for s in current if s not in old_files)
    changed = sorted(s for s in current if s in old_files and old_files[s].sha256 != current[s].sha256)
    removed = sorted(s for s in old_files if s not in current)
    unchanged = sorted(s for s in current if s in old_files and s not in changed)
    if previous and not (added or changed or removed) and previous[0].index_type == settings.index_type:
        return BuildReport(len(docs), sum(len(p.chunks) for p in previous[1].values()),
                           time.perf_counter() - started, [], [], [], unchanged, skipped, 0, up_to_date=True)

    # source -> its part of the index: reused from the old index, or embedded below
    by_source: dict[str, _Part] = {s: previous[1][s] for s in unchanged if s in previous[1]} if previous else {}
    fresh = {d.source: (d, *chunk_units(d, settings.chunk_size, settings.chunk_overlap))
             for d in docs if d.source not in by_source}
    order = sorted(fresh)
    texts = [doc.text[u.start : u.end] for s in order for doc, units, _, _ in [fresh[s]] for u in units]
    n_chunks = sum(len(fresh[s][2]) for s in order)

    def in_chunks(done: int, total: int) -> None:  # progress is reported in chunks, the unit users know
        if progress:
            progress(n_chunks if done >= total else n_chunks * done // max(total, 1), n_chunks)

    sentence_vectors = _embed_batched(embedder, texts, in_chunks)

    row = 0
    for source in order:
        doc, units, doc_chunks, ranges = fresh[source]
        svec = sentence_vectors[row : row + len(units)]
        row += len(units)
        lengths = np.sqrt(np.asarray([u.end - u.start for u in units], dtype=np.float32))
        spans = np.asarray([(u.start, u.end) for u in units], dtype=np.int64).reshape(-1, 2)
        r = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        by_source[source] = _Part(doc_chunks, chunk_vectors(svec, lengths, r), spans, svec, r)

    chunks: list[Chunk] = []
    vec_parts, span_parts, svec_parts, range_parts = [], [], [], []
    offset = 0
    for doc in docs:  # corpus order, so the index is the same however it was built
        part = by_source[doc.source]
        chunks.extend(part.chunks)
        vec_parts.append(part.vectors)
        span_parts.append(part.spans)
        svec_parts.append(part.sentence_vectors)
        range_parts.append(part.ranges + offset)
        offset += len(part.spans)
    dim = embedder.dim
    vectors = np.concatenate(vec_parts).astype(np.float32) if vec_parts else np.zeros((0, dim), np.float32)
    sentences = (np.concatenate(span_parts) if span_parts else np.zeros((0, 2), np.int64),
                 np.concatenate(range_parts) if range_parts else np.zeros((0, 2), np.int64),
                 np.concatenate(svec_parts).astype(np.float32) if svec_parts else np.zeros((0, dim), np.float32))

    _write_version(settings, embedder, docs, chunks, vectors, sentences)
    return BuildReport(len(docs), len(chunks), time.perf_counter() - started, added, changed, removed,
                       unchanged, skipped, n_chunks, embedded_sentences=len(texts))


def chunk_vectors(sentence_vectors: np.ndarray, weights: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Each chunk's vector: the normalised mean of its sentences' vectors, weighted by
    the square root of their length (on the dev set as good as embedding the chunk
    text itself, at no embedding cost; BENCHMARKS.md)."""
    weighted = np.asarray(sentence_vectors, dtype=np.float32) * weights[:, None]
    out = np.zeros((len(ranges), weighted.shape[1]), dtype=np.float32)
    if len(ranges):
        cumulative = np.vstack([np.zeros((1, weighted.shape[1]), np.float32), np.cumsum(weighted, axis=0)])
        out = cumulative[ranges[:, 1]] - cumulative[ranges[:, 0]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.maximum(norms, 1e-12)).astype(np.float32)


def _embed_batched(embedder: Embedder, texts: list[str], progress: Progress | None) -> np.ndarray:
    parts = []
    for i in range(0, len(texts), EMBED_BATCH):
        parts.append(embedder.embed(texts[i : i + EMBED_BATCH]))
        if progress:
            progress(min(i + EMBED_BATCH, len(texts)), len(texts))
    if progress and not texts:
        progress(0, 0)
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)


def _write_version(settings: Settings, embedder: Embedder, docs: list[Document],
                   chunks: list[Chunk], vectors: np.ndarray,
                   sentences: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Write a complete version folder, then switch ``CURRENT`` to it atomically."""
    import faiss

    from .dense import build_faiss, choose_type

    root = settings.index
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(_chunk_json(c), ensure_ascii=False) + "\n")
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        spans, ranges, sentence_vectors = sentences
        np.savez(tmp / "sentences.npz", spans=spans, chunk_sentences=ranges)
        np.save(tmp / "sentence_vectors.npy", sentence_vectors, allow_pickle=False)
        faiss.write_index(build_faiss(vectors, settings.index_type), str(tmp / "dense.faiss"))
        bm25 = BM25.build([c.text for c in chunks])
        np.savez(tmp / "bm25.npz", **bm25.arrays())  # type: ignore[arg-type]  # numpy's stub reads ** as allow_pickle
        terms = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
        (tmp / "bm25_vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.source] = counts.get(c.source, 0) + 1
        manifest = Manifest(
            format=FORMAT_VERSION, embedding=embedder.name, dim=int(vectors.shape[1]),
            chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap,
            index_type=settings.index_type,
            files={d.source: FileEntry(d.sha256, d.encoding, counts.get(d.source, 0)) for d in docs},
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            sizes={name: (tmp / name).stat().st_size for name in _DATA_FILES},
            resolved_index_type=choose_type(settings.index_type, len(chunks)),
        )
        data = asdict(manifest)
        (tmp / "manifest.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        version = root / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        tmp.rename(version)
        pointer_tmp = root / f".{POINTER}.tmp"
        pointer_tmp.write_text(version.name + "\n", encoding="utf-8")
        os.replace(pointer_tmp, root / POINTER)  # the commit point
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_versions(root, keep=version.name)


def _chunk_json(c: Chunk) -> dict[str, Any]:
    """A chunk's line in chunks.jsonl; ``page``/``heading`` only where the format has them."""
    data: dict[str, Any] = {"source": c.source, "start": c.start, "end": c.end, "text": c.text}
    if c.page is not None:
        data["page"] = c.page
    if c.heading is not None:
        data["heading"] = c.heading
    return data


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Hold the index folder's build lock: builds from several processes (a terminal and
    the browser's *Rebuild*) take turns instead of racing for ``CURRENT`` and removing
    each other's half-written folders.  Readers never take it."""
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not on POSIX: builds are not serialised across processes
        yield
        return
    with (root / LOCK).open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as fh:
            os.fsync(fh.fileno())


def _remove_old_versions(root: Path, keep: str) -> None:
    for path in root.iterdir():
        if path.is_dir() and path.name != keep and (path.name.startswith("v-") or path.name.startswith(".building-")):
            shutil.rmtree(path, ignore_errors=True)
