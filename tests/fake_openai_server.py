"""A fake LLM that speaks the real protocols, on loopback, for tests and timing runs.

It is an HTTP server (stdlib ``http.server``), not a mock: the real ``langchain-openai``
and ``langchain-ollama`` clients talk to it over TCP.  It implements OpenAI's
``POST /v1/chat/completions`` (plain JSON, or Server-Sent Events with ``stream: true``
ending in ``data: [DONE]``) and Ollama's ``POST /api/chat`` (JSON, or NDJSON lines).

Its "model" reads the prompt it was sent: for an answer prompt it quotes the numbered
passages back with citation markers in several styles (``【3】``, ``[1, 3]``) plus one
marker past the last passage; for a condense prompt it returns a standalone question
built from the conversation.  The model name selects a failure instead:

``error-500`` HTTP 500 · ``auth`` HTTP 401 that echoes the key, as careless servers do ·
``rate-limit`` HTTP 429 always · ``rate-limit-once`` HTTP 429 on the first request
only · ``hang`` no reply until released · ``empty`` an empty reply · ``garbage`` a
body that is not JSON · ``no-cite`` an answer without markers · ``unrelated`` an
answer without markers that no passage supports · ``abstain`` the
"corpus does not contain the answer" sentence · ``wrong-figure`` a passage sentence
with a figure that no passage holds, citing that passage · ``uncited-copy`` a
sentence found in passage 2 only, without a marker · ``cited-copy`` a sentence of
passage 1 and one of passage 2, each with its right marker · ``replay`` the reply
recorded for the question in :attr:`FakeLLMServer.replies` (a string, or a function
of the numbered passages, so a recorded reply can cite whichever number the evidence
was given).

Every request is recorded in :attr:`FakeLLMServer.requests` (path, headers, JSON body).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

PASSAGE = re.compile(r"^\[(\d+)\] 来源：(.+?)\n(.*?)(?=\n\n\[\d+\] 来源：|\n\n问题：)", re.S | re.M)
QUESTION = re.compile(r"^问题：(.*)$", re.M)
FOLLOW_UP = re.compile(r"^后续问题：(.*)$", re.M)
HISTORY_QUESTION = re.compile(r"^用户：(.*)$", re.M)
NO_ANSWER = "语料中没有这个问题的答案。"
SENTENCE = re.compile(r"[^。！？?!\n]{6,}[。！？?!]")
Reply = str | Callable[[dict[int, str]], str]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        """All message contents sent, joined (the prompt as the model saw it)."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


def snippet(text: str, n: int = 12) -> str:
    """A short, bracket-free piece of a passage, safe to quote before a marker."""
    return re.sub(r"[\s\[\]【】]", "", text)[:n]


def unique_sentence(passages: dict[int, str], n: int) -> str:
    """A statement of passage ``n`` that no other passage contains (one with a digit if
    any); if every sentence is shared with another passage, its first sentence."""
    others = [text for m, text in passages.items() if m != n]
    every = SENTENCE.findall(passages[n]) or [passages[n][:40]]
    found = [s for s in every if not any(s in text for text in others)]
    found = [s for s in found if not s.endswith(("?", "？"))] or found
    if not found:
        return every[0]
    return next((s for s in found if re.search(r"\d", s)), found[0])


def absent_figure(prompt: str) -> str:
    """A figure (``9876亿``) that occurs nowhere in the prompt."""
    return next(f"{n}亿" for n in itertools.count(9876) if str(n) not in prompt)


def reply_for(prompt: str, model: str, replies: dict[str, Reply] | None = None) -> str:
    """What the fake model answers to ``prompt``: built from what it was sent."""
    if model == "abstain":
        return NO_ANSWER
    if model == "empty":
        return ""
    if model == "unrelated":
        return "天空是蓝色的，这是因为瑞利散射。"
    follow_up = FOLLOW_UP.search(prompt)
    if follow_up:  # a condense prompt: name the earlier subject in the follow-up
        earlier = HISTORY_QUESTION.findall(prompt)
        return f"{follow_up.group(1).strip()}（上文问的是：{earlier[-1].strip() if earlier else ''}）"
    passages = {int(n): text for n, _, text in PASSAGE.findall(prompt)}
    if not passages:
        return "没有收到任何资料段落。"
    k = max(passages)
    a = min(3, k)
    if model == "wrong-figure":
        return f"{unique_sentence(passages, 1).rstrip('。！？?!')}，相关投入达到{absent_figure(prompt)}元[1]。"
    if model == "uncited-copy":
        return unique_sentence(passages, min(2, k))
    if model == "cited-copy":
        return f"{unique_sentence(passages, 1)}[1]{unique_sentence(passages, min(2, k))}[{min(2, k)}]"
    if model == "replay":
        question = QUESTION.search(prompt)
        reply = (replies or {}).get(question.group(1).strip() if question else "", "没有为这个问题录制回答。")
        return reply(passages) if callable(reply) else reply
    if model == "no-cite":
        return f"根据资料，{snippet(passages[a])}。"
    return (f"\n根据资料，{snippet(passages[a])}【{a}】。"
            f"另外，{snippet(passages[1])}[1, {a}]。"
            f"这一句的标注指向不存在的段落[{k + 4}]。")


class _QuietServer(ThreadingHTTPServer):
    """Clients that give up (timeouts) reset their connection: that is expected here."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeLLMServer:
    """Start with ``with FakeLLMServer() as server:``; ``server.openai_url`` ends in ``/v1``."""

    def __init__(self, piece_chars: int = 4, piece_delay_s: float = 0.005, hang_s: float = 30.0) -> None:
        self.piece_chars = piece_chars
        self.piece_delay_s = piece_delay_s
        self.hang_s = hang_s
        self.requests: list[Recorded] = []
        self.replies: dict[str, Reply] = {}  # question → reply, for the "replay" model
        self._seen: dict[str, int] = {}
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/v1"

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()  # let hanging requests finish
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget the recorded requests (and so the per-model request counts)."""
        with self._lock:
            self.requests.clear()
            self._seen.clear()

    def pieces(self, text: str) -> Iterator[str]:
        for i in range(0, len(text), self.piece_chars):
            time.sleep(self.piece_delay_s)
            yield text[i : i + self.piece_chars]

    def _record(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> int:
        with self._lock:
            self.requests.append(Recorded(path, headers, body))
            model = str(body.get("model", ""))
            self._seen[model] = self._seen.get(model, 0) + 1
            return self._seen[model]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    return self._json(400, {"error": {"message": "body is not JSON"}})
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = server._record(self.path, headers, body)
                model = str(body.get("model", ""))
                if self.path not in ("/v1/chat/completions", "/api/chat"):
                    return self._json(404, {"error": {"message": f"no route {self.path}"}})
                if model == "hang":
                    server._release.wait(server.hang_s)
                    return self._json(200, {"error": "released"})
                if model == "error-500":
                    return self._json(500, {"error": {"message": "the fake model crashed", "type": "server_error"}})
                if model == "auth":
                    key = headers.get("authorization", "").removeprefix("Bearer ")
                    return self._json(401, {"error": {"message": f"Incorrect API key provided: {key}",
                                                      "type": "invalid_request_error"}})
                if model == "rate-limit" or (model == "rate-limit-once" and seen == 1):
                    return self._json(429, {"error": {"message": "slow down", "type": "rate_limit"}},
                                      {"Retry-After": "0"})
                if model == "garbage":
                    return self._send(200, b"<html>this is not an LLM</html>", "text/html")
                prompt = Recorded(self.path, headers, body).prompt
                text = reply_for(prompt, model, server.replies)
                if self.path == "/api/chat":
                    return self._ollama(model, text, body.get("stream", True))
                return self._openai(model, text, bool(body.get("stream")))

            def _openai(self, model: str, text: str, stream: bool) -> None:
                def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
                    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

                if not stream:
                    return self._json(200, {
                        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
                events = itertools.chain([chunk({"role": "assistant", "content": ""})],
                                         (chunk({"content": piece}) for piece in server.pieces(text)),
                                         [chunk({}, "stop")])  # lazy: each piece is sent when made
                self._chunked("text/event-stream",
                              (f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events), "data: [DONE]\n\n")

            def _ollama(self, model: str, text: str, stream: bool) -> None:
                def line(content: str, done: bool) -> dict[str, Any]:
                    out: dict[str, Any] = {"model": model, "created_at": "2025-01-01T00:00:00Z",
                                           "message": {"role": "assistant", "content": content}, "done": done}
                    if done:
                        out.update(done_reason="stop", total_duration=1, prompt_eval_count=1, eval_count=1)
                    return out

                if not stream:
                    return self._json(200, line(text, True))
                self._chunked("application/x-ndjson",
                              (json.dumps(line(p, False), ensure_ascii=False) + "\n" for p in server.pieces(text)),
                              json.dumps(line("", True)) + "\n")

            def _chunked(self, content_type: str, parts: Iterator[str], last: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for part in itertools.chain(parts, [last]):
                        data = part.encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

            def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


if __name__ == "__main__":  # run by hand: python -m tests.fake_openai_server
    with FakeLLMServer() as s:
        print(f"fake LLM listening: OpenAI at {s.openai_url}, Ollama at {s.base_url}; Ctrl-C stops")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
