"""Text → unit vectors, behind one small interface with several backends.

- :mod:`rag.embeddings.base`: the :class:`Embedder` interface.
- :mod:`rag.embeddings.local`: models computed in this process (``e5``, ``use``,
  ``use+e5``, ``st:MODEL``).
- :mod:`rag.embeddings.remote`: vectors from a server (``openai:MODEL``,
  ``ollama:MODEL``); imported only when configured.
- :mod:`rag.embeddings.registry`: the embedder a settings string names.
"""

from rag.embeddings.base import Embedder, embed_query, normalise
from rag.embeddings.local import (
    E5_HUB_ID,
    E5_PASSAGE,
    E5_QUERY,
    FUSED_E5_WEIGHT,
    MIN_TEXTS_PER_WORKER,
    E5Embedder,
    FusedEmbedder,
    SentenceTransformerEmbedder,
    USEEmbedder,
    is_e5,
)
from rag.embeddings.local import _split_by_length as _split_by_length
from rag.embeddings.registry import embedder_key, make_embedder

_normalise = normalise  # the name tests and benchmarks knew

__all__ = [
    "E5_HUB_ID", "E5_PASSAGE", "E5_QUERY", "FUSED_E5_WEIGHT", "MIN_TEXTS_PER_WORKER", "E5Embedder", "Embedder",
    "FusedEmbedder", "SentenceTransformerEmbedder", "USEEmbedder", "embed_query", "embedder_key", "is_e5",
    "make_embedder", "normalise",
]
