"""The one ingest path: load the corpus, diff it against the live index, chunk what is new
or changed, embed it, and hand it to the configured store (``rag.stores.registry``).

Why it is shaped like this:

- **Only sentences are embedded.**  A chunk's vector is the normalised, length-weighted
  mean of its sentences' vectors, formed as soon as its last sentence is embedded.
- **Unchanged files are not embedded again.**  The corpus is diffed against the live
  index's manifest by content hash; the store keeps (or copies) the rows of unchanged files.
- **One builder at a time.**  Builds hold ``index/.build.lock`` (``filelock``, so it
  works on every OS): a terminal rebuild and the browser's *Rebuild* take turns instead
  of racing for the live index.
- **Bounded memory.**  Sentences are embedded in blocks and handed to the store block by
  block (the FAISS store streams them to disk).
- **The index folder is the index's own.**  A build refuses a folder that holds anything
  the index did not make (:func:`check_index_folder`), before it writes a byte there, and
  deletes only what it made: its reserved names, and version folders holding its manifest.
- **Resumable.**  Each block's vectors are also written to ``index/.embed-cache/``,
  keyed by the embedder's name and the block's text; an interrupted build therefore
  resumes without re-embedding what it finished.  A successful build clears the cache
  (the index itself then holds the vectors, and unchanged files are reused from it).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from rag.config import Settings, refuse_system_folder
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.indexing import estimate
from rag.indexing.estimate import Estimate
from rag.ingest.chunker import chunk_units
from rag.ingest.loader import Skipped, limits_of, load_corpus
from rag.stores.base import ChunkedFile, IndexWriter, VectorBlock
from rag.stores.manifest import BuildReport, Progress, corpus_diff, is_version_folder
from rag.stores.registry import backend

LOCK = ".build.lock"
CACHE = ".embed-cache"
EMBED_BATCH = 64  # texts per embedder call
CACHE_BLOCK = 512  # sentences per cache entry: the unit of resumption (~1 MB of vectors at dim 512)


def build_index(settings: Settings, embedder: Embedder, progress: Progress | None = None,
                on_estimate: Callable[[Estimate], None] | None = None) -> BuildReport:
    """Build or update the index of ``settings.corpus`` in the configured store; only new and
    changed files are embedded."""
    started = time.perf_counter()
    docs, skipped = load_corpus(settings.corpus, limits_of(settings))
    root = settings.index
    check_index_folder(root)
    try:
        with _build_lock(root), backend(settings).writer(settings, embedder) as writer:
            report = _update(settings, embedder, writer, docs, skipped, progress, on_estimate)
    except OSError as e:  # the index folder cannot be created or written (the live one is untouched)
        raise RagError(write_error(root, e)) from None
    report.seconds = time.perf_counter() - started
    return report


# What a build may find in (and make in) its index folder besides version folders
# (rag.stores.manifest.is_version_folder): the pointers of FAISS (CURRENT) and Milvus
# (MILVUS), their temporary names, the lock, the embedding cache, the Milvus Lite file,
# and unfinished builds.
INDEX_NAMES = frozenset(("CURRENT", ".CURRENT.tmp", "MILVUS", ".MILVUS.tmp", LOCK, CACHE, "milvus.db"))
BUILDING_PREFIX = ".building-"
# Files that only keep a folder in version control or are the desktop's own: a fresh
# clone's index/ holds .gitkeep.  A build neither needs nor touches them.
PLACEHOLDERS = frozenset((".gitkeep", ".gitignore", ".keep", ".DS_Store"))


def check_index_folder(root: Path) -> None:
    """Refuse to build into ``root`` unless it is missing, empty, or holds only what an index makes.

    A build deletes old versions and stale files in its folder: pointed at a folder of
    other things (``--index ~/docs``, ``--index /``) it must not start, and a folder named
    like a version (``v-important/``) that it did not write is someone else's."""
    refuse_system_folder(root)
    if not root.exists():
        return
    if not root.is_dir():
        raise RagError(f"index folder {root} is a file: give the index a folder of its own (e.g. --index ./index)")
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as err:
        raise RagError(write_error(root, err)) from None
    foreign = [entry.name + ("/" if entry.is_dir() else "") for entry in entries
               if entry.name not in INDEX_NAMES and not entry.name.startswith(BUILDING_PREFIX)
               and not (entry.name in PLACEHOLDERS and entry.is_file())
               and not is_version_folder(Path(entry.path))]
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        what = "is not a rag index" if len(foreign) == len(entries) else "holds things the index did not make"
        raise RagError(f"index folder {root} {what} ({shown}); a build would share it with them: "
                       "give the index a folder of its own (e.g. --index ./index), or move them out")


def write_error(root: Path, err: OSError) -> str:
    """Name the cause of a failed write in words (a full disk, not "538624 requested and 397280 written")."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full"
    elif err.errno is None and " requested and " in str(err):  # NumPy's words for a short write
        why = "the disk is full (a write stopped short)"
    elif err.errno == errno.EFBIG:
        why = "a file would exceed the file-size limit (ulimit -f) or the file system's maximum"
    else:
        why = err.strerror or str(err)
    return f"cannot write the index at {root}: {why}; the previous index is unchanged"


def _update(settings: Settings, embedder: Embedder, writer: IndexWriter, docs: list, skipped: list[Skipped],
            progress: Progress | None, on_estimate: Callable[[Estimate], None] | None = None) -> BuildReport:
    """Under the lock: diff against the live index, embed what is new, write a version."""
    prev = writer.previous
    diff = corpus_diff(prev.files if prev else {}, docs)
    if prev and not diff.any and prev.index_type == settings.index_type:
        return BuildReport(len(docs), prev.chunks, 0.0, [], [], [], diff.unchanged, skipped, 0, up_to_date=True)

    unchanged = set(diff.unchanged)
    plan: list[ChunkedFile | str] = []
    for doc in docs:  # corpus order, so the index is the same however it was built
        if doc.source in unchanged and writer.keeps(doc.source):
            plan.append(doc.source)
        else:
            units, doc_chunks, ranges = chunk_units(doc, settings.chunk_size, settings.chunk_overlap)
            plan.append(ChunkedFile(doc, units, doc_chunks, np.asarray(ranges, dtype=np.int64).reshape(-1, 2)))
    fresh = [p for p in plan if isinstance(p, ChunkedFile)]
    writer.plan([p for p in plan if isinstance(p, str)], fresh)
    counts = _Counts(sentences=sum(len(p.units) for p in fresh), chunks=sum(len(p.chunks) for p in fresh))
    cache = _EmbedCache(settings.index / CACHE, embedder)
    if on_estimate and (found := _estimate(fresh, cache, embedder)):
        on_estimate(found)
    tracker = _Tracker(counts, progress)
    for item in plan:
        if isinstance(item, str):
            writer.keep(item)
        else:
            writer.write(item, _embedded(item, cache, tracker, embedder.dim))
    tracker.finish()
    chunks = writer.commit(docs)
    shutil.rmtree(settings.index / CACHE, ignore_errors=True)  # the new version holds every vector now
    return BuildReport(len(docs), chunks, 0.0, diff.added, diff.changed, diff.removed, diff.unchanged,
                       skipped, counts.chunks, embedded_sentences=tracker.embedded,
                       cached_sentences=tracker.cached, repaired=writer.repaired)


def _embedded(file: ChunkedFile, cache: _EmbedCache, tracker: _Tracker, dim: int) -> Iterator[VectorBlock]:
    """A file's sentence vectors a block at a time, with the chunk vectors each block completes."""
    weights = np.sqrt(np.asarray([u.end - u.start for u in file.units], dtype=np.float32))
    means = _ChunkMeans(file.ranges, weights, dim)
    for texts in _blocks(file):
        vectors, cached = cache.vectors(texts)
        tracker.advance(len(texts), cached)
        yield VectorBlock(vectors, means.add(vectors))


def _blocks(file: ChunkedFile) -> Iterator[list[str]]:
    """A file's sentence texts, a cache block at a time."""
    for i in range(0, len(file.units), CACHE_BLOCK):
        yield [file.doc.text[u.start : u.end] for u in file.units[i : i + CACHE_BLOCK]]


def _estimate(fresh: list[ChunkedFile], cache: _EmbedCache, embedder: Embedder) -> Estimate | None:
    """How long embedding the blocks not yet in the cache will take, measured on the first
    of them; the measured vectors stay in the build's memo, so nothing is embedded twice."""
    if sum(u.end - u.start for f in fresh for u in f.units) < estimate.MIN_CHARS:
        return None  # a small build: not worth hashing its blocks to find out
    chars = sentences = 0
    first: list[str] = []
    for file in fresh:
        for texts in _blocks(file):
            if cache.has(texts):  # finished by an interrupted build
                continue
            chars += sum(map(len, texts))
            sentences += len(texts)
            first = first or list(dict.fromkeys(texts))[: int(getattr(embedder, "batch_size", EMBED_BATCH)) + 1]
    return estimate.estimate(embedder.name, chars, sentences, first, cache.remember)


@dataclass
class _Counts:
    sentences: int
    chunks: int


class _Tracker:
    """Counts embedded and cached sentences; reports progress in chunks, the unit users know."""

    def __init__(self, todo: _Counts, progress: Progress | None) -> None:
        self.todo, self.progress = todo, progress
        self.embedded = self.cached = 0

    def advance(self, sentences: int, cached: bool) -> None:
        if cached:
            self.cached += sentences
        else:
            self.embedded += sentences
        if self.progress:
            done = self.embedded + self.cached
            self.progress(self.todo.chunks * done // max(self.todo.sentences, 1), self.todo.chunks)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.todo.chunks, self.todo.chunks)


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


class _ChunkMeans:
    """Chunk vectors of one file from its sentence vectors as they arrive in blocks.

    Chunks are consecutive, overlapping runs of sentences, so only the sentences from
    the first unfinished chunk on need to be kept."""

    def __init__(self, ranges: np.ndarray, weights: np.ndarray, dim: int) -> None:
        self.ranges, self.weights = ranges, weights
        self.buffer = np.zeros((0, dim), dtype=np.float32)
        self.base = 0  # unit row of buffer[0]
        self.done = 0  # chunks emitted

    def add(self, vectors: np.ndarray) -> np.ndarray:
        self.buffer = np.concatenate([self.buffer, np.asarray(vectors, dtype=np.float32)])
        end = self.base + len(self.buffer)
        ready = self.done
        while ready < len(self.ranges) and self.ranges[ready, 1] <= end:
            ready += 1
        out = chunk_vectors(self.buffer, self.weights[self.base : end], self.ranges[self.done : ready] - self.base)
        self.done = ready
        keep_from = int(self.ranges[ready, 0]) if ready < len(self.ranges) else end
        self.buffer = self.buffer[keep_from - self.base :]
        self.base = keep_from
        return out


class _EmbedCache:
    """Vectors of finished blocks of an unfinished build, one ``.npy`` per block (no pickle).

    Keyed by the embedder's name and the block's exact texts, so another model or a
    changed file never reads a stale vector."""

    # Sentences repeated within a build (boilerplate, a file saved twice) are embedded
    # once; the memo is bounded so memory does not grow with the corpus.
    MEMO_MAX = 50_000

    def __init__(self, root: Path, embedder: Embedder) -> None:
        import xxhash

        self.embedder = embedder
        self.memo: dict[str, np.ndarray] = {}
        slug = re.sub(r"[^A-Za-z0-9_.-]", "_", embedder.name)[:60]
        self.folder = root / f"{slug}-{xxhash.xxh3_64_hexdigest(embedder.name.encode('utf-8'))}"

    def _path(self, texts: list[str]) -> Path:
        import xxhash

        digest = xxhash.xxh3_128()
        digest.update(self.embedder.name.encode("utf-8"))
        for text in texts:
            digest.update(b"\x1f" + text.encode("utf-8", "surrogatepass"))
        return self.folder / f"{digest.hexdigest()}.npy"

    def has(self, texts: list[str]) -> bool:
        """Is this block's file in the cache (from an interrupted build)?"""
        return self._path(texts).is_file()

    def remember(self, texts: list[str]) -> None:
        """Embed texts ahead of their block (to time them); their block finds them in the memo."""
        self._embed(texts)

    def vectors(self, texts: list[str]) -> tuple[np.ndarray, bool]:
        """The block's vectors and whether they came from the cache."""
        path = self._path(texts)
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape == (len(texts), self.embedder.dim) and np.isfinite(vectors).all():
                return vectors.astype(np.float32, copy=False), True
        except (OSError, ValueError, EOFError):
            pass  # absent or half-written: embed again
        vectors = self._embed(texts)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            np.save(fh, vectors, allow_pickle=False)
        os.replace(tmp, path)
        return vectors, False

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed the texts not seen before in this build, in the batches the model prefers."""
        distinct = list(dict.fromkeys(texts))
        found = {t: self.memo[t] for t in distinct if t in self.memo}
        new = [t for t in distinct if t not in found]
        batch = int(getattr(self.embedder, "batch_size", EMBED_BATCH))
        for i in range(0, len(new), batch):
            part = new[i : i + batch]
            found.update(zip(part, np.asarray(self.embedder.embed(part), dtype=np.float32)))
        if len(self.memo) + len(new) > self.MEMO_MAX:
            self.memo.clear()
        self.memo.update((t, found[t]) for t in new)
        if not texts:
            return np.zeros((0, self.embedder.dim), np.float32)
        return np.stack([found[t] for t in texts])


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Hold the index folder's build lock; builds in other processes or threads wait."""
    from filelock import FileLock

    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / LOCK)):
        yield


