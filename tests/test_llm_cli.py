"""``rag ask --llm`` and ``rag chat`` as a user runs them, against a fake LLM on loopback.

The server (``tests/fake_openai_server.py``) is a fake LLM speaking the real OpenAI
protocol over HTTP; the CLI reaches it through the real ``langchain-openai`` client.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Iterator

import pytest
from click.testing import CliRunner
from rich.console import Console

from rag.answering.extractive import Answer, Citation
from rag.app.cli import cli
from rag.app.terminal import show_stream
from rag.ingest.chunker import Chunk
from rag.pipeline import Delta, Done, Event, Retrieved
from rag.records import Hit

from .conftest import make_settings
from .llm_fixtures import *  # noqa: F403 - fixtures

QUESTION = "业界认为做大模型的入场门票是多少钱?"


@pytest.fixture
def rag(seeds_settings, llm):
    """Invoke ``rag`` in-process on the shared index, with the LLM pointed at the fake server."""

    def invoke(*args: str, input: str | None = None, **env: str):
        where = ["--corpus", str(seeds_settings.corpus), "--index", str(seeds_settings.index)]
        env = {"RAG_LLM_BASE_URL": llm.openai_url, "RAG_LLM_TIMEOUT": "1", "RAG_LLM_MAX_RETRIES": "0", **env}
        return CliRunner().invoke(cli, [*args, *where], input=input, env=env)

    return invoke


def test_tokens_are_printed_as_they_arrive_then_the_sources(tmp_path):
    screen = io.StringIO()
    hit = Hit(Chunk("docs/a.txt", 0, 6, "入场门票十亿"), 1.0, 0.5, 1.0)

    def events() -> Iterator[Event]:
        yield Retrieved("q", [hit])
        for piece in ["门票", "是十亿", "[1]。"]:
            yield Delta(piece)
            assert screen.getvalue().endswith(piece), "a delta must be on screen before the next one is made"
        yield Done(Answer("q", "门票是十亿[1]。", False, [Citation(1, hit.chunk)], [hit],
                          llm="openai:m"))

    show_stream(make_settings(tmp_path, tmp_path / "idx"), events(), Console(file=screen, width=120))
    shown = screen.getvalue()
    assert shown.startswith("门票是十亿[1]。\n") and "Sources:" in shown and "[1] docs/a.txt" in shown


def test_ask_with_llm_prints_the_cited_answer_and_what_the_check_dropped(rag, llm):
    result = rag("ask", QUESTION, "--llm", "openai:test-model")
    assert result.exit_code == 0, result.output
    answer, _, rest = result.stdout.partition("\n")
    assert answer.startswith("根据资料，") and "[1]" in answer and "[2][1]" in answer and "[9]" not in answer
    assert "dropped citation markers pointing to no passage: [9]" in rest
    assert "Sources:" in rest and "  [1] seeds/" in rest and "  [2] seeds/" in rest
    assert llm.requests[0].body["stream"] is True


def test_llm_setting_from_the_environment_and_an_ungrounded_answer_is_flagged(rag):
    result = rag("ask", QUESTION, "--json", RAG_LLM="openai:unrelated")
    data = json.loads(result.stdout)
    assert data["llm"] == "openai:unrelated" and data["ungrounded"] is True and data["citations"] == []
    pretty = rag("ask", QUESTION, RAG_LLM="openai:unrelated")
    assert "ungrounded:" in pretty.stdout and "Closest passages:" in pretty.stdout


@pytest.mark.parametrize("spec,message", [
    ("openai:error-500", "had a server error (HTTP 500)"),
    ("openai:hang", "no reply within 1 s"),
    ("refused", "cannot connect"),
])
def test_llm_failure_prints_the_passages_then_one_error_line_and_exits_1(rag, refused_url, spec, message):
    env = {"RAG_LLM_BASE_URL": refused_url} if spec == "refused" else {}
    result = rag("ask", QUESTION, "--llm", "openai:test-model" if spec == "refused" else spec, **env)
    assert result.exit_code == 1
    assert "Retrieved passages (the answer failed):" in result.stdout and result.stdout.count("seeds/") == 5
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: LLM openai:") and message in line


def test_llm_failure_with_json_prints_the_error_and_passages(rag):
    result = rag("ask", QUESTION, "--llm", "openai:error-500", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["llm"] == "openai:error-500" and "HTTP 500" in data["error"] and len(data["passages"]) == 5


def test_a_bad_llm_setting_fails_before_loading_or_building_anything(tmp_path, small_corpus):
    index = tmp_path / "never-built"
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--llm", "gpt-4o", "--corpus", str(small_corpus),
                                      "--index", str(index)])
    assert result.exit_code == 1 and "use 'extractive', 'openai:MODEL'" in result.stderr
    assert not index.exists()


def test_chat_condenses_follow_ups_with_the_llm(rag, llm):
    result = rag("chat", "--llm", "openai:test-model", input=f"{QUESTION}\n那微软呢?\n/exit\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Sources:") == 2
    first, condense, second = llm.requests
    assert first.body["stream"] and second.body["stream"] and not condense.body.get("stream")
    assert f"用户：{QUESTION}" in condense.prompt and "后续问题：那微软呢?" in condense.prompt
    assert f"问题：那微软呢?（上文问的是：{QUESTION}）" in second.prompt


def test_chat_works_without_an_llm_and_quits_on_ctrl_d(rag, llm):
    result = rag("chat", input=f"{QUESTION}\n\n/new\nDatabricks花了多少钱收购MosaicML?\n")  # no /exit: EOF
    assert result.exit_code == 0, result.output
    answers = [line.lstrip("? ") for line in result.stdout.splitlines() if line.lstrip("? ") and line.startswith("? ")]
    assert len(answers) == 2 and result.stdout.count("Sources:") == 2 and "conversation forgotten" in result.stderr
    assert "10 亿元" in answers[0] and "13 亿美" in answers[1]  # each question's figure leads its answer
    assert not llm.requests


def test_chat_survives_a_failing_llm(rag):
    result = rag("chat", "--llm", "openai:error-500", input=f"{QUESTION}\n/exit\n")
    assert result.exit_code == 0
    assert "HTTP 500" in result.stderr and "Retrieved passages (the answer failed):" in result.stdout


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], capture_output=True, text=True,
                          env={**clean, **env}, timeout=300)


def test_rag_ask_llm_json_end_to_end_never_shows_the_key(seeds_settings, llm, api_key):
    where = ["--corpus", str(seeds_settings.corpus), "--index", str(seeds_settings.index)]
    env = {"OPENAI_API_KEY": api_key, "OPENAI_BASE_URL": llm.openai_url}
    result = _run(["ask", QUESTION, "--llm", "openai:test-model", "--json", "-v", *where], env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["llm"] == "openai:test-model" and data["ungrounded"] is False
    assert data["dropped_markers"] == ["[9]"] and len(data["citations"]) == 2
    for c in data["citations"]:
        assert (seeds_settings.corpus.parent / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]
    assert llm.requests[0].headers["authorization"] == f"Bearer {api_key}"
    # A server that echoes the key in its error body: the key still goes nowhere.
    failed = _run(["ask", QUESTION, "--llm", "openai:auth", "-v", *where],
                  {**env, "RAG_LLM_MAX_RETRIES": "1"})
    assert failed.returncode == 1 and "refused the credentials (HTTP 401)" in failed.stderr
    for output in (result.stdout, result.stderr, failed.stdout, failed.stderr):
        assert api_key not in output
