"""Faults a user can cause or suffer, run as a user would (``python -m rag.app.cli`` in a child
process): each ends in one line on stderr, no traceback, a non-zero exit, an index that
still answers, and after any single-file corruption ``rag index`` alone repairs it."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.indexing.build import CACHE, CACHE_BLOCK, build_index
from rag.indexing.handle import embedder_for
from rag.stores.faiss import DATA_FILES, live_version, load_index

from .conftest import ROOT, SEEDS, make_settings

QUESTION = "业界普遍认为进入大模型这个行业的入场门票是多少钱？"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") and k not in ("OPENAI_BASE_URL",)}


def rag(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None,
        limit_file_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    argv = [os.fsencode(a) if isinstance(a, str) else a for a in args]
    done = subprocess.run([sys.executable, "-m", "rag.app.cli", *argv], cwd=cwd, capture_output=True,
                          input=stdin, timeout=600, preexec_fn=limit,
                          env={**ENV, "PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def one_line_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def answers(cwd: Path) -> dict:
    result = rag("ask", QUESTION, "--json", cwd=cwd)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    answer = json.loads(result.stdout)
    assert answer["citations"] and not answer["abstained"]
    return answer


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with seeds/ and its index/, built once; tests copy it."""
    base = tmp_path_factory.mktemp("faults")
    (base / "seeds").mkdir()  # the one seed file that answers QUESTION: small, so rebuilds are quick
    shutil.copy(SEEDS / "000_093b91aadbd42fdd.txt", base / "seeds")
    assert rag("index", cwd=base).returncode == 0
    return base


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "w"
    shutil.copytree(built, folder)
    return folder


# ---------------------------------------------------------------- a damaged index heals

def flip_bytes(path: Path) -> None:
    """Change bytes in the middle of the file, keeping its size (silent corruption)."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, min(len(data), len(data) // 2 + 16)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(1).randbytes(path.stat().st_size))


@pytest.mark.parametrize("name,damage", [
    *[(name, flip_bytes) for name in (*DATA_FILES, "manifest.json", "CURRENT")],
    *[(name, random_bytes) for name in ("dense.faiss", "bm25.npz", "bm25_vocab.json", "CURRENT")],
])
def test_any_single_damaged_file_is_one_line_and_rag_index_alone_repairs_it(work, name, damage):
    version = live_version(work / "index")
    damage(work / "index" / name if name == "CURRENT" else version / name)

    asked = rag("ask", QUESTION, cwd=work)
    one_line_failure(asked, "damaged", "rag index")

    repaired = rag("index", cwd=work)
    assert repaired.returncode == 0 and "Traceback" not in repaired.stderr, repaired.stderr
    assert [line for line in repaired.stderr.splitlines() if "failed verification" in line]
    answers(work)


def test_current_replaced_by_a_folder_is_one_line_and_leaves_no_orphan_version(work):
    (work / "index" / "CURRENT").unlink()
    (work / "index" / "CURRENT").mkdir()
    before = sorted(p.name for p in (work / "index").iterdir())
    for _ in range(2):
        one_line_failure(rag("index", cwd=work), "CURRENT", "folder")
        one_line_failure(rag("ask", QUESTION, cwd=work), "CURRENT", "folder")
    assert sorted(p.name for p in (work / "index").iterdir()) == before


# ---------------------------------------------------------------- bad input: one line, nothing changed

@pytest.mark.parametrize("env,toml,needles", [
    ({"RAG_RRF_K": "-1"}, None, ["rrf_k", "between 0 and"]),
    ({"RAG_TOP_K": "0"}, None, ["top_k", "between 1 and 50"]),
    ({"RAG_TOP_K": "true"}, None, ["top_k", "whole number"]),
    ({}, "top_k = true\n", ["top_k", "whole number"]),
    ({}, "top_k = 3.9\n", ["top_k", "whole number"]),
    ({}, "abstain_threshold = nan\n", ["abstain_threshold", "finite"]),
    ({"RAG_DENSE_WEIGHT": "inf"}, None, ["dense_weight", "finite"]),
    ({"RAG_ABSTAIN_THRESHOLD": "1.5"}, None, ["abstain_threshold", "between 0 and 1"]),
    ({}, "rag = 5\n", ["rag", "table"]),
    ({}, "index_type = 'annoy'\n", ["index_type", "auto, flat, hnsw, ivf"]),
    ({"RAG_LLM_BASE_URL": "http://[::1"}, None, ["llm_base_url", "not a valid"]),
    ({"RAG_CONFIG": "/nonexistent/rag.toml"}, None, ["RAG_CONFIG", "not found"]),
    ({}, "folder", ["rag.toml", "folder"]),
])
def test_bad_settings_are_one_line_naming_the_setting_and_the_allowed_values(work, env, toml, needles):
    if toml == "folder":
        (work / "rag.toml").mkdir()
    elif toml:
        (work / "rag.toml").write_text(toml, encoding="utf-8")
    before = tree(work / "index")
    for command in (["ask", QUESTION], ["index"]):
        one_line_failure(rag(*command, cwd=work, env=env), *needles)
    assert tree(work / "index") == before  # nothing on disk changed


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_a_question_that_is_not_utf8_is_one_line_in_ask_and_does_not_end_a_chat(work):
    one_line_failure(rag("ask", b"\xff\xfe" + QUESTION.encode("utf-8"), cwd=work), "not UTF-8")
    chat = rag("chat", cwd=work, stdin=b"\xff\xfe\n" + QUESTION.encode("utf-8") + b"\n/exit\n")
    assert chat.returncode == 0 and "Traceback" not in chat.stderr, chat.stderr
    assert "not UTF-8" in chat.stderr and "Sources:" in chat.stdout  # the next question was answered


def test_the_browser_chat_answers_a_non_utf8_question_with_a_one_line_error(seeds_settings):
    from rag.app.chat import ChatEngine, Conversation

    *_, last = ChatEngine(seeds_settings).respond("\udcff问题", Conversation())
    shown = last.messages[-1]["content"]
    assert "not UTF-8" in shown and "internal error" not in shown


def test_serve_refuses_a_port_out_of_range_or_in_use_before_saying_serving(work):
    one_line_failure(rag("serve", "--port", "70000", cwd=work), "--port", "between 1 and 65535")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = rag("serve", "--port", str(busy.getsockname()[1]), cwd=work)
    one_line_failure(result, "in use")
    assert "serving" not in result.stderr


def test_a_key_inside_the_llm_url_is_never_printed_or_logged(work):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens once it is closed
    url = f"http://user:SECRET-KEY@127.0.0.1:{port}/v1?api_key=SECRET-KEY"
    result = rag("ask", QUESTION, "-v", "--llm", "openai:m", cwd=work,
                 env={"RAG_LLM_BASE_URL": url, "RAG_LLM_MAX_RETRIES": "0"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "SECRET-KEY" not in result.stdout + result.stderr
    assert "127.0.0.1" in result.stderr


def test_a_full_disk_during_a_rebuild_is_one_line_and_the_old_index_answers(work):
    (work / "seeds" / "new.txt").write_text("新加的文件。" * 2000, encoding="utf-8")
    before = live_version(work / "index")
    result = rag("index", cwd=work, limit_file_bytes=300_000)  # the OS refuses writes past 300 kB
    one_line_failure(result, "cannot write the index", "previous index is unchanged")
    assert live_version(work / "index") == before
    assert not [p for p in (work / "index").iterdir() if p.name.startswith(".building-")]
    answers(work)


# ---------------------------------------------------------------- readers and writers

def test_loads_during_repeated_rebuilds_never_see_a_version_vanish(small_corpus, tmp_path):
    s = make_settings(small_corpus, tmp_path / "index")
    embedder = embedder_for(s)
    build_index(s, embedder)
    stop = threading.Event()
    failures: list[str] = []
    loads = 0

    def rebuild_forever() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            (small_corpus / "a.txt").write_text(f"第{n}版的内容。模型训练成本很高。", encoding="utf-8")
            build_index(s, embedder)

    writer = threading.Thread(target=rebuild_forever)
    writer.start()
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            try:
                assert load_index(s, embedder).chunks
            except RagError as err:
                failures.append(str(err))
            loads += 1
    finally:
        stop.set()
        writer.join()
    versions = [p for p in s.index.iterdir() if p.name.startswith("v-")]
    assert loads > 50 and failures == []
    assert len(versions) <= 2  # the live one and the one it replaced


# ---------------------------------------------------------------- interrupted builds resume

def test_a_killed_build_resumes_without_re_embedding_and_its_leftovers_are_cleaned(tmp_path):
    from benchmarks.faults_scale import generate

    corpus = generate(tmp_path / "docs", 0.25, seed=3, file_bytes=2**17)  # 2 files of varied seed text
    (corpus / ".complete").unlink()
    index = tmp_path / "index"
    proc = subprocess.Popen([sys.executable, "-m", "rag.app.cli", "index", "--corpus", str(corpus), "--index",
                             str(index)], cwd=tmp_path, env={**ENV, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = index / CACHE
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(cache.glob("*/*.npy"))) < 2 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(list(cache.glob("*/*.npy")))
    assert finished >= 2 and live_version(index) is None
    assert [p for p in index.iterdir() if p.name.startswith(".building-")]  # what the kill left

    resumed = rag("index", "--corpus", str(corpus), "--index", str(index), "--json", cwd=tmp_path)
    report = json.loads(resumed.stdout)
    assert report["cached_sentences"] >= finished * CACHE_BLOCK - CACHE_BLOCK  # a file's last block may be short
    assert report["cached_sentences"] > 0 and report["embedded_sentences"] > 0
    assert not [p for p in index.iterdir() if p.name.startswith(".building-")]
    assert not list(cache.glob("*/*.npy"))  # a finished build leaves no cache behind

    (index / ".building-left-by-a-crash").mkdir()
    again = rag("index", "--corpus", str(corpus), "--index", str(index), "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["up_to_date"]
    assert not (index / ".building-left-by-a-crash").exists()  # cleaned at the start of every build
