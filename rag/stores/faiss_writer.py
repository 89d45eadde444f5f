"""Writing the FAISS store: a new version folder, switched to atomically.

Why it is shaped like this:

- **Atomic versions.**  A build writes ``.building-*`` and renames it to ``v-*`` only
  when complete; ``CURRENT`` is replaced last (the commit point).  A crash, Ctrl-C or a
  full disk leaves the previous index untouched and loadable.  Stale ``.building-*``
  folders of killed builds are removed at the start of every build.  Readers take no
  lock (see ``rag.stores.faiss``); the version a build replaces is kept until the next
  build, so they never see it vanish.
- **Bounded memory.**  Sentence vectors are written straight to
  ``sentence_vectors.npy`` as their blocks arrive; what stays in memory grows with the
  number of chunks (their text for BM25 and one vector each for FAISS), not with the
  number of sentence vectors, the bulk.
- **Unchanged files are copied**, a block of rows at a time, from the previous version,
  so their vectors are never computed again.
- **Self-healing.**  A live index that fails verification is treated as absent: it is
  rebuilt from scratch and the report says why (``IndexWriter.repaired``).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Sequence

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.ingest.chunker import Chunk
from rag.ingest.loader import Document
from rag.stores.base import ChunkedFile, VectorBlock
from rag.stores.faiss import (
    DATA_FILES,
    POINTER,
    IndexDamaged,
    check_sentences,
    file_checksum,
    live_version,
    read_chunks,
    read_manifest,
    read_sentences,
    verify_files,
)
from rag.stores.manifest import FORMAT_VERSION, FileEntry, Manifest, check_compatible, is_version_folder
from rag.text.lexical import BM25

_COPY_ROWS = 16384  # rows copied at a time from the previous version


class FaissWriter:
    """One build of the FAISS store (see :class:`rag.stores.base.IndexWriter`)."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings, self.embedder = settings, embedder
        self.prev, self.repaired = _previous(settings, embedder)
        self.previous = self.prev.manifest if self.prev else None
        self.tmp: Path | None = None
        self.rows: _Rows | None = None

    def keeps(self, source: str) -> bool:
        return self.prev is not None and source in self.prev.rows

    def plan(self, kept: Sequence[str], fresh: Sequence[ChunkedFile]) -> None:
        sentences = sum(len(f.units) for f in fresh)
        for source in kept:
            assert self.prev is not None
            a, b = self.prev.rows[source]
            sentences += int(self.prev.ranges[b - 1, 1] - self.prev.ranges[a, 0])
        self.tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=self.settings.index))
        self.rows = _Rows(self.tmp, self.embedder.dim, sentences)

    def keep(self, source: str) -> None:
        assert self.rows is not None and self.prev is not None
        self.rows.copy(self.prev, source)

    def write(self, file: ChunkedFile, blocks: Iterable[VectorBlock]) -> None:
        assert self.rows is not None
        self.rows.write(file, blocks)

    def commit(self, docs: Sequence[Document]) -> int:
        assert self.rows is not None and self.tmp is not None
        chunks = self.rows.close()
        _finish_version(self.settings, self.embedder, docs, self.tmp, chunks, self.rows)
        self.tmp = None
        return len(chunks)

    def abort(self) -> None:
        if self.rows is not None:
            self.rows.fh.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


@contextmanager
def open_writer(settings: Settings, embedder: Embedder) -> Iterator[FaissWriter]:
    """A writer for one build (the caller holds the build lock); what an unfinished build
    wrote is removed when it stops."""
    try:
        live_version(settings.index)  # a CURRENT that is a folder: refuse before writing anything
    except IndexDamaged:
        pass  # rebuilt
    remove_stale(settings.index)
    writer = FaissWriter(settings, embedder)
    try:
        yield writer
    finally:
        writer.abort()


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


# ---------------------------------------------------------------- writing

class _Rows:
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

    def write(self, file: ChunkedFile, blocks: Iterable[VectorBlock]) -> None:
        """A new or changed file: its sentence vectors block by block, its chunk vectors as they complete."""
        self.ranges.append(file.ranges + self.written)
        self.spans.append(np.asarray([(u.start, u.end) for u in file.units], dtype=np.int64).reshape(-1, 2))
        for block in blocks:
            self._rows(block.sentence_vectors)
            self.vectors.append(block.chunk_vectors)
        self.chunks.extend(file.chunks)

    def close(self) -> list[Chunk]:
        self.fh.close()
        if self.written != self.sentences:
            raise AssertionError(f"wrote {self.written} sentence vectors, planned {self.sentences}")
        return self.chunks


def _finish_version(settings: Settings, embedder: Embedder, docs: Sequence[Document], tmp: Path,
                    chunks: list[Chunk], writer: _Rows) -> None:
    """Write the remaining files and the manifest, then switch ``CURRENT`` to the new version."""
    from rag.stores.vector_index import build_faiss, choose_type

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
    bm25 = BM25.build(c.text for c in chunks)
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
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), corpus=str(settings.corpus),
        sizes={name: (tmp / name).stat().st_size for name in DATA_FILES},
        resolved_index_type=choose_type(settings.index_type, len(chunks)),
        checksums={name: file_checksum(tmp / name) for name in DATA_FILES},
    )
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    _fsync_tree(tmp)
    _commit(settings.index, tmp)


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
        if path.name.startswith("v-") and path.name not in keep and is_version_folder(path):
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
