"""Fixtures for the LLM tests: the fake LLM server, an API key to keep secret, settings.

Import them into a test module (``from .llm_fixtures import *``); the server is a fake
LLM speaking the real OpenAI and Ollama protocols (see ``fake_openai_server``).
"""

from __future__ import annotations

import secrets
import socket
from typing import Iterator

import pytest

from rag.config import Settings

from .conftest import make_settings
from .fake_openai_server import FakeLLMServer

__all__ = ["fake_llm", "llm", "api_key", "llm_settings", "refused_url"]


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def llm(fake_llm: FakeLLMServer) -> FakeLLMServer:
    """The module's fake LLM server, with no requests recorded yet."""
    fake_llm.reset()
    return fake_llm


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh OPENAI_API_KEY that must reach the server and nowhere else."""
    key = "sk-test-" + secrets.token_hex(12)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return key


@pytest.fixture
def llm_settings(seeds_settings: Settings, llm: FakeLLMServer, api_key: str):
    """Settings over the shared seeds index that point the LLM at the fake server."""

    def settings(**extra) -> Settings:
        values = {"llm_base_url": llm.openai_url, "llm_timeout": 1.0, "llm_max_retries": 0, **extra}
        return make_settings(seeds_settings.corpus, seeds_settings.index, **values)

    return settings


@pytest.fixture
def refused_url() -> str:
    """A loopback URL on which nothing listens (the port was just free)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
