"""Build or update the index: diff the corpus against the live version, embed what is new,
stream it into a new version folder, then switch ``CURRENT`` to it atomically.

Why it is shaped like this:

- **Atomic versions.**  A build writes ``.building-*`` and renames it to ``v-*`` only
  when complete; ``CURRENT`` is replaced last (the commit point).  A crash, Ctrl-C or a
  full disk leaves the previous index untouched and loadable.  Stale ``.building-*``
  folders of killed builds are removed at the start of every build.
- **One builder at a time.**  Builds hold ``index/.build.lock`` (``filelock``, so it
  works on every OS): a terminal rebuild and the browser's *Rebuild* take turns instead
  of racing for ``CURRENT``.  Readers take no lock (see ``rag.stores.faiss``); the
  version a build replaces is kept until the next build, so they never see it vanish.
- **Bounded memory.**  Sentences are embedded in blocks and their vectors written
  straight to ``sentence_vectors.npy``; chunk vectors are formed from the block in
  hand.  What stays in memory grows with the number of chunks (their text for BM25 and
  one vector each for FAISS), not with the number of sentence vectors, the bulk.
- **Resumable.**  Each block's vectors are also written to ``index/.embed-cache/``,
  keyed by the embedder's name and the block's text; an interrupted build therefore
  resumes without re-embedding what it finished.  A successful build clears the cache
  (the index itself then holds the vectors, and unchanged files are reused from it).
- **Self-healing.**  A live index that fails verification is treated as absent: it is
  rebuilt from scratch and the report says why (``BuildReport.repaired``).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.ingest.chunker import Chunk, Span, chunk_units
from rag.ingest.loader import Document, Skipped, load_corpus
from rag.stores.faiss import (
    DATA_FILES,
    FORMAT_VERSION,
    POINTER,
    FileEntry,
    IndexDamaged,
    Manifest,
    check_compatible,
    check_sentences,
    file_checksum,
    live_version,
    read_chunks,
    read_manifest,
    read_sentences,
    verify_files,
)
from rag.text.lexical import BM25

LOCK = ".build.lock"
CACHE = ".embed-cache"
EMBED_BATCH = 64  # texts per embedder call
CACHE_BLOCK = 512  # sentences per cache entry: the unit of resumption (~1 MB of vectors at dim 512)
_COPY_ROWS = 16384  # rows copied at a time from the previous version

Progress = Callable[[int, int], None]


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
    cached_sentences: int = 0  # vectors taken from the block cache (an interrupted build, or repeated text)
    repaired: str = ""  # why the live index was rebuilt from scratch (it failed verification)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data


def build_index(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
    """Build or update the index for ``settings.corpus``; reuse vectors of unchanged files."""
    started = time.perf_counter()
    docs, skipped = load_corpus(settings.corpus)
    root = settings.index
    try:
        live_version(root)  # a CURRENT that is a folder: refuse before writing anything
    except IndexDamaged:
        pass  # rebuilt below
    try:
        with _build_lock(root):  # a second builder waits, then finds the index up to date
            remove_stale(root)
            return _update(settings, embedder, docs, skipped, started, progress)
    except OSError as e:  # the index folder cannot be created or written (the live one is untouched)
        raise RagError(write_error(root, e)) from None


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


# ---------------------------------------------------------------- the previous version, for reuse

@dataclass
class _Previous:
    """The live version, verified, with each source's rows (vectors stay memory-mapped)."""

    manifest: Manifest
    version: Path
    chunks: list[Chunk]
    vectors: np.ndarray  # (chunks, dim)
    spans: np.ndarray  # (sentences, 2)
    ranges: np.ndarray  # (chunks, 2)
    sentence_vectors: np.ndarray  # (sentences, dim)
    rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # source -> [first, last) chunk rows


def _previous(settings: Settings, embedder: Embedder) -> tuple[_Previous | None, str]:
    """The live index when it can be reused, else ``None`` and why it was unusable if damaged."""
    root = settings.index
    try:
        version = live_version(root)
        if version is None:
            return None, ""
        manifest = read_manifest(root, version)
        assert manifest is not None
        check_compatible(manifest, settings, embedder, root)
        verify_files(root, version, manifest)
        chunks = read_chunks(version / "chunks.jsonl")
        vectors = np.load(version / "vectors.npy", mmap_mode="r", allow_pickle=False)
        spans, ranges, sent_vectors = read_sentences(version)
        if vectors.shape != (len(chunks), manifest.dim):
            raise IndexDamaged("chunk and vector counts disagree")
        check_sentences(root, manifest, len(chunks), spans, ranges, sent_vectors)
    except IndexDamaged as err:
        return None, err.why
    except RagError:
        return None, ""  # other settings or embedder: a plain full rebuild
    except (OSError, ValueError, TypeError, KeyError, EOFError) as err:
        return None, f"unreadable ({type(err).__name__})"
    rows: dict[str, tuple[int, int]] = {}
    contiguous: dict[str, bool] = {}
    for i, chunk in enumerate(chunks):
        first, last = rows.get(chunk.source, (i, i))
        contiguous[chunk.source] = contiguous.get(chunk.source, True) and last == i
        rows[chunk.source] = (first, i + 1)
    return _Previous(manifest, version, chunks, vectors, spans, ranges, sent_vectors,
                     {s: r for s, r in rows.items() if contiguous[s]}), ""


# ---------------------------------------------------------------- the build proper

@dataclass
class _Fresh:
    """A file to embed: its sentence units, chunks and each chunk's unit range."""

    doc: Document
    units: list[Span]
    chunks: list[Chunk]
    ranges: np.ndarray  # (chunks, 2) local unit rows


def corpus_diff(old_files: dict[str, FileEntry], docs: list[Document]) -> tuple[list[str], ...]:
    """The corpus against the live index's files, by content hash: (added, changed,
    removed, unchanged) source names, each sorted."""
    current = {d.source: d.sha256 for d in docs}
    added = sorted(s for s in current if s not in old_files)
    changed = sorted(s for s in current if s in old_files and old_files[s].sha256 != current[s])
    removed = sorted(s for s in old_files if s not in current)
    unchanged = sorted(s for s in current if s in old_files and s not in changed)
    return added, changed, removed, unchanged


def _update(settings: Settings, embedder: Embedder, docs: list[Document], skipped: list[Skipped],
            started: float, progress: Progress | None) -> BuildReport:
    """Under the lock: diff against the live index, embed what is new, write a version."""
    prev, repaired = _previous(settings, embedder)
    added, changed, removed, unchanged = corpus_diff(prev.manifest.files if prev else {}, docs)
    if prev and not (added or changed or removed) and prev.manifest.index_type == settings.index_type:
        return BuildReport(len(docs), len(prev.chunks), time.perf_counter() - started, [], [], [], unchanged,
                           skipped, 0, up_to_date=True)

    reuse = {s for s in unchanged if prev and s in prev.rows}
    plan: list[_Fresh | str] = []
    for doc in docs:  # corpus order, so the index is the same however it was built
        if doc.source in reuse:
            plan.append(doc.source)
        else:
            units, doc_chunks, ranges = chunk_units(doc, settings.chunk_size, settings.chunk_overlap)
            plan.append(_Fresh(doc, units, doc_chunks, np.asarray(ranges, dtype=np.int64).reshape(-1, 2)))
    fresh = [p for p in plan if isinstance(p, _Fresh)]
    counts = _Counts(sentences=sum(len(p.units) for p in fresh), chunks=sum(len(p.chunks) for p in fresh))
    total_sentences = counts.sentences
    for source in (p for p in plan if isinstance(p, str)):
        assert prev is not None
        a, b = prev.rows[source]
        total_sentences += int(prev.ranges[b - 1, 1] - prev.ranges[a, 0])

    root = settings.index
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        cache = _EmbedCache(root / CACHE, embedder)
        writer = _Writer(tmp, embedder.dim, total_sentences)
        tracker = _Tracker(counts, progress)
        for item in plan:
            if isinstance(item, str):
                assert prev is not None
                writer.copy(prev, item)
            else:
                writer.embed(item, cache, tracker)
        tracker.finish()
        chunks = writer.close()
        _finish_version(settings, embedder, docs, tmp, chunks, writer)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(root / CACHE, ignore_errors=True)  # the new version holds every vector now
    return BuildReport(len(docs), len(chunks), time.perf_counter() - started, added, changed, removed,
                       unchanged, skipped, counts.chunks, embedded_sentences=tracker.embedded,
                       cached_sentences=tracker.cached, repaired=repaired)


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


class _Writer:
    """Streams sentence vectors to disk; keeps chunks, spans, ranges and chunk vectors."""

    def __init__(self, folder: Path, dim: int, sentences: int) -> None:
        self.dim, self.sentences = dim, sentences
        self.fh: BinaryIO = (folder / "sentence_vectors.npy").open("wb")
        np.lib.format.write_array_header_1_0(
            self.fh, {"descr": np.lib.format.dtype_to_descr(np.dtype("<f4")), "fortran_order": False,
                      "shape": (sentences, dim)})
        self.written = 0
        self.chunks: list[Chunk] = []
        self.vectors: list[np.ndarray] = []
        self.spans: list[np.ndarray] = []
        self.ranges: list[np.ndarray] = []

    def _rows(self, vectors: np.ndarray) -> None:
        np.ascontiguousarray(vectors, dtype="<f4").tofile(self.fh)
        self.written += len(vectors)

    def copy(self, prev: _Previous, source: str) -> None:
        """An unchanged file: its rows from the previous version, copied a block at a time."""
        a, b = prev.rows[source]
        ranges = np.asarray(prev.ranges[a:b])
        first, last = int(ranges[:, 0].min()), int(ranges[:, 1].max())
        self.ranges.append(ranges - first + self.written)
        self.spans.append(np.asarray(prev.spans[first:last]))
        for i in range(first, last, _COPY_ROWS):
            self._rows(prev.sentence_vectors[i : min(i + _COPY_ROWS, last)])
        self.chunks.extend(prev.chunks[a:b])
        self.vectors.append(np.array(prev.vectors[a:b], dtype=np.float32))

    def embed(self, item: _Fresh, cache: _EmbedCache, tracker: _Tracker) -> None:
        """A new or changed file: embed its sentences a block at a time; chunk vectors as they complete."""
        doc, units = item.doc, item.units
        base = self.written
        self.ranges.append(item.ranges + base)
        self.spans.append(np.asarray([(u.start, u.end) for u in units], dtype=np.int64).reshape(-1, 2))
        weights = np.sqrt(np.asarray([u.end - u.start for u in units], dtype=np.float32))
        means = _ChunkMeans(item.ranges, weights, self.dim)
        for i in range(0, len(units), CACHE_BLOCK):
            texts = [doc.text[u.start : u.end] for u in units[i : i + CACHE_BLOCK]]
            vectors, cached = cache.vectors(texts)
            tracker.advance(len(texts), cached)
            self._rows(vectors)
            self.vectors.append(means.add(vectors))
        self.chunks.extend(item.chunks)

    def close(self) -> list[Chunk]:
        self.fh.close()
        if self.written != self.sentences:
            raise AssertionError(f"wrote {self.written} sentence vectors, planned {self.sentences}")
        return self.chunks


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


def _finish_version(settings: Settings, embedder: Embedder, docs: list[Document], tmp: Path,
                    chunks: list[Chunk], writer: _Writer) -> None:
    """Write the remaining files and the manifest, then switch ``CURRENT`` to the new version."""
    from rag.stores.ann import build_faiss, choose_type

    dim = embedder.dim
    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(_chunk_json(c), ensure_ascii=False) + "\n")
    vectors = np.concatenate(writer.vectors) if writer.vectors else np.zeros((0, dim), np.float32)
    writer.vectors = []
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    spans = np.concatenate(writer.spans) if writer.spans else np.zeros((0, 2), np.int64)
    ranges = np.concatenate(writer.ranges) if writer.ranges else np.zeros((0, 2), np.int64)
    np.savez(tmp / "sentences.npz", spans=spans, chunk_sentences=ranges)
    _write_faiss(build_faiss(vectors, settings.index_type), tmp / "dense.faiss")
    del vectors
    bm25 = bm25_of(chunks)
    np.savez(tmp / "bm25.npz", **bm25.arrays())  # type: ignore[arg-type]  # numpy's stub reads ** as allow_pickle
    terms = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
    (tmp / "bm25_vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.source] = counts.get(c.source, 0) + 1
    manifest = Manifest(
        format=FORMAT_VERSION, embedding=embedder.name, dim=dim,
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap,
        index_type=settings.index_type,
        files={d.source: FileEntry(d.sha256, d.encoding, counts.get(d.source, 0)) for d in docs},
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        sizes={name: (tmp / name).stat().st_size for name in DATA_FILES},
        resolved_index_type=choose_type(settings.index_type, len(chunks)),
        checksums={name: file_checksum(tmp / name) for name in DATA_FILES},
    )
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    _fsync_tree(tmp)
    _commit(settings.index, tmp)


def bm25_of(chunks: list[Chunk]) -> BM25:
    """BM25 over the chunks, counting terms chunk by chunk into compact arrays: a flat
    stream of every token (``BM25.build``) would need gigabytes at 50 MB of text."""
    from array import array
    from collections import Counter

    from rag.text.lexical import tokenize

    vocab: dict[str, int] = {}
    terms, docs, tfs, lengths = array("i"), array("i"), array("i"), array("q")
    for doc, chunk in enumerate(chunks):
        tokens = tokenize(chunk.text)
        lengths.append(len(tokens))
        for term, tf in Counter(vocab.setdefault(t, len(vocab)) for t in tokens).items():
            terms.append(term)
            docs.append(doc)
            tfs.append(tf)
    def take(values: array, order: np.ndarray) -> np.ndarray:
        return np.frombuffer(values, dtype=np.int32)[order] if len(values) else np.zeros(0, np.int32)

    # Sort the postings by term (documents stay ascending within a term), freeing each
    # input as soon as its sorted copy exists: these arrays are as long as the postings.
    order = np.argsort(np.frombuffer(terms, dtype=np.int32), kind="stable") if len(terms) else np.zeros(0, np.int64)
    doc_arr = take(docs, order)
    del docs
    tf_arr = take(tfs, order)
    del tfs
    term_arr = take(terms, order)
    del terms, order
    return BM25.from_postings(vocab, np.frombuffer(lengths, dtype=np.int64) if lengths else np.zeros(0, np.int64),
                              term_arr, doc_arr, tf_arr)


def _write_faiss(index: Any, path: Path) -> None:
    """FAISS reports write failures as RuntimeError text; turn them back into OSError."""
    import faiss

    try:
        faiss.write_index(index, str(path))
    except RuntimeError as err:
        for code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            if os.strerror(code) in str(err):
                raise OSError(code, os.strerror(code), str(path)) from None
        raise OSError(errno.EIO, f"FAISS could not write {path.name}", str(path)) from None


def _commit(root: Path, tmp: Path) -> None:
    """Rename the finished folder to a version and point ``CURRENT`` at it (the commit point)."""
    previous = live_version_or_none(root)
    version = root / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp.rename(version)
    try:
        pointer_tmp = root / f".{POINTER}.tmp"
        pointer_tmp.write_text(version.name + "\n", encoding="utf-8")
        os.replace(pointer_tmp, root / POINTER)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)  # no orphan version folders
        raise
    keep = {version.name} | ({previous.name} if previous else set())
    for path in root.iterdir():  # readers may still be opening the previous version: keep it
        if path.is_dir() and path.name.startswith("v-") and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def live_version_or_none(root: Path) -> Path | None:
    try:
        version = live_version(root)
    except RagError:
        return None
    return version if version is not None and version.is_dir() else None


def remove_stale(root: Path) -> None:
    """Remove what killed builds left behind (the lock is held, so no build is running)."""
    for path in root.iterdir():
        if path.name.startswith(".building-") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name == f".{POINTER}.tmp":
            path.unlink(missing_ok=True)


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Hold the index folder's build lock; builds in other processes or threads wait."""
    from filelock import FileLock

    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / LOCK)):
        yield


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as fh:
            os.fsync(fh.fileno())


def _chunk_json(c: Chunk) -> dict[str, Any]:
    """A chunk's line in chunks.jsonl; ``page``/``heading`` only where the format has them."""
    data: dict[str, Any] = {"source": c.source, "start": c.start, "end": c.end, "text": c.text}
    if c.page is not None:
        data["page"] = c.page
    if c.heading is not None:
        data["heading"] = c.heading
    return data
