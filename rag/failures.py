"""What went wrong with a call to a server, whichever client library made it.

The LLM backends (``rag.llm.backends``) and the embedding servers (``rag.embeddings.remote``)
talk through openai, httpx and ollama clients, each failing in its own exception
classes.  :func:`classify` sorts them by what the user should do about it,
:func:`backoff` says how long to wait before the next attempt of a retryable one, and
:func:`describe` says it in one line naming the server, in each kind of server's terms
(:class:`Advice`).
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


# Local OpenAI-compatible servers ignore the key, but the clients insist on one.
PLACEHOLDER_KEY = "not-needed"
DETAIL_CHARS = 160


@dataclass(frozen=True)
class Advice:
    """How the messages about one kind of server read: what it is called, what the user can change."""

    settings: str  # prefix of its settings: "llm" → llm_timeout, llm_base_url
    credentials: str  # where its key comes from, for a 401/403
    rate_limited: str  # what to do about a 429
    unreachable: str  # the connection failed: "cannot connect" / "cannot be reached"
    no_reply: str  # the timeout passed: "no reply" / "gave no reply"
    malformed: str  # an unreadable reply: "a malformed reply" / "a reply that is not an embeddings response"


def mask_key(text: str, key: str | None) -> str:
    """``text`` with the API key masked (the placeholder sent to keyless servers is no secret)."""
    return text.replace(key, "***") if key and key != PLACEHOLDER_KEY else text


def describe(failure: Failure, *, where: str, advice: Advice, attempts: int, timeout: float,
             key: str | None) -> str:
    """One line a user can act on: ``where`` (the server, its URL already redacted), what went
    wrong and what to change; never the key."""
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    detail = mask_key(" ".join(failure.detail.split()), key)[:DETAIL_CHARS]
    if failure.kind == "timeout":
        what = f"{advice.no_reply} within {timeout:g} s{tries} (raise {advice.settings}_timeout to wait longer)"
    elif failure.kind == "connection":
        what = (f"{advice.unreachable}{tries}: is the server running at that address? "
                f"(set {advice.settings}_base_url)")
    elif failure.kind == "malformed":
        what = f"returned {advice.malformed} ({detail})"
    elif failure.kind == "error":
        what = f"reported an error: {detail}"
    elif failure.status in (401, 403):
        what = f"refused the credentials (HTTP {failure.status}): check {advice.credentials}"
    elif failure.status == 429:
        what = f"is rate limiting requests (HTTP 429){tries}: {advice.rate_limited}"
    elif failure.status == 404:
        what = f"does not know this model or path (HTTP 404): check the model name and the base URL ({detail})"
    elif failure.status >= 500:
        what = f"had a server error (HTTP {failure.status}){tries}" + (f": {detail}" if detail else "")
    else:
        what = f"refused the request (HTTP {failure.status}): {detail}"
    return f"{where} {what}"
