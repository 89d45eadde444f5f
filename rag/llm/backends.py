"""The LLM backend: a LangChain chat model chosen by one setting, with failures made plain.

``llm = "openai:MODEL"`` covers every OpenAI-compatible server (OpenAI, DeepSeek,
DashScope, Moonshot, vLLM, llama.cpp, LM Studio) through ``langchain-openai``;
``llm = "ollama:MODEL"`` talks to Ollama through ``langchain-ollama``.  Both are built
with LangChain's ``init_chat_model`` and imported only when chosen, so the extractive
default never loads them.

Each provider fails in its own dialect (openai, httpx and ollama exception classes);
:class:`ChatLLM` turns all of them into one :class:`RagError` line naming the backend
and its URL, retries only what may pass on a second try (rate limits, 5xx, dropped
connections, and only before the first token), and never lets the API key out.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from rag.config import Settings, check_url, ollama_url
from rag.errors import RagError
from rag.failures import PLACEHOLDER_KEY, Advice, Failure, backoff, classify, describe, mask_key
from rag.redact import redact_url

log = logging.getLogger(__name__)

# provider → (Python module, pip package)
PROVIDERS = {"openai": ("langchain_openai", "langchain-openai"), "ollama": ("langchain_ollama", "langchain-ollama")}
OPENAI_URL = "https://api.openai.com/v1"
OLLAMA_URL = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class Backend:
    """Where an LLM spec leads, resolved from settings and environment (no imports yet)."""

    spec: str  # "openai:gpt-4o-mini", as the user wrote it
    provider: str
    model: str
    url: str
    api_key: str | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        """``spec at URL`` for messages; any user:password or key parameter in the URL is masked."""
        return f"{self.spec} at {redact_url(self.url)}"


def resolve_backend(spec: str, settings: Settings, environ: Mapping[str, str] | None = None) -> Backend:
    """Check the spec, the provider package and the key; fail before any work is done."""
    env = os.environ if environ is None else environ
    provider, _, model = spec.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if provider not in PROVIDERS or not model:
        raise RagError(f"llm {spec!r}: use 'extractive', 'openai:MODEL' (any OpenAI-compatible server) "
                       f"or 'ollama:MODEL'")
    if settings.llm_timeout <= 0 or settings.llm_max_retries < 0:
        raise RagError("llm_timeout must be positive and llm_max_retries at least 0")
    module, package = PROVIDERS[provider]
    if importlib.util.find_spec(module) is None:
        raise RagError(f"llm {spec!r} needs the {package} package: pip install {package}")
    if provider == "ollama":
        host = settings.llm_base_url or env.get("OLLAMA_HOST") or OLLAMA_URL
        check_url("llm_base_url" if settings.llm_base_url else "OLLAMA_HOST", host)
        return Backend(spec, provider, model, ollama_url(host))
    url = settings.llm_base_url or env.get("OPENAI_BASE_URL")
    if url:
        check_url("llm_base_url" if settings.llm_base_url else "OPENAI_BASE_URL", url)
    key = env.get("OPENAI_API_KEY")
    if not key and not url:
        raise RagError(f"llm {spec!r} needs an API key: set OPENAI_API_KEY, or set llm_base_url "
                       f"for a local OpenAI-compatible server")
    return Backend(spec, provider, model, url or OPENAI_URL, key or PLACEHOLDER_KEY)


def make_llm(spec: str, settings: Settings, environ: Mapping[str, str] | None = None) -> ChatLLM:
    """The chat model for ``spec`` (``provider:model``), ready to stream."""
    backend = resolve_backend(spec, settings, environ)
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": settings.llm_temperature}
    if backend.provider == "openai":
        # Retries are ours (see ChatLLM), so the SDK must not retry underneath.
        kwargs.update(base_url=backend.url, api_key=backend.api_key, timeout=settings.llm_timeout, max_retries=0)
    else:
        kwargs.update(base_url=backend.url, client_kwargs={"timeout": settings.llm_timeout})
    try:
        model = init_chat_model(backend.model, model_provider=backend.provider, **kwargs)
    except ImportError:
        package = PROVIDERS[backend.provider][1]
        raise RagError(f"llm {spec!r} needs the {package} package: pip install {package}") from None
    return ChatLLM(backend, model, settings.llm_timeout, settings.llm_max_retries)


class ChatLLM:
    """A LangChain chat model plus our retry, timeout and error-message rules."""

    def __init__(self, backend: Backend, model: Any, timeout: float, max_retries: int) -> None:
        self.backend = backend
        self.model = model
        self.timeout = timeout
        self.max_retries = max(0, max_retries)

    @property
    def spec(self) -> str:
        return self.backend.spec

    def stream(self, prompt: str) -> Iterator[str]:
        """The reply, text piece by text piece as the server sends it."""
        return self._attempts(lambda: (chunk.text for chunk in self.model.stream(prompt)))

    def complete(self, prompt: str) -> str:
        """The whole reply at once (one non-streaming request)."""
        return "".join(self._attempts(lambda: [self.model.invoke(prompt).text]))

    def _attempts(self, call: Callable[[], Iterable[str]]) -> Iterator[str]:
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            started = False
            try:
                for piece in call():
                    if piece:
                        started = True
                        yield piece
            except Exception as exc:  # noqa: BLE001 - every provider error becomes one RagError
                failure = classify(exc)
                if started or not failure.retryable or attempt == attempts:
                    raise RagError(self.message(failure, attempt)) from None
                delay = backoff(attempt, failure)
                log.info("LLM %s: attempt %d/%d failed (%s); retrying in %.1f s", self.backend.where, attempt,
                         attempts, self.redact(failure.detail or failure.kind), delay)
                time.sleep(delay)
                continue
            if not started:
                raise RagError(f"LLM {self.backend.where} returned an empty reply")
            return

    def message(self, failure: Failure, attempts: int) -> str:
        """One line a user can act on; never the key."""
        credentials = "OPENAI_API_KEY" if self.backend.provider == "openai" else "the server's credentials"
        advice = Advice(settings="llm", credentials=credentials, rate_limited="wait, or raise llm_max_retries",
                        unreachable="cannot connect", no_reply="no reply", malformed="a malformed reply")
        return describe(failure, where=f"LLM {self.backend.where}", advice=advice, attempts=attempts,
                        timeout=self.timeout, key=self.backend.api_key)

    def redact(self, text: str) -> str:
        return mask_key(text, self.backend.api_key)
