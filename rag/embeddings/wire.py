"""The embedding servers' two protocols over plain httpx, for the one-text requests of ``rag ask``.

Why not LangChain here: importing ``langchain_openai`` (with ``openai`` and
``langchain_core``) takes 1–4 s on 2 cores, longer than a whole cold ``rag ask`` may
take, only to send one question.  The build's many batches still go through LangChain
(:mod:`rag.embeddings.remote`); this client sends what those clients send, so the vectors
are the same:

- OpenAI: ``POST {base}/embeddings`` with ``{"model", "input", "encoding_format": "base64"}``
  and the key as a bearer token (the ``openai`` SDK asks for base64 float32 and decodes it;
  a server that sends plain numbers instead is read too).
- Ollama: ``POST {host}/api/embed`` with ``{"model", "input"}``, the reply's ``embeddings``.

Failures are raised in the shape :func:`rag.failures.classify` reads from the SDKs
(``status_code``, ``message``, ``response``; httpx's own timeout and transport errors), so
a question fails with the same one line as a build.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import numpy as np

DETAIL_CHARS = 500


class StatusError(Exception):
    """A reply with an error status, with the attributes the SDKs' errors carry."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.message = f"Error code: {response.status_code} - {response.text[:DETAIL_CHARS]}"
        super().__init__(self.message)


class HttpEmbeddings:
    """One model of one server, called as LangChain's embeddings are (``embed_documents``);
    one request per call, retries are the caller's."""

    def __init__(self, provider: str, url: str, model: str, api_key: str | None, timeout: float) -> None:
        self.openai, self.model = provider == "openai", model
        self.endpoint = f"{url.rstrip('/')}/embeddings" if self.openai else f"{url.rstrip('/')}/api/embed"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(headers=headers, timeout=timeout)

    def embed_documents(self, texts: list[str]) -> list[Any]:
        """The server's vectors for ``texts``, in its order, as it sent them (checked by the caller)."""
        body: dict[str, Any] = {"model": self.model, "input": texts}
        if self.openai:
            body["encoding_format"] = "base64"
        response = self.client.post(self.endpoint, json=body)
        if not response.is_success:
            raise StatusError(response)
        reply = response.json()
        if not self.openai:
            return list(reply["embeddings"])
        return [_decoded(item["embedding"]) for item in reply["data"]]


def _decoded(embedding: Any) -> Any:
    """base64 of little-endian float32, as the SDK asks for; anything else as it came."""
    if isinstance(embedding, str):
        return np.frombuffer(base64.b64decode(embedding), dtype="<f4")
    return embedding
