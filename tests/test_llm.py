"""LLM answers through the real LangChain clients, against a fake LLM on loopback.

The server (``tests/fake_openai_server.py``) is a fake LLM speaking the real protocols:
an HTTP server implementing OpenAI's ``/v1/chat/completions`` (JSON and SSE streaming)
and Ollama's ``/api/chat``.  Its replies are built from the passages it was sent,
with citation markers in several styles and one marker past the last passage, so the
tests check what really crosses the wire: the prompt, the streamed chunks, the
citations mapped back to passages, and each way a server can fail.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from rag import pipeline as qa
from rag.errors import RagError
from rag.indexing.handle import open_handle
from rag.llm.backends import OLLAMA_URL, PLACEHOLDER_KEY, make_llm, resolve_backend
from rag.pipeline import Delta, Done, Retrieved, Turn

from .conftest import ROOT, make_settings
from .fake_openai_server import snippet
from .llm_fixtures import *  # noqa: F403 - fixtures

QUESTION = "业界认为做大模型的入场门票是多少钱?"
SPEC = "openai:test-model"


def run(settings, question: str = QUESTION, **options) -> list[qa.Event]:
    return list(qa.stream(open_handle(settings), question, **options))


def test_answer_streams_in_pieces_and_cites_the_passages_it_was_sent(llm, llm_settings, api_key):
    events = run(llm_settings(), llm=SPEC)
    retrieved, *deltas, done = events
    assert isinstance(retrieved, Retrieved) and isinstance(done, Done)
    assert all(isinstance(d, Delta) for d in deltas) and len(deltas) >= 5
    answer, hits = done.answer, retrieved.passages
    # What streamed is the final answer (under the default llm_unsupported = warn).
    assert "".join(d.text for d in deltas).rstrip() == answer.answer and answer.attached_citations == []
    # The server quoted passage 3 with 【3】, then passage 1 with [1, 3], then cited [k+4].
    assert [(c.source, c.start, c.end) for c in answer.citations] == \
        [(h.chunk.source, h.chunk.start, h.chunk.end) for h in (hits[2], hits[0])]
    assert f"{snippet(hits[2].chunk.text)}[1]。" in answer.answer
    assert f"{snippet(hits[0].chunk.text)}[2][1]。" in answer.answer
    assert answer.dropped_markers == [f"[{len(hits) + 4}]"] and f"[{len(hits) + 4}]" not in answer.answer
    assert (answer.llm, answer.ungrounded, answer.abstained) == (SPEC, False, False)
    for c in answer.citations:
        text = (llm_settings().corpus.parent / c.source).read_text(encoding="utf-8")
        assert text[c.start : c.end] == c.text
    (request,) = llm.requests
    assert request.path == "/v1/chat/completions" and request.body["stream"] is True
    assert request.body["model"] == "test-model" and request.headers["authorization"] == f"Bearer {api_key}"
    for i, h in enumerate(hits, 1):
        assert f"[{i}] 来源：{h.chunk.source}\n{h.chunk.text.strip()}" in request.prompt
    assert f"问题：{QUESTION}" in request.prompt
    assert set(answer.timings) >= {"first_token_s", "total_s"}


def test_ask_returns_the_json_fields_of_the_extractive_answerer_plus_llm_and_ungrounded(llm_settings):
    s = llm_settings()
    llm_answer = qa.ask(open_handle(s), QUESTION, llm=SPEC).to_dict()
    extractive = qa.ask(open_handle(s), QUESTION).to_dict()
    assert set(llm_answer) == set(extractive) >= {"llm", "ungrounded", "dropped_markers", "citations"}
    assert extractive["llm"] == "extractive" and llm_answer["llm"] == SPEC
    assert set(llm_answer["citations"][0]) == set(extractive["citations"][0])


def test_llm_setting_picks_the_answerer_when_the_call_does_not(llm, llm_settings):
    answer = qa.ask(open_handle(llm_settings(llm=SPEC)), QUESTION)
    assert answer.llm == SPEC and len(llm.requests) == 1


def test_non_streaming_completion_goes_through_the_same_server(llm, llm_settings):
    model = make_llm(SPEC, llm_settings())
    assert model.complete("[1] 来源：x.txt\n甲乙丙丁\n\n问题：什么?") == "\n根据资料，甲乙丙丁【1】。另外，甲乙丙丁[1, 1]。这一句的标注指向不存在的段落[5]。"
    assert llm.requests[0].body.get("stream") in (None, False)


def test_follow_up_is_condensed_by_the_llm_before_retrieving(llm, llm_settings):
    history = [Turn(QUESTION, "入场门票是10 亿元人民币[1]。")]
    events = run(llm_settings(), "那微软呢?", history=history, llm=SPEC)
    condense, answer = llm.requests
    assert condense.body.get("stream") in (None, False)
    assert f"用户：{QUESTION}" in condense.prompt and "助手：入场门票是10 亿元人民币。" in condense.prompt
    assert "后续问题：那微软呢?" in condense.prompt
    standalone = f"那微软呢?（上文问的是：{QUESTION}）"
    assert events[0].question == standalone
    assert f"问题：{standalone}" in answer.prompt
    assert events[-1].answer.question == "那微软呢?"


def test_extractive_chat_searches_the_follow_up_with_the_previous_question(llm, llm_settings):
    events = run(llm_settings(), "那微软呢?", history=[Turn(QUESTION, "…")])
    assert events[0].question == f"{QUESTION} 那微软呢?" and not llm.requests


def test_an_answer_no_passage_supports_is_flagged_ungrounded(llm_settings):
    answer = qa.ask(open_handle(llm_settings()), QUESTION, llm="openai:unrelated")
    assert answer.ungrounded and not answer.citations and not answer.abstained


def test_the_model_saying_the_corpus_has_no_answer_is_an_abstention_not_ungrounded(llm_settings):
    answer = qa.ask(open_handle(llm_settings()), "火星上有几家咖啡馆?", llm="openai:abstain")
    assert answer.abstained and not answer.ungrounded and answer.citations == []


def test_prompt_file_replaces_the_prompt_sent(llm, llm_settings, tmp_path):
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Answer in one line.\n{passages}\n\n问题：{question}\n", encoding="utf-8")
    qa.ask(open_handle(llm_settings(prompt_file=prompt)), QUESTION, llm=SPEC)
    assert llm.requests[0].prompt.startswith("Answer in one line.\n[1] 来源：")


FAILURES = [
    ("openai:error-500", r"LLM openai:error-500 at http://127\.0\.0\.1:\d+/v1 had a server error \(HTTP 500\)"),
    ("openai:hang", r"LLM openai:hang at http://127\.0\.0\.1:\d+/v1 no reply within 1 s \(raise llm_timeout"),
    ("openai:rate-limit", r"LLM openai:rate-limit at .* is rate limiting requests \(HTTP 429\)"),
    ("openai:auth", r"LLM openai:auth at .* refused the credentials \(HTTP 401\): check OPENAI_API_KEY"),
    ("openai:empty", r"LLM openai:empty at .* returned an empty reply"),
    ("openai:garbage", r"LLM openai:garbage at .* returned a malformed reply"),
]


@pytest.mark.parametrize("spec,message", FAILURES)
def test_each_failure_is_one_clear_line_raised_after_the_passages(llm_settings, api_key, spec, message):
    stream = qa.stream(open_handle(llm_settings()), QUESTION, llm=spec)
    first = next(stream)
    assert isinstance(first, Retrieved) and first.passages
    with pytest.raises(RagError, match=message) as failure:
        list(stream)
    assert "\n" not in str(failure.value) and api_key not in str(failure.value)


def test_a_refused_connection_names_the_backend_and_url(llm_settings, refused_url):
    stream = qa.stream(open_handle(llm_settings(llm_base_url=refused_url)), QUESTION, llm=SPEC)
    assert isinstance(next(stream), Retrieved)
    with pytest.raises(RagError, match=rf"LLM {SPEC} at {refused_url} cannot connect"):
        list(stream)


def test_a_failing_condense_step_still_shows_the_passages(llm_settings):
    stream = qa.stream(open_handle(llm_settings()), "那微软呢?", history=[Turn(QUESTION, "…")],
                       llm="openai:error-500")
    assert next(stream).passages
    with pytest.raises(RagError, match="HTTP 500"):
        next(stream)


def test_rate_limits_and_server_errors_are_retried_a_bounded_number_of_times(llm, llm_settings):
    answer = qa.ask(open_handle(llm_settings(llm_max_retries=1)), QUESTION, llm="openai:rate-limit-once")
    assert answer.citations and len(llm.requests) == 2
    llm.reset()
    with pytest.raises(RagError, match=r"HTTP 500\) after 3 attempts"):
        make_llm("openai:error-500", llm_settings(llm_max_retries=2)).complete("hi")
    assert len(llm.requests) == 3
    llm.reset()
    with pytest.raises(RagError, match="HTTP 401"):  # a wrong key does not improve by retrying
        make_llm("openai:auth", llm_settings(llm_max_retries=2)).complete("hi")
    assert len(llm.requests) == 1


def test_ollama_backend_streams_through_langchain_ollama(llm, llm_settings):
    events = run(llm_settings(llm_base_url=llm.base_url), llm="ollama:test-model")
    answer = events[-1].answer
    assert len(events) > 5 and answer.llm == "ollama:test-model" and len(answer.citations) == 2
    assert answer.dropped_markers and llm.requests[0].path == "/api/chat"
    with pytest.raises(RagError, match=rf"LLM ollama:error-500 at {llm.base_url} had a server error"):
        make_llm("ollama:error-500", llm_settings(llm_base_url=llm.base_url)).complete("hi")


def test_backend_urls_and_keys_come_from_settings_then_environment(tmp_path):
    def s(**extra):
        return make_settings(tmp_path, tmp_path / "idx", **extra)

    ollama = resolve_backend("ollama:qwen2.5:7b", s(), {})
    assert (ollama.model, ollama.url) == ("qwen2.5:7b", OLLAMA_URL)
    assert resolve_backend("ollama:m", s(), {"OLLAMA_HOST": "10.0.0.5:11434"}).url == "http://10.0.0.5:11434"
    assert resolve_backend("ollama:m", s(), {"OLLAMA_HOST": "0.0.0.0"}).url == "http://0.0.0.0:11434"
    assert resolve_backend("ollama:m", s(), {"OLLAMA_HOST": "https://llm.example.com"}).url == "https://llm.example.com"
    assert resolve_backend("ollama:m", s(llm_base_url="http://gpu:11434"), {"OLLAMA_HOST": "x"}).url == "http://gpu:11434"
    hosted = resolve_backend("openai:gpt-4o-mini", s(), {"OPENAI_API_KEY": "sk-1"})
    assert (hosted.url, hosted.api_key) == ("https://api.openai.com/v1", "sk-1")
    local = resolve_backend("openai:qwen", s(), {"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"})
    assert (local.url, local.api_key) == ("http://127.0.0.1:8000/v1", PLACEHOLDER_KEY)
    assert resolve_backend("openai:m", s(llm_base_url="http://a/v1"), {"OPENAI_BASE_URL": "http://b/v1"}).url == "http://a/v1"
    assert "sk-1" not in repr(hosted)
    secret = resolve_backend("openai:m", s(llm_base_url="http://user:pw@host:8000/v1"), {})
    assert secret.where == "openai:m at http://host:8000/v1"


@pytest.mark.parametrize("spec,message", [
    ("gpt-4o", r"llm 'gpt-4o': use 'extractive', 'openai:MODEL'"),
    ("anthropic:claude", "use 'extractive'"),
    ("openai:", "use 'extractive'"),
    ("openai:gpt-4o", r"needs an API key: set OPENAI_API_KEY"),
])
def test_bad_specs_and_a_missing_key_fail_before_any_work(tmp_path, spec, message):
    with pytest.raises(RagError, match=message):
        resolve_backend(spec, make_settings(tmp_path, tmp_path / "idx"), {})


def test_nonsense_timeout_or_retries_are_refused(tmp_path):
    for extra, message in (({"llm_timeout": 0}, "'llm_timeout' must be above 0"),
                           ({"llm_max_retries": -1}, "'llm_max_retries' must be between 0 and 100")):
        with pytest.raises(RagError, match=message):  # when the settings are read, before any work
            make_settings(tmp_path, tmp_path / "idx", **extra)


def test_a_missing_provider_package_names_what_to_install(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "langchain_ollama" else real(name, *a))
    with pytest.raises(RagError, match="needs the langchain-ollama package: pip install langchain-ollama"):
        resolve_backend("ollama:qwen2.5", make_settings(tmp_path, tmp_path / "idx"), {})


def test_only_the_chosen_provider_is_imported(seeds_settings):
    """The extractive path loads no LangChain; an Ollama model loads no langchain-openai."""
    script = f"""
import sys
from pathlib import Path
from rag.config import load_settings
from rag.indexing.handle import open_handle
from rag.pipeline import ask
s = load_settings({{"corpus": {str(seeds_settings.corpus)!r}, "index": {str(seeds_settings.index)!r}}},
                  config_file=Path("/nonexistent"), environ={{}})
ask(open_handle(s), "入场门票是多少钱?")
print(sorted(m for m in sys.modules if m.split(".")[0] in ("langchain", "langchain_openai", "langchain_ollama", "openai")))
from rag.llm.backends import make_llm
make_llm("ollama:qwen2.5", s)
print("langchain_ollama" in sys.modules, "langchain_openai" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "True False"]

