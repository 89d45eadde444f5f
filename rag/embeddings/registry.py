"""The embedder a settings string names.

``e5``, ``use``, ``use+e5`` and ``st:MODEL`` are computed in this process
(:mod:`rag.embeddings.local`); ``openai:MODEL`` and ``ollama:MODEL`` come from a server
(:mod:`rag.embeddings.remote`, imported only then, so ``rag ask`` with a local model
never loads an HTTP client or LangChain).
"""

from __future__ import annotations

from typing import Mapping

from rag.config import Settings
from rag.embeddings.base import Embedder
from rag.embeddings.local import (
    FUSED_E5_WEIGHT,
    E5Embedder,
    FusedEmbedder,
    SentenceTransformerEmbedder,
    USEEmbedder,
)
from rag.errors import RagError

REMOTE = ("openai:", "ollama:")


def make_embedder(spec: str, settings: Settings | None = None,
                  environ: Mapping[str, str] | None = None) -> Embedder:
    """Build the embedder ``spec`` names: ``use``, ``e5``, ``use+e5``, ``st:MODEL``,
    ``openai:MODEL`` or ``ollama:MODEL`` (a server's, configured by ``settings``)."""
    if spec in ("use", "use:multilingual-v3"):
        return USEEmbedder()
    if spec in ("e5", "e5:multilingual-e5-small"):
        return E5Embedder()
    if spec == "use+e5":
        return FusedEmbedder(((USEEmbedder(), 1 - FUSED_E5_WEIGHT), (E5Embedder(), FUSED_E5_WEIGHT)))
    if spec.startswith(("st:", "sentence-transformers:")):
        model = spec.split(":", 1)[1]
        if not model:
            raise RagError("embedding 'st:' needs a model id or path, e.g. st:BAAI/bge-small-zh-v1.5")
        return SentenceTransformerEmbedder(model)
    if spec.lower().startswith(REMOTE):
        from rag.embeddings.remote import RemoteEmbedder, resolve_server

        return RemoteEmbedder(resolve_server(spec, settings or Settings(), environ))
    raise RagError(f"unknown embedding {spec!r}: use 'e5', 'use', 'use+e5', 'st:MODEL', "
                   "'openai:MODEL' or 'ollama:MODEL'")


def embedder_key(settings: Settings) -> tuple:
    """What makes two settings' embedders the same object (a server's settings count too)."""
    if not settings.embedding.lower().startswith(REMOTE):
        return (settings.embedding,)
    return (settings.embedding, settings.embedding_base_url, settings.embedding_query_model,
            settings.embedding_batch_size, settings.embedding_concurrency, settings.embedding_timeout,
            settings.embedding_max_retries)
