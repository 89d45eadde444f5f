"""Run the real browser app (:mod:`rag.app.webapp`) in-process on a free loopback port, for the UI tests."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from typing import Iterator

from rag.app import webapp
from rag.app.chat import ChatEngine, prepare
from rag.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(settings: Settings, engine: ChatEngine | None = None, auth: str | None = None) -> Iterator[str]:
    """The app for ``settings`` listening on 127.0.0.1; yields its URL, closes it afterwards."""
    prepare(settings, say=lambda line: None)
    app = webapp.build_app(settings, engine)
    url = webapp.launch(app, "127.0.0.1", free_port(), auth=auth, block=False, quiet=True)
    try:
        yield url
    finally:
        app.close()
