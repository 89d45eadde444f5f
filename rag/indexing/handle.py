"""The one cached, explicit index handle that the CLI, UI and library share.

Loading the embedding model and the index costs seconds; answering costs
milliseconds.  :func:`open_handle` loads them once per (settings) and reuses them;
:func:`rebuild` builds a new index version and swaps the handle only on success, so
callers keep answering from the old index until then.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Callable

from rag.config import Settings
from rag.embeddings import Embedder, embedder_key, make_embedder
from rag.errors import IndexMissing, RagError
from rag.indexing.build import build_index
from rag.indexing.estimate import Estimate
from rag.ingest.loader import check_corpus_folder
from rag.stores.base import VectorStore
from rag.stores.manifest import BuildReport, Progress, check_corpus
from rag.stores.registry import open_store


@dataclass
class Handle:
    settings: Settings
    embedder: Embedder
    index: VectorStore  # the loaded index, in whichever store the settings name

    def with_settings(self, **changes: Any) -> Handle:
        """The same model and index under other query settings (``top_k=10``, ``llm=…``)."""
        settings = replace(self.settings, **changes)
        if _key(settings) != _key(self.settings):
            raise RagError(f"{', '.join(sorted(changes))}: another index; open it with open_handle")
        return Handle(settings, self.embedder, self.index)


_lock = threading.Lock()
_embedders: dict[tuple, Embedder] = {}
_handles: dict[tuple, Handle] = {}


def embedder_for(settings: Settings) -> Embedder:
    """One embedder per model per process: models are the expensive part."""
    with _lock:
        key = embedder_key(settings)
        if key not in _embedders:
            _embedders[key] = make_embedder(settings.embedding, settings)
        return _embedders[key]


def _key(settings: Settings) -> tuple:
    # The corpus too: a handle answers for the folder it was checked against (check_corpus).
    return (str(settings.index), str(settings.corpus), *embedder_key(settings), settings.chunk_size,
            settings.chunk_overlap, settings.vector_store, settings.milvus_uri, settings.milvus_collection)


def open_handle(settings: Settings, build_if_missing: bool = False,
                on_build: Callable[[], None] | None = None) -> Handle:
    """The cached handle for ``settings``; build the index first if asked and missing.

    ``on_build`` is called (with no arguments) before a missing index is built, so the
    caller can tell the user why the first answer takes longer.
    """
    key = _key(settings)
    with _lock:
        cached = _handles.get(key)
    if cached is not None:
        return Handle(settings, cached.embedder, cached.index)
    embedder = embedder_for(settings)
    try:
        index = open_store(settings, embedder)
    except IndexMissing:
        if not build_if_missing:
            raise
        if not settings.corpus.exists():  # say so before promising a build
            raise RagError(f"no index at {settings.index}, and no corpus folder at {settings.corpus} "
                           "to build it from") from None
        check_corpus_folder(settings.corpus)  # a file, or an empty folder
        if on_build:
            on_build()
        build_index(settings, embedder)
        index = open_store(settings, embedder)
    else:
        check_corpus(index.manifest, settings.corpus, settings.index)
    handle = Handle(settings, embedder, index)
    with _lock:
        _handles[key] = handle
    return handle


def rebuild(settings: Settings, progress: Progress | None = None,
            on_estimate: Callable[[Estimate], None] | None = None) -> tuple[BuildReport, Handle]:
    """Build or update the index, then swap the cached handle to the new version.

    If the build fails, the exception propagates and the old handle stays cached.
    ``on_estimate`` hears how long the embedding will take, before a big build starts.
    """
    embedder = embedder_for(settings)
    report = build_index(settings, embedder, progress, on_estimate)
    handle = Handle(settings, embedder, open_store(settings, embedder))
    with _lock:
        _handles[_key(settings)] = handle
    return report, handle


def forget() -> None:
    """Drop cached handles (tests use this to simulate a fresh process), and close Milvus
    connections (an open Milvus Lite folder is locked against other processes)."""
    with _lock:
        _handles.clear()
    import sys

    if "rag.stores.milvus" in sys.modules:
        sys.modules["rag.stores.milvus"].release()
