"""The index on Milvus: Milvus Lite (a local folder) here, a Milvus server or cluster in
production; the same ``pymilvus`` code talks to both (only ``milvus_uri`` and
``MILVUS_TOKEN`` differ).

What lives where:

* in Milvus, two collections ``<prefix>_<epoch>_chunks`` (id, source, offsets, text,
  chunk vector, ``born``/``died`` generations) and ``<prefix>_<epoch>_sentences``
  (id, chunk id, offsets, sentence vector).  Dense search, both cosines of a chunk's
  score (the best-sentence one by a grouped search) and fetching passages run there;
* in the index folder, a small version folder ``m-<stamp>/`` named by ``MILVUS``:
  the manifest (file hashes, settings), the live generation, and rag's BM25 arrays
  with the Milvus id of each BM25 row.

This module reads (connection, version folder, :class:`MilvusStore`); writing a new
generation is ``rag.stores.milvus_writer``.

Lexical search stays rag's BM25 (CJK unigrams + bigrams) rather than Milvus's BM25
function: Milvus Lite here does have BM25 with a jieba analyzer, but on the dev set it
found the evidence passage in the top 5 for 0.82 of the questions against 0.92 for
ours, and answered in ~85 ms against ~1 ms (BENCHMARKS.md, Milvus section).  The index
build says so on the log, and the README's Milvus section too.

Visibility by generation makes rebuilds incremental *and* safe: a build of generation
``G`` marks the chunks of changed and removed files ``died = G`` and inserts the new
ones with ``born = G``; readers of the live generation ``L`` only see rows with
``born <= L < died``, so until the new version folder is committed (an atomic rename
of ``MILVUS``) they answer exactly as before, and a failed build is rolled back by
the next one.  Dead rows are deleted by the build after, so processes still reading
the previous generation keep answering until then.  A full rebuild (first
build, other embedding, chunking or index type) writes new collections (a new epoch)
and drops the old ones after the commit.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import IndexMissing, RagError
from rag.ingest.chunker import Chunk
from rag.stores.base import Sentences, best_first, combine
from rag.stores.manifest import FORMAT_VERSION, Manifest, check_compatible
from rag.stores.vector_index import hnsw_ef_search
from rag.text.lexical import BM25, CorpusStats
from rag.tuning import DEFAULT_TUNING, Tuning

log = logging.getLogger(__name__)

POINTER = "MILVUS"
LITE_FILE = "milvus.db"
ALIVE = 2**62  # ``died`` of a live row
INSERT_BATCH = 1000
TEXT_BYTES = 65535  # Milvus VARCHAR limit
_FILES = ("manifest.json", "milvus.json", "bm25.npz", "bm25_vocab.json", "chunk_ids.npy")
LEXICAL_NOTE = ("lexical search on Milvus uses rag's own BM25 (CJK unigrams and bigrams), kept in "
                "the index folder: Milvus's BM25 function with the jieba analyzer ranked worse on "
                "the dev set (lexical hit@5 0.82 vs 0.92)")


def pymilvus_module() -> Any:
    try:
        import pymilvus
    except ImportError:
        raise RagError('vector_store = "milvus" needs pymilvus and milvus-lite: '
                       'pip install "rag[milvus]"') from None
    return pymilvus


# ---------------------------------------------------------------- connection

def milvus_uri(settings: Settings) -> str:
    """The configured URI; a local path (Milvus Lite) is made absolute."""
    uri = settings.milvus_uri or str(settings.index / LITE_FILE)
    if "://" in uri:
        return uri
    return str(Path(uri).expanduser().resolve())


def _is_lite(uri: str) -> bool:
    return "://" not in uri


def _where(uri: str) -> str:
    return f"Milvus Lite file {uri}" if _is_lite(uri) else f"Milvus at {uri}"


def _one_line(err: BaseException) -> str:
    message = getattr(err, "message", None) or str(err) or type(err).__name__
    return " ".join(str(message).split())[:300]


_clients: dict[str, Any] = {}


def connect(settings: Settings, create: bool = False) -> Any:
    """A ``MilvusClient`` for the settings (cached per URI).  A missing Lite file is
    ``IndexMissing`` unless ``create``; any connection failure is one ``RagError`` line."""
    uri = milvus_uri(settings)
    if uri in _clients:
        return _clients[uri]
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # gRPC's C core logs keepalive renegotiations ("too_many_pings") on stderr; failures
        # reach us as exceptions and are reported in one line.  Read when grpc is imported.
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    pymilvus = pymilvus_module()
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # pymilvus, gRPC and Milvus Lite log tracebacks for failures that we report in one
        # line (and for Lite's unimplemented timestamp RPC, which pymilvus works around).
        for name in ("milvus_lite", "pymilvus", "grpc"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    if _is_lite(uri):
        if not Path(uri).exists() and not create:
            raise IndexMissing(f"no Milvus Lite file at {uri}: run `rag index` to build it")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        client = pymilvus.MilvusClient(uri=uri, token=os.environ.get("MILVUS_TOKEN", ""), timeout=30)
        client.list_collections()  # fail here, in one line, rather than at the first search
    except Exception as err:  # pymilvus raises many types (MilvusException, grpc errors, ValueError)
        raise RagError(f"cannot open {_where(uri)} ({_one_line(err)}): check milvus_uri / MILVUS_TOKEN, "
                       "or run `rag index` to rebuild it") from None
    _clients[uri] = client
    return client


def release() -> None:
    """Close the clients and stop in-process Milvus Lite servers (they lock their folder)."""
    for uri, client in list(_clients.items()):
        try:
            client.close()
        except Exception:
            pass
        if _is_lite(uri):
            try:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(uri)
            except Exception:
                pass
        _clients.pop(uri, None)


@contextmanager
def milvus_errors(settings: Settings) -> Iterator[None]:
    """Turn Milvus failures mid-operation into one line naming the server."""
    try:
        yield
    except RagError:
        raise
    except Exception as err:
        if _pymilvus_error(err):
            raise RagError(f"{_where(milvus_uri(settings))} failed: {_one_line(err)}") from None
        raise


def _pymilvus_error(err: BaseException) -> bool:
    module = type(err).__module__ or ""
    return module.startswith(("pymilvus", "grpc", "milvus_lite"))


# ---------------------------------------------------------------- the version folder

@dataclass(frozen=True)
class Meta:
    """What the version folder says about Milvus: which collections, which generation."""

    chunks: str  # collection names
    sentences: str
    generation: int
    next_id: int  # next unused chunk id / sentence id
    next_sentence_id: int
    lexical: str = "rag-bm25"


def _live_version(root: Path) -> Path | None:
    pointer = root / POINTER
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return root / name if name else None


def _corrupt(root: Path, why: str) -> RagError:
    return RagError(f"Milvus index at {root} is corrupt or incomplete ({why}): run `rag index` to rebuild it")


def read_milvus_manifest(root: Path) -> Manifest | None:
    """The live manifest of the Milvus index in ``root``, or ``None`` if there is none."""
    version = _live_version(root)
    if version is None:
        return None
    try:
        manifest = Manifest.from_json(json.loads((version / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise _corrupt(root, f"unreadable manifest ({type(err).__name__})") from None
    if manifest.format != FORMAT_VERSION:
        raise RagError(f"index at {root} has format {manifest.format}, this version reads "
                       f"{FORMAT_VERSION}: run `rag index` to rebuild it")
    return manifest


@dataclass
class Live:
    manifest: Manifest
    meta: Meta
    bm25: BM25
    chunk_ids: np.ndarray  # Milvus id of each BM25 row


def read_live(settings: Settings) -> Live | None:
    root = settings.index
    manifest = read_milvus_manifest(root)
    if manifest is None:
        return None
    version = _live_version(root)
    assert version is not None
    try:
        for name in _FILES:
            if not (version / name).is_file():
                raise _corrupt(root, f"{name} is missing")
        meta = Meta(**json.loads((version / "milvus.json").read_text(encoding="utf-8")))
        with np.load(version / "bm25.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        terms = json.loads((version / "bm25_vocab.json").read_text(encoding="utf-8"))
        bm25 = BM25.from_arrays(terms, arrays)
        ids = np.load(version / "chunk_ids.npy", allow_pickle=False).astype(np.int64)
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise _corrupt(root, type(err).__name__) from None
    if bm25.n_docs != len(ids) or sum(f.chunks for f in manifest.files.values()) != len(ids):
        raise _corrupt(root, "chunk counts disagree")
    return Live(manifest, meta, bm25, ids)


# ---------------------------------------------------------------- collections

def visible_at(generation: int) -> str:
    return f"born <= {generation} and died > {generation}"


def ids_expr(field: str, ids: Sequence[int] | np.ndarray) -> str:
    return f"{field} in [{', '.join(str(int(i)) for i in ids)}]"


def search_params(kind: str, n: int, limit: int) -> dict[str, Any]:
    """Search breadth as for FAISS (``rag.stores.vector_index``): HNSW's ef grows with the collection."""
    if kind == "hnsw":
        return {"metric_type": "IP", "params": {"ef": max(hnsw_ef_search(n), limit)}}
    if kind == "ivf":
        return {"metric_type": "IP", "params": {"nprobe": max(1, int(n ** 0.5) // 8)}}
    return {"metric_type": "IP"}


def query_all(client: Any, name: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
    """Every row matching ``expr`` (through an iterator: servers cap plain queries)."""
    it = client.query_iterator(name, batch_size=INSERT_BATCH, filter=expr, output_fields=fields)
    rows: list[dict[str, Any]] = []
    try:
        while batch := it.next():
            rows.extend(batch)
    finally:
        it.close()
    return rows


# ---------------------------------------------------------------- reading

class MilvusStore:
    """A loaded Milvus index: the version folder in memory, vectors and texts in Milvus."""

    # Up to this many rows that readers must not see (hidden by the last build, or left by
    # a failed one), dense search asks for that many more and drops them itself: a scalar
    # filter on every search costs Milvus Lite more than the extra hits.
    FILTER_LOCALLY_MAX = 1000

    def __init__(self, settings: Settings, client: Any, live: Live, invisible: int = 0) -> None:
        self.settings = settings
        self.client = client
        self.manifest = live.manifest
        self.meta = live.meta
        self.bm25 = live.bm25
        self.chunk_ids = live.chunk_ids
        self._row_of = {int(i): r for r, i in enumerate(live.chunk_ids.tolist())}
        self._visible = visible_at(live.meta.generation)
        self._kind = live.manifest.resolved_index_type
        self._invisible = invisible

    @property
    def stats(self) -> CorpusStats:
        return self.bm25

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def fetch(self, ids: Sequence[int]) -> dict[int, Chunk]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        with milvus_errors(self.settings):
            rows = self.client.get(self.meta.chunks, ids=ids,
                                   output_fields=["source", "span_start", "span_end", "text", "page", "heading"])
        out = {int(r["id"]): Chunk(r["source"], int(r["span_start"]), int(r["span_end"]), r["text"],
                                   page=None if int(r["page"]) < 0 else int(r["page"]),
                                   heading=r["heading"] or None) for r in rows}
        if len(out) != len(set(ids)):
            raise _corrupt(self.settings.index, f"{len(set(ids)) - len(out)} chunk(s) missing in "
                           f"{_where(milvus_uri(self.settings))}")
        return out

    def _search(self, name: str, vector: np.ndarray, limit: int, expr: str, n: int,
                **extra: Any) -> dict[int, float]:
        """{id: inner product} of the ``limit`` best rows matching ``expr``."""
        if limit <= 0:
            return {}
        with milvus_errors(self.settings):
            result = self.client.search(name, data=[vector.astype(np.float32).tolist()], anns_field="vector",
                                        limit=limit, filter=expr, output_fields=extra.pop("output_fields", []),
                                        search_params=search_params(self._kind, n, limit), **extra)
        return {int(hit["id"]): float(hit["distance"]) for hit in result[0]}

    def dense_scores(self, ids: np.ndarray, query_vector: np.ndarray,
                     tuning: Tuning = DEFAULT_TUNING) -> np.ndarray:
        """Both cosines computed by Milvus: the chunks' own, and the best of their
        sentences' (one search grouped by chunk)."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros(0, np.float32)
        qv = np.asarray(query_vector, dtype=np.float32)
        chunk_cos = self._search(self.meta.chunks, qv, len(ids), ids_expr("id", ids), len(self))
        with milvus_errors(self.settings):
            result = self.client.search(self.meta.sentences, data=[qv.tolist()], anns_field="vector",
                                        limit=len(ids), filter=ids_expr("chunk_id", ids),
                                        output_fields=["chunk_id"], group_by_field="chunk_id",
                                        search_params=search_params("flat", 0, len(ids)))
        best = {int(hit["entity"]["chunk_id"]): float(hit["distance"]) for hit in result[0]}
        # An ANN index searched under a narrow filter may not reach every row: score
        # those from their vectors instead, so the scores stay exact.
        missing = [int(i) for i in ids if int(i) not in chunk_cos]
        if missing:
            with milvus_errors(self.settings):
                rows = self.client.get(self.meta.chunks, ids=missing, output_fields=["vector"])
            chunk_cos.update({int(r["id"]): float(np.asarray(r["vector"], np.float32) @ qv) for r in rows})
        missing = [int(i) for i in ids if int(i) not in best]
        if missing:
            for i, s in self.sentences(missing).items():
                if len(s.vectors):
                    best[i] = float((s.vectors @ qv).max())
        return combine(np.asarray([chunk_cos.get(int(i), 0.0) for i in ids], np.float32),
                       np.asarray([best.get(int(i), chunk_cos.get(int(i), 0.0)) for i in ids], np.float32),
                       tuning)

    def dense_top(self, query_vector: np.ndarray, depth: int, extra: np.ndarray | None = None,
                  tuning: Tuning = DEFAULT_TUNING) -> tuple[np.ndarray, np.ndarray]:
        """Milvus proposes 4 × ``depth`` chunks by chunk vector (all of a small index),
        plus ``extra``; they are rescored with their best sentence."""
        want = 4 * depth
        if len(self) <= want:  # every chunk is a candidate: no search needed
            found = self.chunk_ids
        elif self._invisible <= self.FILTER_LOCALLY_MAX:
            hits = self._search(self.meta.chunks, np.asarray(query_vector, np.float32),
                                want + self._invisible, "", len(self) + self._invisible)
            found = np.asarray([i for i in hits if i in self._row_of][:want], np.int64)
        else:
            found = np.asarray(list(self._search(self.meta.chunks, np.asarray(query_vector, np.float32),
                                                 want, self._visible, len(self))), np.int64)
        ids = np.unique(np.concatenate([found.astype(np.int64),
                                        np.zeros(0, np.int64) if extra is None else extra.astype(np.int64)]))
        return best_first(ids, self.dense_scores(ids, query_vector, tuning), depth)

    def lexical_top(self, question: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = self.bm25.top(question, depth)
        return self.chunk_ids[rows], scores

    def lexical_scores(self, question: str, ids: np.ndarray) -> np.ndarray:
        rows = np.asarray([self._row_of[int(i)] for i in ids], dtype=np.int64)
        return self.bm25.score_docs(question, rows)

    def sentences(self, ids: Sequence[int]) -> dict[int, Sentences]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        with milvus_errors(self.settings):
            rows = self.client.query(self.meta.sentences, filter=ids_expr("chunk_id", ids),
                                     output_fields=["chunk_id", "span_start", "span_end", "vector"])
        by_chunk: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for r in rows:
            by_chunk.setdefault(int(r["chunk_id"]), []).append(r)
        out = {}
        for i in ids:
            group = sorted(by_chunk[i], key=lambda r: int(r["span_start"]))
            vectors = (np.asarray([r["vector"] for r in group], dtype=np.float32) if group
                       else np.zeros((0, self.manifest.dim), np.float32))
            out[i] = Sentences(tuple((int(r["span_start"]), int(r["span_end"])) for r in group), vectors)
        return out


def load_milvus(settings: Settings, embedder: Embedder) -> MilvusStore:
    """Load the live Milvus index and check that Milvus holds what the version folder says."""
    live = read_live(settings)
    if live is None:
        raise IndexMissing(f"no Milvus index at {settings.index}: run `rag index` to build it")
    check_compatible(live.manifest, settings, embedder, settings.index)
    where = _where(milvus_uri(settings))
    try:
        client = connect(settings)
    except IndexMissing:  # the version folder is there, the Milvus Lite file is not
        raise RagError(f"{where} is missing (the index at {settings.index} needs it): "
                       "run `rag index` to rebuild it") from None
    with milvus_errors(settings):
        names = set(client.list_collections())
        for name in (live.meta.chunks, live.meta.sentences):
            if name not in names:
                raise RagError(f"{where} has no collection {name}: run `rag index` to rebuild it")
        client.load_collection(live.meta.chunks)
        client.load_collection(live.meta.sentences)
        count = client.query(live.meta.chunks, filter=visible_at(live.meta.generation),
                             output_fields=["count(*)"])[0]["count(*)"]
        total = client.query(live.meta.chunks, filter="", output_fields=["count(*)"])[0]["count(*)"]
    if int(count) != len(live.chunk_ids):
        raise RagError(f"{where} holds {count} live chunks but the index at {settings.index} expects "
                       f"{len(live.chunk_ids)}: run `rag index` to rebuild it")
    return MilvusStore(settings, client, live, invisible=int(total) - int(count))


