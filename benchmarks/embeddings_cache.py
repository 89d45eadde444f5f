"""Embedding vectors remembered on disk, so benchmark re-runs embed nothing twice."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.embeddings import FusedEmbedder, embed_query, make_embedder

CACHE = Path(tempfile.gettempdir()) / "rag-embedding-cache"


@dataclass
class DiskCachedEmbedder:
    """An embedder whose passage and query vectors are remembered on disk (by text)."""

    inner: Any
    path: Path
    _memo: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.path.is_file():
            with np.load(self.path, allow_pickle=False) as z:
                self._memo = dict(zip(z["keys"].tolist(), z["vectors"]))

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def similarity_floor(self) -> float:
        return float(getattr(self.inner, "similarity_floor", 0.0))

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [self._key("p", t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._memo))
        if missing:
            for t, v in zip(missing, self.inner.embed(missing)):
                self._memo[self._key("p", t)] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        key = self._key("q", text)
        if key not in self._memo:
            self._memo[key] = embed_query(self.inner, text)
        return self._memo[key]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.asarray(list(self._memo), dtype="U40")
        vectors = np.stack(list(self._memo.values())) if self._memo else np.zeros((0, self.dim), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.path)



def cached_embedder(spec: str, cache: Path = CACHE) -> Any:
    """The embedder ``spec`` names, each model behind its own disk cache."""
    embedder = make_embedder(spec)
    if isinstance(embedder, FusedEmbedder):
        return FusedEmbedder(tuple((cached_embedder(_spec_of(e), cache), w) for e, w in embedder.parts))
    return DiskCachedEmbedder(embedder, cache / f"{_spec_of(embedder)}.npz")


def _spec_of(embedder: Any) -> str:
    return embedder.name.split(":", 1)[0]
