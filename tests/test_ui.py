"""The browser app over HTTP, driven by gradio_client against the real server on loopback."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest
from gradio_client import Client

from rag import pipeline as qa
from rag.app import chat as webui
from rag.app.chat import ChatEngine, prepare, supports_llm_switch
from rag.config import Settings
from rag.indexing import handle
from rag.pipeline import Turn
from tests.conftest import ROOT, make_settings
from tests.embedding_servers import Gateway
from tests.uiapp import free_port, serving

# gradio's queue trips pandas deprecations that are not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting'", "ignore:The copy keyword")

ENTRY_FEE = "业界普遍认为进入大模型这个行业的入场门票是多少钱？"
MOYIN = "魔音工坊支持多少种语言和方言？"
# Answerable from seeds/ (one per client in the concurrency test).
QUESTIONS = [
    ENTRY_FEE,
    MOYIN,
    "ChatGPT用了多长时间就收获了超过1亿用户?",
    "Databricks花了多少钱收购MosaicML?",
    "微软给Microsoft 365 Copilot定的价格是多少?",
    "作为云服务的领跑者,亚马逊占有多少市场份额?",
    "OpenAI是在北京时间几月几日宣告GPT-4诞生的?",
    "What price did OpenAI set when it opened the ChatGPT API on March 2?",
]


def text(message: dict[str, Any]) -> str:
    """The HTML of a chat message as gradio_client returns it."""
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return str(content)


def title(message: dict[str, Any]) -> str:
    return (message.get("metadata") or {}).get("title") or ""


def chat(client: Client, message: str, llm: str = "extractive", top_k: int = 5) -> list[dict[str, Any]]:
    messages, box = client.predict(message, llm, top_k, api_name="/chat")
    assert box == "", "the question box is cleared after sending"
    return messages


class Recorder:
    """qa.stream, recording the question and history of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Turn]]] = []

    def __call__(self, handle, question, *, history=(), **options) -> Iterator[qa.Event]:
        self.calls.append((question, list(history)))
        yield from qa.stream(handle, question, history=history, **options)

    def history_of(self, question: str) -> list[Turn]:
        return [h for q, h in self.calls if q == question][-1]


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def url(seeds_settings: Settings, recorder: Recorder) -> Iterator[str]:
    with serving(seeds_settings, ChatEngine(seeds_settings, stream=recorder)) as address:
        yield address


def test_question_gets_a_cited_answer_with_its_highlighted_source(url: str) -> None:
    user, answer, sources = chat(Client(url, verbose=False), ENTRY_FEE)
    assert ENTRY_FEE in text(user)
    assert '<a class="rag-cite" href="#rag-t1-s1"' in text(answer)
    assert "10 亿元人民币" in text(answer)
    assert title(sources).startswith("Sources: 1 cited of 5 retrieved")
    html = text(sources)
    assert 'id="rag-t1-s1"' in html  # the marker's link target
    assert "seeds/000_093b91aadbd42fdd.txt" in html
    assert re.search(r'<span class="rag-lines">lines \d+–\d+</span>', html)
    quotes = re.findall(r'<mark class="rag-quote">(.*?)</mark>', html)
    assert any("10 亿元人民币" in q for q in quotes)


def test_follow_up_is_answered_with_the_conversation_as_history(url: str, recorder: Recorder) -> None:
    client = Client(url, verbose=False)
    first = chat(client, MOYIN)
    second = chat(client, "它有多少用户？")
    assert [text(m) for m in second[:3]] == [text(m) for m in first]  # the first turn stays
    assert len(second) == 6
    # The history holds the answer's sentences; the short answer shown above them is not repeated in it.
    shown = re.sub(r'<div class="rag-short">.*?</div>', "", text(first[1]))
    first_answer = html.unescape(re.sub(r"<[^>]+>", "", shown))
    assert recorder.history_of("它有多少用户？") == [Turn(MOYIN, first_answer)]
    assert 'href="#rag-t2-s1"' in text(second[4])  # turn 2 links to its own sources
    assert "001_bc6feda196b70a46.txt" in text(second[5])  # found through the first question


def test_new_chat_forgets_the_history(url: str, recorder: Recorder) -> None:
    client = Client(url, verbose=False)
    chat(client, MOYIN)
    client.predict(api_name="/new_chat")
    messages = chat(client, "它的用户规模有多大？")
    assert len(messages) == 3
    assert recorder.history_of("它的用户规模有多大？") == []


def test_eight_concurrent_clients_all_get_cited_answers(url: str) -> None:
    def ask(question: str) -> list[dict[str, Any]]:
        return chat(Client(url, verbose=False), question)

    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        results = list(pool.map(ask, QUESTIONS))
    for question, messages in zip(QUESTIONS, results):
        assert len(messages) == 3, question
        assert question in text(messages[0])
        assert 'class="rag-cite"' in text(messages[1]), question
        assert not any("rag-error" in text(m) for m in messages), question


def test_empty_and_huge_messages_get_an_error_and_the_chat_goes_on(url: str) -> None:
    client = Client(url, verbose=False)
    empty = chat(client, "   ")
    assert len(empty) == 1 and "rag-error" in text(empty[0]) and "empty" in text(empty[0])

    huge = chat(client, "长" * 100_000)
    assert "rag-error" in text(huge[-1]) and "100,000 characters" in text(huge[-1])
    assert len(text(huge[-2])) < 2_000, "a huge question is not echoed back in full"

    after = chat(client, MOYIN)
    assert len(after) == len(huge) + 3
    assert 'class="rag-cite"' in text(after[-2])


@pytest.mark.skipif(not supports_llm_switch(), reason="rag.pipeline.stream has no llm= choice yet (issue 3)")
def test_failing_llm_shows_a_short_error_with_the_passages(seeds_settings: Settings) -> None:
    settings = make_settings(seeds_settings.corpus, seeds_settings.index, llm_choices=("openai:ui-test",),
                             llm_base_url=f"http://127.0.0.1:{free_port()}/v1",  # nothing listens
                             llm_timeout=5.0, llm_max_retries=0)
    with serving(settings) as address:
        client = Client(address, verbose=False)
        user, error, passages = chat(client, MOYIN, llm="openai:ui-test")
        assert "rag-error" in text(error) and "openai:ui-test" in text(error)
        assert "<br>" not in text(error).split("</span>", 1)[1], "the error is one line"
        assert title(passages).startswith("Retrieved passages: 5")
        assert "001_bc6feda196b70a46.txt" in text(passages)
        # the chat stays usable, with the extractive answerer
        after = chat(client, MOYIN, llm="extractive")
        assert 'href="#rag-t2-s1"' in text(after[-2])


def test_top_k_slider_sets_how_many_passages_are_retrieved(url: str) -> None:
    _, _, sources = chat(Client(url, verbose=False), MOYIN, top_k=3)
    assert "of 3 retrieved" in title(sources)


@pytest.mark.parametrize("llm,top_k,message", [
    ("extractive", 0, "less than minimum value 1"),
    ("extractive", 50, "greater than maximum value 20"),
    ("nonexistent:model", 5, "not in the list of choices"),
])
def test_an_api_value_out_of_range_is_one_line_to_the_client_and_no_traceback_in_the_log(
        url: str, capfd: pytest.CaptureFixture[str], llm: str, top_k: int, message: str) -> None:
    from gradio_client.exceptions import AppError

    capfd.readouterr()
    with pytest.raises(AppError, match=message):
        Client(url, verbose=False).predict(MOYIN, llm, top_k, api_name="/chat")
    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err


def test_llm_answer_streams_in_and_its_checked_citations_link(seeds_settings: Settings) -> None:
    from tests.fake_openai_server import FakeLLMServer

    with FakeLLMServer(piece_delay_s=0.02) as llm:
        settings = make_settings(seeds_settings.corpus, seeds_settings.index, llm_choices=("openai:fake",),
                                 llm_base_url=llm.openai_url, llm_timeout=10.0, llm_max_retries=0)
        with serving(settings) as address:
            job = Client(address, verbose=False).submit(MOYIN, "openai:fake", 5, api_name="/chat")
            messages, _ = job.result(timeout=120)
            partial = [text(step[0][1]) for step in job.outputs() if "rag-streaming" in text(step[0][1])]
    assert len(partial) >= 3 and len(set(partial)) == len(partial), "the answer grows in several steps"
    answer, sources = text(messages[1]), messages[2]
    assert 'href="#rag-t1-s1"' in answer and 'href="#rag-t1-s2"' in answer
    assert "pointed to no passage" in answer  # the fake model's out-of-range marker, dropped
    assert "openai:fake" in title(sources) and 'id="rag-t1-s2"' in text(sources)


def test_wrong_password_is_refused(seeds_settings: Settings) -> None:
    with serving(seeds_settings, auth="alice:s3cret:x") as address:
        with pytest.raises(ValueError, match="Could not login"):  # AuthenticationError on a 401
            Client(address, verbose=False, auth=("alice", "wrong"))
        client = Client(address, verbose=False, auth=("alice", "s3cret:x"))
        assert 'class="rag-cite"' in text(chat(client, MOYIN)[1])


# ---------------------------------------------------------------- rebuild

def warehouse_file(lines: int) -> str:
    """A made-up document big enough that embedding it takes seconds."""
    return "\n".join(f"第{i}号仓库存放了{i * 7 + 3}箱零件，仓库管理员是员工{i * 13 % 997}号。" for i in range(lines))


def rebuild(client: Client) -> tuple[str, str, str]:
    return client.predict(api_name="/rebuild")


def test_rebuild_answers_from_the_old_index_meanwhile_then_swaps(small_corpus: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()  # holds the real rebuild mid-way, after its first embedded batch

    def held_rebuild(settings: Settings, progress=None):
        def report(done: int, total: int) -> None:
            progress(done, total)
            assert gate.wait(120), "the test never released the rebuild"

        return handle.rebuild(settings, progress=report)

    monkeypatch.setattr(webui, "rebuild", held_rebuild)
    settings = make_settings(small_corpus, tmp_path / "index")
    with serving(settings) as address:
        asker, builder = Client(address, verbose=False), Client(address, verbose=False)
        gate.set()
        status, corpus, _ = rebuild(builder)
        assert "already up to date" in status and "a.txt" in corpus

        gate.clear()
        (small_corpus / "warehouse.txt").write_text(warehouse_file(400), encoding="utf-8")
        job = builder.submit(api_name="/rebuild")
        deadline = time.monotonic() + 60
        while not any("Rebuilding: embedded" in step[0] for step in job.outputs()):
            assert time.monotonic() < deadline, "no rebuild progress shown"
            time.sleep(0.1)
        during = chat(asker, "业界普遍认为入场门票是多少钱？")
        assert not job.done(), "the rebuild is held mid-way"
        assert 'class="rag-cite"' in text(during[1]) and "docs/a.txt" in text(during[2])
        missing = chat(asker, "第25号仓库存放了多少箱零件？")
        assert "docs/warehouse.txt" not in text(missing[-1]), "the new file is not searched yet"

        gate.set()
        status, corpus, line = job.result(timeout=180)
        assert "Index rebuilt" in status and "added 1 (warehouse.txt)" in status
        assert "warehouse.txt" in corpus and "4 files" in line
        after = chat(asker, "第25号仓库存放了多少箱零件？")
        assert "docs/warehouse.txt" in text(after[-1]) and 'class="rag-cite"' in text(after[-2])


def test_failed_rebuild_reports_and_keeps_the_old_index(small_corpus: Path, tmp_path: Path) -> None:
    settings = make_settings(small_corpus, tmp_path / "index")
    with serving(settings) as address:
        client = Client(address, verbose=False)
        moved = small_corpus.rename(tmp_path / "elsewhere")
        status, corpus, _ = rebuild(client)
        assert "Rebuild failed" in status and "corpus folder not found" in status
        assert "a.txt" in corpus, "the corpus view still shows the live index"
        messages = chat(client, "亚马逊占有多少市场份额？")
        assert 'class="rag-cite"' in text(messages[1]) and "48.9%" in text(messages[1])
        shutil.move(moved, small_corpus)
        status, _, _ = rebuild(client)
        assert "already up to date" in status


# ---------------------------------------------------------------- serving

def test_startup_builds_a_missing_index_and_says_so(small_corpus: Path, tmp_path: Path) -> None:
    said: list[str] = []
    handle = prepare(make_settings(small_corpus, tmp_path / "index"), say=said.append)
    assert len(said) == 1 and "no index at" in said[0] and "building it from" in said[0]
    assert handle.index.chunks


def test_rag_serve_builds_the_missing_index_says_so_and_serves_on_loopback(small_corpus: Path,
                                                                           tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "rag.app.cli", "serve", "--corpus", str(small_corpus),
               "--index", str(tmp_path / "index"), "--port", url.rsplit(":", 1)[1]]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "RAG_CONFIG": ""})  # no settings file
    try:
        deadline = time.monotonic() + 180
        while not _answers_http(url):
            assert server.poll() is None, f"rag serve exited: {server.stderr.read()}"
            assert time.monotonic() < deadline, "rag serve did not come up"
            time.sleep(0.5)
        messages = chat(Client(url, verbose=False), "亚马逊占有多少市场份额？")
        assert "48.9%" in text(messages[1]) and 'class="rag-cite"' in text(messages[1])
    finally:
        server.terminate()
        server.wait(30)
    said = server.stderr.read()
    assert "no index at" in said and "building it from" in said
    assert "serving" in said and "http://127.0.0.1:" in said


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_malformed_auth_is_reported_before_a_busy_port() -> None:
    # What the user typed is checked before what the machine has: a bad --auth is the error,
    # whichever port is in use.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        run = subprocess.run([sys.executable, "ui.py", "--auth", "nopassword", "--port", port],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert (run.returncode, run.stderr) == (1, "error: --auth must look like USER:PASSWORD\n")
        run = subprocess.run([sys.executable, "ui.py", "--port", port, "--index", "/nonexistent/index"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert run.returncode == 1 and "pass another --port" in run.stderr


def test_malformed_auth_is_a_one_line_error_before_anything_starts() -> None:
    run = subprocess.run([sys.executable, "ui.py", "--auth", "nopassword", "--index", "/nonexistent/index"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (1, "error: --auth must look like USER:PASSWORD\n")
    from click.testing import CliRunner

    from rag.app.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--auth", "alice", "--index", "/nonexistent/index"])
    assert result.exit_code == 1 and "--auth must look like USER:PASSWORD" in result.output


def test_ui_py_starts_as_rag_serve_does_so_its_log_masks_a_password_in_a_url(small_corpus: Path,
                                                                              tmp_path: Path) -> None:
    """``python ui.py`` takes ``rag serve``'s start-up: ``-v`` logs the embedding server's requests,
    and the user:password in its URL is masked there as in every message."""
    with Gateway("http://127.0.0.1:9/v1") as gateway:  # in "auth" mode it answers 401 and forwards nothing
        gateway.mode = "auth"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
        env.update(RAG_CONFIG="", RAG_EMBEDDING="openai:e5-passage",
                   RAG_EMBEDDING_BASE_URL=gateway.url.replace("http://", "http://alice:pw-Zq8vW3@"))
        run = subprocess.run([sys.executable, "ui.py", "-v", "--port", str(free_port()), "--corpus", str(small_corpus),
                              "--index", str(tmp_path / "index")], cwd=ROOT, capture_output=True, text=True,
                             env=env, timeout=300)
    assert gateway.requests, "the build asked the server"
    assert f"HTTP Request: POST {gateway.url}/embeddings" in run.stderr, run.stderr
    assert "pw-Zq8vW3" not in run.stderr + run.stdout
    assert run.returncode == 1 and run.stderr.splitlines()[-1].startswith(
        f"error: embedding server openai:e5-passage at {gateway.url} refused the credentials (HTTP 401)")


def test_a_client_asking_for_chinese_gets_chinese_and_can_open_the_cited_file(url: str) -> None:
    client = Client(url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    _, answer, sources = chat(client, ENTRY_FEE)
    assert title(sources).startswith("来源：引用 1 段，共检索 5 段")
    link = html.unescape(re.search(r'<a class="rag-open" href="([^"]+)"', text(sources)).group(1))
    view = client.predict(link, api_name="/open_file")  # the HTML (the panel's visibility is layout)
    assert "引用的段落已高亮" in view and 'id="rag-file-span"' in view
    assert "10 亿元人民币" in re.search(r'id="rag-file-span"[^>]*>(.*?)</span>', view, re.S).group(1)
    refused = client.predict("#rag-file?source=../../etc/passwd&start=0&end=10", api_name="/open_file")
    assert "rag-error" in refused and "root:" not in refused
