"""LangChain faces of our embedder and retriever, for users composing their own chains.

Kept apart from the core so that ``rag ask`` never imports langchain-core: only code
that wants LangChain objects pays for it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, SkipValidation

from rag.embeddings import Embedder, embed_query
from rag.indexing.handle import Handle
from rag.retrieve.retriever import Mode, retrieve


class LangChainEmbeddings(Embeddings):
    """Any :class:`rag.embeddings.Embedder` as a LangChain ``Embeddings``."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return embed_query(self.embedder, text).tolist()


class HybridRetriever(BaseRetriever):
    """Our hybrid (FAISS + BM25) retrieval as a LangChain ``BaseRetriever``.

    Each ``Document`` carries the citation coordinates in its metadata: ``source``,
    ``start``, ``end`` (so ``page_content == extracted_text[start:end]``), ``page`` (PDF) or
    ``heading`` (Word, HTML, Markdown; both ``None`` for plain text) and the scores.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    handle: SkipValidation[Handle]  # a plain dataclass; pydantic cannot validate its Protocol field
    mode: Mode = "hybrid"  # how many passages: the handle's top_k setting

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        hits = retrieve(self.handle.index, self.handle.embedder, query, self.handle.settings, self.mode)
        return [
            Document(page_content=h.chunk.text,
                     metadata={"source": h.chunk.source, "start": h.chunk.start, "end": h.chunk.end,
                               "page": h.chunk.page, "heading": h.chunk.heading,
                               "score": h.score, "dense": h.dense, "lexical": h.lexical})
            for h in hits
        ]
