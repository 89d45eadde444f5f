"""The index on disk, in two modules by job; this name re-exports both for existing imports.

- :mod:`rag.index_format`: layout, manifest, checksums, verification, loading.
- :mod:`rag.build`: building and updating (atomic versions, build lock, streaming, resume).
"""

from __future__ import annotations

from .build import CACHE_BLOCK, EMBED_BATCH, LOCK, BuildReport, Progress, build_index, chunk_vectors, remove_stale  # noqa: F401
from .index_format import (  # noqa: F401
                    DATA_FILES,
                    FORMAT_VERSION,
                    POINTER,
                    FileEntry,
                    Index,
                    IndexDamaged,
                    Manifest,
                    check_compatible,
                    live_version,
                    load_index,
                    read_manifest,
                    verify_files,
)
from .lexical import BM25  # noqa: F401
