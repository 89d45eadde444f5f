"""Writing the Milvus store: new and changed files' chunks and sentences inserted as a new
generation, the version folder (manifest, BM25) committed last.

A build of generation ``G`` marks the chunks of changed and removed files ``died = G``
and inserts the new ones with ``born = G``; readers of the live generation only see rows
with ``born <= L < died`` (``rag.stores.milvus``), so until the new version folder is
committed they answer exactly as before, and a failed build is rolled back by the next
one.  A full rebuild (first build, other embedding, chunking or index type) writes new
collections (a new epoch) and drops the old ones after the commit.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.ingest.loader import Document
from rag.stores.base import ChunkedFile, VectorBlock
from rag.stores.manifest import FORMAT_VERSION, FileEntry, Manifest, check_compatible, is_version_folder
from rag.stores.milvus import (
    ALIVE,
    INSERT_BATCH,
    LEXICAL_NOTE,
    POINTER,
    TEXT_BYTES,
    Live,
    Meta,
    connect,
    ids_expr,
    milvus_errors,
    pymilvus_module,
    query_all,
    read_live,
    visible_at,
)
from rag.stores.vector_index import choose_type
from rag.text.lexical import BM25

log = logging.getLogger(__name__)


class MilvusWriter:
    """One build of the Milvus store (see :class:`rag.stores.base.IndexWriter`).  Unchanged
    files' rows stay where they are; new rows are inserted at the commit, after every
    file is embedded, so a build that fails while embedding inserts nothing."""

    def __init__(self, settings: Settings, embedder: Embedder, client: Any) -> None:
        self.settings, self.embedder, self.client = settings, embedder, client
        self.live = _usable_previous(settings, embedder, client)
        if self.live:
            _rollback_failed(client, self.live.meta)
            _collect_garbage(client, self.live.meta)
        self.previous = self.live.manifest if self.live else None
        self.repaired = ""
        self.meta = Meta("", "", 0, 0, 0)
        self.kind = "flat"
        self.chunk_rows: list[dict[str, Any]] = []
        self.sentence_rows: list[dict[str, Any]] = []

    def keeps(self, source: str) -> bool:
        return self.live is not None

    def plan(self, kept: Sequence[str], fresh: Sequence[ChunkedFile]) -> None:
        log.info(LEXICAL_NOTE)  # and `rag index` prints it
        for file in fresh:  # refuse before writing anything
            for c in file.chunks:
                if max(len(c.text.encode("utf-8")), len((c.heading or "").encode("utf-8"))) > TEXT_BYTES:
                    raise RagError(f"{c.source}: a chunk of {len(c.text)} characters does not fit Milvus's "
                                   f"text field ({TEXT_BYTES} bytes): lower chunk_size")
        live, settings, client = self.live, self.settings, self.client
        n_total = sum(len(f.chunks) for f in fresh) + (sum(live.manifest.files[s].chunks for s in kept) if live else 0)
        self.kind = live.manifest.resolved_index_type if live else choose_type(settings.index_type, n_total)
        if live:
            self.meta = Meta(live.meta.chunks, live.meta.sentences, live.meta.generation + 1,
                             live.meta.next_id, live.meta.next_sentence_id)
            gone = sorted(set(live.manifest.files) - set(kept))  # changed and removed files
            if gone:  # hidden from generation g on; readers of g - 1 still see them
                _hide(client, self.meta.chunks, gone, self.meta.generation)
        else:
            epoch = f"{settings.milvus_collection}_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
            self.meta = Meta(f"{epoch}_chunks", f"{epoch}_sentences", 1, 0, 0)
            n_sentences = sum(len(f.units) for f in fresh)
            dim = self.embedder.dim
            create_chunk_collection(client, self.meta.chunks, dim, self.kind, n_total)
            _create_sentence_collection(client, self.meta.sentences, dim,
                                        choose_type(settings.index_type, n_sentences), n_sentences)

    def keep(self, source: str) -> None:
        pass  # its rows stay visible

    def write(self, file: ChunkedFile, blocks: Iterable[VectorBlock]) -> None:
        """Milvus rows of the file's chunks (born at this generation) and of their sentences."""
        parts = list(blocks)
        dim = self.embedder.dim
        svec = np.concatenate([b.sentence_vectors for b in parts]) if parts else np.zeros((0, dim), np.float32)
        cvec = np.concatenate([b.chunk_vectors for b in parts]) if parts else np.zeros((0, dim), np.float32)
        next_id = self.meta.next_id + len(self.chunk_rows)
        next_sid = self.meta.next_sentence_id + len(self.sentence_rows)
        for c, v, (a, b) in zip(file.chunks, cvec, file.ranges.tolist()):
            self.chunk_rows.append({"id": next_id, "source": c.source, "span_start": c.start, "span_end": c.end,
                                    "text": c.text, "page": -1 if c.page is None else c.page,
                                    "heading": c.heading or "", "vector": v.tolist(),
                                    "born": self.meta.generation, "died": ALIVE})
            for u, sv in zip(file.units[a:b], svec[a:b]):
                self.sentence_rows.append({"id": next_sid, "chunk_id": next_id, "span_start": u.start,
                                           "span_end": u.end, "vector": sv.tolist()})
                next_sid += 1
            next_id += 1

    def commit(self, docs: Sequence[Document]) -> int:
        client, meta, settings = self.client, self.meta, self.settings
        _insert(client, meta.sentences, self.sentence_rows)
        _insert(client, meta.chunks, self.chunk_rows)
        g = meta.generation
        bm25, ids, counts = _lexical(client, meta.chunks, g, docs)  # rag's BM25 over every chunk visible at g
        manifest = Manifest(
            format=FORMAT_VERSION, embedding=self.embedder.name, dim=self.embedder.dim,
            chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, index_type=settings.index_type,
            files={d.source: FileEntry(d.sha256, d.encoding, counts.get(d.source, 0)) for d in docs},
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), corpus=str(settings.corpus), resolved_index_type=self.kind)
        done = Meta(meta.chunks, meta.sentences, g, meta.next_id + len(self.chunk_rows),
                    meta.next_sentence_id + len(self.sentence_rows))
        _write_version(settings.index, manifest, done, bm25, ids)  # the commit point
        # Rows hidden at g stay until the next build (_collect_garbage), so a process still
        # answering from generation g - 1 keeps working until then.
        _drop_other_epochs(client, settings.milvus_collection, keep=(meta.chunks, meta.sentences))
        return len(ids)


@contextmanager
def open_writer(settings: Settings, embedder: Embedder) -> Iterator[MilvusWriter]:
    """A writer for one build (the caller holds the build lock); Milvus failures are one line."""
    client = connect(settings, create=True)
    with milvus_errors(settings):
        yield MilvusWriter(settings, embedder, client)


def _usable_previous(settings: Settings, embedder: Embedder, client: Any) -> Live | None:
    """The live index when this build can update it in place, else ``None`` (full rebuild)."""
    try:
        live = read_live(settings)
        if live is None:
            return None
        check_compatible(live.manifest, settings, embedder, settings.index)
    except RagError:
        return None
    if live.manifest.index_type != settings.index_type:
        return None
    names = set(client.list_collections())
    if live.meta.chunks not in names or live.meta.sentences not in names:
        return None
    # A new process finds the collections released (Milvus Lite loads nothing at start):
    # the rollback, garbage collection and hiding below query them, so load them first.
    client.load_collection(live.meta.chunks)
    client.load_collection(live.meta.sentences)
    return live


def _rollback_failed(client: Any, meta: Meta) -> None:
    """Undo what a failed build after generation ``meta.generation`` left: its rows, its marks."""
    g = meta.generation
    orphans = [r["id"] for r in query_all(client, meta.chunks, f"born > {g}", ["id"])]
    for i in range(0, len(orphans), INSERT_BATCH):
        part = orphans[i : i + INSERT_BATCH]
        client.delete(meta.sentences, filter=ids_expr("chunk_id", part))
        client.delete(meta.chunks, ids=part)
    client.delete(meta.sentences, filter=f"id >= {meta.next_sentence_id}")
    marked = [r["id"] for r in query_all(client, meta.chunks, f"died > {g} and died < {ALIVE}", ["id"])]
    for i in range(0, len(marked), INSERT_BATCH):
        client.upsert(meta.chunks, [{"id": j, "died": ALIVE} for j in marked[i : i + INSERT_BATCH]],
                      partial_update=True)


def _hide(client: Any, chunks: str, sources: list[str], g: int) -> None:
    """Mark the live chunks of ``sources`` dead from generation ``g`` on (readers of g - 1 still see them)."""
    dead: list[int] = []
    for i in range(0, len(sources), 100):
        names = json.dumps(sources[i : i + 100], ensure_ascii=False)
        dead += [r["id"] for r in query_all(client, chunks, f"source in {names} and {visible_at(g - 1)}", ["id"])]
    for i in range(0, len(dead), INSERT_BATCH):
        client.upsert(chunks, [{"id": j, "died": g} for j in dead[i : i + INSERT_BATCH]], partial_update=True)


def _lexical(client: Any, chunks: str, g: int, docs: Sequence[Document]) -> tuple[BM25, np.ndarray, dict[str, int]]:
    """rag's BM25 over the chunks visible at ``g`` in corpus order (as the FAISS index), the
    Milvus id of each BM25 row, and the chunk count per source."""
    rows = query_all(client, chunks, visible_at(g), ["id", "source", "span_start", "text"])
    order = {d.source: n for n, d in enumerate(docs)}
    rows.sort(key=lambda r: (order.get(r["source"], len(order)), int(r["span_start"])))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["source"]] = counts.get(r["source"], 0) + 1
    ids = np.asarray([int(r["id"]) for r in rows], dtype=np.int64)
    return BM25.build(r["text"] for r in rows), ids, counts


def _drop_other_epochs(client: Any, prefix: str, keep: tuple[str, ...]) -> None:
    """Drop this index's collections of earlier full builds (and of failed ones)."""
    pattern = re.compile(rf"{re.escape(prefix)}_\d{{14}}_\d+_(chunks|sentences)")
    for name in client.list_collections():
        if name not in keep and pattern.fullmatch(name):
            client.drop_collection(name)


def _collect_garbage(client: Any, meta: Meta) -> None:
    """Delete the rows that died at or before the live generation (no reader of it sees them)."""
    dead = [r["id"] for r in query_all(client, meta.chunks, f"died <= {meta.generation}", ["id"])]
    _delete_dead(client, meta, dead)


def _delete_dead(client: Any, meta: Meta, dead: list[int]) -> None:
    for i in range(0, len(dead), INSERT_BATCH):
        part = dead[i : i + INSERT_BATCH]
        client.delete(meta.sentences, filter=ids_expr("chunk_id", part))
        client.delete(meta.chunks, ids=part)


def _write_version(root: Path, manifest: Manifest, meta: Meta, bm25: BM25, ids: np.ndarray) -> None:
    """Write a complete version folder, then switch ``MILVUS`` to it (the commit point)."""
    tmp = Path(tempfile.mkdtemp(prefix=".building-m-", dir=root))
    try:
        np.savez(tmp / "bm25.npz", **bm25.arrays())  # type: ignore[arg-type]  # numpy's stub reads ** as allow_pickle
        terms = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
        (tmp / "bm25_vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        np.save(tmp / "chunk_ids.npy", ids.astype(np.int64), allow_pickle=False)
        (tmp / "milvus.json").write_text(json.dumps(asdict(meta), indent=1), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
        for path in tmp.iterdir():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        version = root / f"m-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        tmp.rename(version)
        pointer_tmp = root / f".{POINTER}.tmp"
        pointer_tmp.write_text(version.name + "\n", encoding="utf-8")
        os.replace(pointer_tmp, root / POINTER)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for path in root.iterdir():
        if path.name != version.name and (is_version_folder(path) if path.name.startswith("m-")
                                          else path.name.startswith(".building-m-") and path.is_dir()):
            shutil.rmtree(path, ignore_errors=True)




def _index_params(client: Any, kind: str, n: int) -> Any:
    params = client.prepare_index_params()
    if kind == "hnsw":
        from rag.stores.vector_index import HNSW_EF_CONSTRUCTION, HNSW_M

        params.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                         params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
    elif kind == "ivf":
        params.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP",
                         params={"nlist": max(1, int(n ** 0.5))})
    else:
        params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
    return params


def create_chunk_collection(client: Any, name: str, dim: int, kind: str, n: int) -> None:
    DataType = pymilvus_module().DataType
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("span_start", DataType.INT64)
    schema.add_field("span_end", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("page", DataType.INT64)  # PDF page, -1: none
    schema.add_field("heading", DataType.VARCHAR, max_length=TEXT_BYTES)  # "": none
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("born", DataType.INT64)
    schema.add_field("died", DataType.INT64)
    client.create_collection(name, schema=schema, index_params=_index_params(client, kind, n),
                             consistency_level="Strong")


def _create_sentence_collection(client: Any, name: str, dim: int, kind: str, n: int) -> None:
    DataType = pymilvus_module().DataType
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("chunk_id", DataType.INT64)
    schema.add_field("span_start", DataType.INT64)
    schema.add_field("span_end", DataType.INT64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    client.create_collection(name, schema=schema, index_params=_index_params(client, kind, n),
                             consistency_level="Strong")


def _insert(client: Any, name: str, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), INSERT_BATCH):
        client.insert(name, rows[i : i + INSERT_BATCH])
