"""What the index needs from an embedding model, whatever computes it."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def name(self) -> str:
        """Identity recorded in the index manifest; a different name forces a rebuild."""

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """Passages → float32 L2-normalised vectors, shape ``(len(texts), dim)``."""

    def embed_query(self, text: str) -> np.ndarray:
        """One question → its unit vector (models like e5 embed questions differently)."""


def embed_query(embedder: Any, text: str) -> np.ndarray:
    """The question's vector, for embedders that predate ``embed_query`` too."""
    method = getattr(embedder, "embed_query", None)
    return method(text) if method else embedder.embed([text])[0]


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); a zero row stays zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
