"""What went wrong with a call to a server, whichever client library made it.

The LLM backends (``rag.llm.backends``) and the embedding servers (``rag.embeddings.remote``)
talk through openai, httpx and ollama clients, each failing in its own exception
classes.  :func:`classify` sorts them by what the user should do about it, and
:func:`backoff` says how long to wait before the next attempt of a retryable one.
"""

from __future__ import annotations

from dataclasses import dataclass

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 30.0


@dataclass(frozen=True)
class Failure:
    """What went wrong with one call, independent of the provider's exception classes."""

    kind: str  # "status" | "timeout" | "connection" | "error" | "malformed"
    status: int = 0
    detail: str = ""
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        return self.kind == "connection" or self.status in RETRY_STATUSES


def classify(exc: BaseException) -> Failure:
    """Sort an exception from openai, httpx or ollama by what the user should do about it."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    detail = str(getattr(exc, "message", None) or getattr(exc, "error", None) or exc)
    if isinstance(status, int) and status >= 100:
        response = getattr(exc, "response", None)
        after = getattr(response, "headers", {}).get("retry-after") if response is not None else None
        try:
            retry_after = float(after) if after is not None else None
        except ValueError:
            retry_after = None
        return Failure("status", status, detail, retry_after)
    if names & {"APITimeoutError", "TimeoutException", "TimeoutError"}:
        return Failure("timeout")
    if names & {"APIConnectionError", "TransportError", "ConnectionError"}:
        return Failure("connection", detail=detail)
    if "ResponseError" in names:  # ollama reports some errors inside a 200 stream
        return Failure("error", detail=detail)
    return Failure("malformed", detail=type(exc).__name__)


def backoff(attempt: int, failure: Failure) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): doubling from
    0.5 s, or what the server's Retry-After asks for (both capped)."""
    if failure.retry_after is not None:
        return min(MAX_RETRY_AFTER_S, max(0.0, failure.retry_after))
    return min(MAX_BACKOFF_S, 0.5 * 2 ** (attempt - 1))
