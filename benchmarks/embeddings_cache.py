"""Embedding vectors remembered on disk, so benchmark re-runs embed nothing twice."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.embeddings import FusedEmbedder, make_embedder

from .common import CachingEmbedder

CACHE = Path(tempfile.gettempdir()) / "rag-embedding-cache"


@dataclass
class DiskCachedEmbedder(CachingEmbedder):
    """A :class:`CachingEmbedder` whose memory is kept on disk between runs (no pickle)."""

    path: Path = CACHE / "vectors.npz"

    def __post_init__(self) -> None:
        if self.path.is_file():
            with np.load(self.path, allow_pickle=False) as z:
                self._memo = dict(zip(z["keys"].tolist(), z["vectors"]))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.asarray(list(self._memo), dtype="U41")
        vectors = np.stack(list(self._memo.values())) if self._memo else np.zeros((0, self.dim), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.path)


def cached_embedder(spec: str, cache: Path = CACHE) -> Any:
    """The embedder ``spec`` names, each model behind its own disk cache."""
    embedder = make_embedder(spec)
    if isinstance(embedder, FusedEmbedder):
        return FusedEmbedder(tuple((cached_embedder(_spec_of(e), cache), w) for e, w in embedder.parts))
    return DiskCachedEmbedder(embedder, path=cache / f"{_spec_of(embedder)}-v2.npz")


def _spec_of(embedder: Any) -> str:
    return embedder.name.split(":", 1)[0]
