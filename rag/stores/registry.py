"""The stores by name (the ``vector_store`` setting): how to open one, write one, and read
its manifest.  A store's module is imported only when it is chosen (Milvus pulls pymilvus)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.stores.base import IndexWriter, VectorStore
from rag.stores.manifest import Manifest


@dataclass(frozen=True)
class Backend:
    open: Callable[[Settings, Embedder], VectorStore]  # the live index (raises IndexMissing)
    writer: Callable[[Settings, Embedder], ContextManager[IndexWriter]]  # one build, under the build lock
    manifest: Callable[[Path], Manifest | None]  # the live manifest of an index folder, None without one


def _faiss() -> Backend:
    from rag.stores import faiss, faiss_writer

    return Backend(faiss.load_index, faiss_writer.open_writer, faiss.read_manifest)


def _milvus() -> Backend:
    from rag.stores import milvus, milvus_writer

    return Backend(milvus.load_milvus, milvus_writer.open_writer, milvus.read_milvus_manifest)


STORES: dict[str, Callable[[], Backend]] = {"faiss": _faiss, "milvus": _milvus}


def backend(settings: Settings) -> Backend:
    try:
        return STORES[settings.vector_store]()
    except KeyError:
        raise RagError(f"vector_store must be one of {', '.join(STORES)}, got {settings.vector_store!r}") from None


def open_store(settings: Settings, embedder: Embedder) -> VectorStore:
    """Load the index of ``settings`` from the configured store (raises ``IndexMissing``)."""
    return backend(settings).open(settings, embedder)


def store_manifest(settings: Settings) -> Manifest | None:
    """The live manifest of the configured store, or ``None`` without an index."""
    return backend(settings).manifest(settings.index)
