"""The whole path on Milvus (``vector_store = "milvus"``): a real Milvus Lite folder that
the tests create in a temporary folder, driven through the CLI and the library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
pytest.importorskip("milvus_lite", reason="the milvus extra is not installed")

from rag.errors import RagError  # noqa: E402
from rag.indexing.build import build_index  # noqa: E402
from rag.indexing.handle import forget, open_handle, rebuild  # noqa: E402
from rag.pipeline import ask  # noqa: E402
from rag.retrieve.retriever import retrieve  # noqa: E402
from rag.stores.registry import store_manifest  # noqa: E402

from .conftest import ROOT, SEEDS, make_settings  # noqa: E402
from .test_cli import isolated_env  # noqa: E402

QUESTION = "业界认为做大模型的入场门票是多少钱?"
# The store is under test, not the embedder: the fastest one to build with.
EMBEDDING = "use"


def run_rag(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    forget()  # the test process must not hold the Milvus Lite folder the CLI opens
    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=isolated_env(RAG_VECTOR_STORE="milvus", RAG_EMBEDDING=EMBEDDING, PYTHONPATH=str(ROOT)),
                          timeout=900)


@pytest.fixture(scope="module")
def milvus_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seeds/ indexed into Milvus Lite by `rag index` (the base folder: seeds/, index/)."""
    base = tmp_path_factory.mktemp("milvus-seeds")
    shutil.copytree(SEEDS, base / "seeds")
    result = run_rag("index", "--corpus", "seeds", "--index", "index", cwd=base)
    assert result.returncode == 0, result.stderr
    assert "indexed 5 files" in result.stdout
    assert "lexical search on Milvus uses rag's own BM25" in result.stdout  # the fallback is announced
    assert (base / "index" / "milvus.db").is_dir() and (base / "index" / "MILVUS").is_file()
    assert not (base / "index" / "CURRENT").exists()  # nothing written for FAISS
    return base


def test_ask_on_milvus_answers_with_citations_that_round_trip(milvus_seeds):
    result = run_rag("ask", QUESTION, "--corpus", "seeds", "--index", "index", "--json", cwd=milvus_seeds)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["abstained"] and "10 亿元" in data["answer"] and data["citations"]
    for c in data["citations"]:
        text = (milvus_seeds / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["text"]
        for a, b in c["quotes"]:
            assert c["start"] <= a < b <= c["end"]


def test_off_topic_question_abstains_on_milvus(milvus_seeds):
    result = run_rag("ask", "红烧肉怎么做才好吃?", "--corpus", "seeds", "--index", "index", "--json", cwd=milvus_seeds)
    data = json.loads(result.stdout)
    assert data["abstained"] and data["citations"] == [] and data["passages"]


def test_milvus_retrieves_what_faiss_retrieves(milvus_seeds):
    """Same passages, offsets, scores and sentence vectors as the FAISS index of the same seeds."""
    seeds = milvus_seeds / "seeds"
    settings = make_settings(seeds, milvus_seeds / "index", vector_store="milvus", embedding=EMBEDDING)
    _, seeds_handle = rebuild(make_settings(seeds, milvus_seeds / "index-faiss", embedding=EMBEDDING))
    handle = open_handle(settings)
    try:
        for question in (QUESTION, "Hugging Face 上有多少个模型?", "红烧肉怎么做才好吃?"):
            for mode in ("hybrid", "dense", "lexical"):
                ours = retrieve(handle.index, handle.embedder, question, settings, mode=mode)
                theirs = retrieve(seeds_handle.index, seeds_handle.embedder, question, seeds_handle.settings, mode=mode)
                # A file of the seeds holds its article twice: the two copies of a passage tie
                # exactly, and either store may list either copy (same file, same text).
                assert [(h.chunk.source.split("/")[-1], h.chunk.text) for h in ours] == \
                       [(h.chunk.source.split("/")[-1], h.chunk.text) for h in theirs]
                np.testing.assert_allclose([h.dense for h in ours], [h.dense for h in theirs], atol=1e-4)
                np.testing.assert_allclose([h.lexical for h in ours], [h.lexical for h in theirs], atol=1e-4)
                for a, b in zip(ours, theirs):
                    if a.chunk.start == b.chunk.start:  # the same copy: the same sentence offsets
                        assert a.sentences == b.sentences
                    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=1e-5)
    finally:
        forget()


class _Failing:
    """The real embedder, failing when asked to embed: a build that breaks mid-way."""

    def __init__(self, embedder) -> None:
        self.inner = embedder
        self.name, self.dim = embedder.name, embedder.dim

    def embed(self, texts):
        raise RuntimeError("embedding failed")


def test_incremental_update_edit_and_delete_and_a_failed_build_changes_nothing(small_corpus, tmp_path):
    settings = make_settings(small_corpus, tmp_path / "index", vector_store="milvus", embedding=EMBEDDING)
    first, handle = rebuild(settings)
    assert first.added == ["docs/a.txt", "docs/b.md", "docs/c.txt"] and first.embedded_chunks == 3
    assert "48.9%" in ask(handle, "亚马逊占有多少市场份额?").answer

    # An edit whose build fails after the old rows were hidden: readers see the old index.
    (small_corpus / "c.txt").write_text("阿里云占有 33.1% 的市场份额。腾讯云紧随其后。", encoding="utf-8")
    with pytest.raises(RuntimeError):
        build_index(settings, _Failing(handle.embedder))
    forget()
    handle = open_handle(settings)
    assert len(handle.index) == 3 and "48.9%" in ask(handle, "亚马逊占有多少市场份额?").answer

    # The next build rolls the failed one back and applies the edit and a deletion.
    (small_corpus / "b.md").unlink()
    report, handle = rebuild(settings)
    assert report.changed == ["docs/c.txt"] and report.removed == ["docs/b.md"]
    assert report.unchanged == ["docs/a.txt"] and report.embedded_chunks == 1
    answer = ask(handle, "阿里云占有多少市场份额?")
    assert "33.1%" in answer.answer and not answer.abstained
    sources = {h.chunk.source for h in retrieve(handle.index, handle.embedder, "Hugging Face 模型", settings)}
    assert sources == {"docs/a.txt", "docs/c.txt"}
    manifest = store_manifest(settings)
    assert manifest is not None and sorted(manifest.files) == ["docs/a.txt", "docs/c.txt"]
    # The next build (here: nothing changed) deletes the rows hidden by this one, so that
    # Milvus holds exactly the live rows: the dead ones and the failed build's are gone.
    again, _ = rebuild(settings)
    assert again.up_to_date
    store = handle.index
    rows = store.client.query(store.meta.chunks, filter="id >= 0", output_fields=["source", "text"])
    assert sorted(r["source"] for r in rows) == ["docs/a.txt", "docs/c.txt"]
    assert not any("48.9%" in r["text"] for r in rows)
    sentences = store.client.query(store.meta.sentences, filter="id >= 0", output_fields=["chunk_id"])
    assert {r["chunk_id"] for r in sentences} == {int(i) for i in store.chunk_ids}
    forget()


def test_missing_milvus_file_is_one_line(small_corpus, tmp_path):
    assert run_rag("index", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path).returncode == 0
    shutil.rmtree(tmp_path / "idx" / "milvus.db")
    result = run_rag("ask", "亚马逊?", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "milvus.db" in lines[0] and "rag index" in lines[0], result.stderr
    # and `rag index` rebuilds it
    assert run_rag("index", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path).returncode == 0
    assert run_rag("ask", "亚马逊?", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path).returncode == 0


def test_corrupt_milvus_file_is_one_line(small_corpus, tmp_path):
    assert run_rag("index", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path).returncode == 0
    for path in (tmp_path / "idx" / "milvus.db").rglob("*"):
        if path.is_file() and path.name != "LOCK":
            path.write_bytes(b"\x00garbage\xff" * 7)
    result = run_rag("ask", "亚马逊?", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Milvus" in lines[0] and "rag index" in lines[0], result.stderr


def test_milvus_without_the_extra_is_one_line(small_corpus, tmp_path):
    code = ("import sys; sys.modules['pymilvus'] = None; from rag.app.cli import main; "
            f"sys.argv = ['rag', 'index', '--corpus', {str(small_corpus)!r}, '--index', 'idx']; main()")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env=isolated_env(RAG_VECTOR_STORE="milvus", RAG_EMBEDDING=EMBEDDING, PYTHONPATH=str(ROOT)),
                            timeout=300)
    assert result.returncode == 1 and result.stderr.strip() == \
        'error: vector_store = "milvus" needs pymilvus and milvus-lite: pip install "rag[milvus]"'


def test_unknown_vector_store_is_a_settings_error():
    with pytest.raises(RagError, match="vector_store must be faiss or milvus"):
        make_settings(Path("docs"), Path("idx"), vector_store="chroma")


def test_dense_search_never_returns_hidden_rows_and_matches_exact_scoring(tmp_path):
    """With more chunks than candidates, Milvus's ANN search proposes them; rows hidden by
    the last build (still in the collection) must never come back."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    topics = ["亚马逊占有 48.9% 的云市场份额。", "微软的云业务增长很快。", "谷歌发布了新的大模型。",
              "开源社区很活跃。", "大模型的训练成本很高。", "芯片短缺影响了算力供给。"]
    for n, text in enumerate(topics):
        (corpus / f"{n}.txt").write_text(text, encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index", vector_store="milvus", embedding=EMBEDDING)
    rebuild(settings)
    (corpus / "0.txt").write_text("阿里云占有 33.1% 的云市场份额。", encoding="utf-8")
    (corpus / "1.txt").write_text("腾讯云的业务增长很快。", encoding="utf-8")
    _, handle = rebuild(settings)
    store = handle.index
    assert len(store) == 6 and store._invisible == 2  # the two old chunks await the next build
    qv = handle.embedder.embed(["谁占有云市场的份额?"])[0]
    live = {int(i) for i in store.chunk_ids}
    exact = store.dense_scores(store.chunk_ids, qv)
    expected = [int(store.chunk_ids[i]) for i in np.argsort(-exact)[:1]]
    for local in (True, False):  # drop hidden rows ourselves, or let Milvus filter them
        store.FILTER_LOCALLY_MAX = 1000 if local else 0
        ids, scores = store.dense_top(qv, 1)  # 4 candidates of 6 chunks: the ANN path
        assert set(ids.tolist()) <= live and ids.tolist() == expected
        assert "33.1%" in store.fetch(ids.tolist())[int(ids[0])].text
    forget()


def test_passages_keep_page_and_heading_as_on_faiss(small_corpus, tmp_path):
    """Every field of a passage (offsets, text, PDF page, Markdown heading) survives Milvus."""
    on_milvus = make_settings(small_corpus, tmp_path / "m", vector_store="milvus", embedding=EMBEDDING)
    on_faiss = make_settings(small_corpus, tmp_path / "f", embedding=EMBEDDING)
    _, milvus_handle = rebuild(on_milvus)
    _, faiss_handle = rebuild(on_faiss)
    question = "Hugging Face 上有多少模型?"
    ours = retrieve(milvus_handle.index, milvus_handle.embedder, question, on_milvus)
    theirs = retrieve(faiss_handle.index, faiss_handle.embedder, question, on_faiss)
    assert [h.chunk for h in ours] == [h.chunk for h in theirs]
    forget()


# ---------------------------------------------------------------- repeated builds, each its own process

def _index(corpus: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    result = run_rag("index", "--corpus", str(corpus), "--index", "idx", "--json", *extra, cwd=cwd)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result


def _answer(corpus: Path, cwd: Path, question: str) -> dict:
    result = run_rag("ask", question, "--corpus", str(corpus), "--index", "idx", "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_three_builds_of_a_changing_corpus_each_in_a_new_process(small_corpus, tmp_path):
    """Every `rag index` after the first used to fail ("collection … is in state 'released'"):
    a new process finds the collections released, and the build queried them unloaded."""
    first = json.loads(_index(small_corpus, tmp_path).stdout)
    assert first["added"] == ["docs/a.txt", "docs/b.md", "docs/c.txt"]

    (small_corpus / "c.txt").write_text("阿里云占有 33.1% 的市场份额。腾讯云紧随其后。", encoding="utf-8")
    (small_corpus / "d.txt").write_text("百度的文心一言在2023年3月16日发布。", encoding="utf-8")
    second = json.loads(_index(small_corpus, tmp_path).stdout)
    assert (second["changed"], second["added"], second["unchanged"]) == (
        ["docs/c.txt"], ["docs/d.txt"], ["docs/a.txt", "docs/b.md"])
    assert "33.1%" in _answer(small_corpus, tmp_path, "阿里云占有多少市场份额?")["answer"]

    (small_corpus / "b.md").unlink()
    (small_corpus / "a.txt").write_text("大模型的训练成本很高。业界普遍认为入场门票是50亿元人民币。", encoding="utf-8")
    third = json.loads(_index(small_corpus, tmp_path).stdout)
    assert (third["changed"], third["removed"], third["unchanged"]) == (
        ["docs/a.txt"], ["docs/b.md"], ["docs/c.txt", "docs/d.txt"])
    fee = _answer(small_corpus, tmp_path, "业界认为入场门票是多少钱?")
    assert "50亿元" in fee["answer"] and "10亿元" not in json.dumps(fee, ensure_ascii=False)
    hugging = _answer(small_corpus, tmp_path, "Hugging Face 上有多少模型?")
    assert all(p["source"] != "docs/b.md" for p in hugging["passages"])

    assert json.loads(_index(small_corpus, tmp_path).stdout)["up_to_date"]
    forget()
    handle = open_handle(make_settings(small_corpus, tmp_path / "idx", vector_store="milvus", embedding=EMBEDDING))
    store = handle.index
    rows = store.client.query(store.meta.chunks, filter="id >= 0", output_fields=["source"])
    assert sorted({r["source"] for r in rows}) == ["docs/a.txt", "docs/c.txt", "docs/d.txt"]  # no dead rows left
    forget()


def test_a_build_killed_mid_way_is_rolled_back_by_the_next_process(small_corpus, tmp_path):
    import os
    import signal
    import time

    _index(small_corpus, tmp_path)
    (small_corpus / "c.txt").write_text("\n".join(f"第{i}号仓库存放了{i * 7 + 3}箱零件。" for i in range(6000)),
                                        encoding="utf-8")
    forget()
    proc = subprocess.Popen([sys.executable, "-m", "rag.app.cli", "index", "-v", "--corpus", str(small_corpus),
                             "--index", "idx"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=isolated_env(RAG_VECTOR_STORE="milvus", RAG_EMBEDDING=EMBEDDING,
                                                        PYTHONPATH=str(ROOT)))
    assert proc.stderr is not None
    for line in proc.stderr:  # the build announces its lexical search just before it hides and embeds
        if "lexical search on Milvus" in line:
            break
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert "48.9%" in _answer(small_corpus, tmp_path, "亚马逊占有多少市场份额?")["answer"]  # the old index

    report = json.loads(_index(small_corpus, tmp_path).stdout)
    assert report["changed"] == ["docs/c.txt"] and report["unchanged"] == ["docs/a.txt", "docs/b.md"]
    answer = _answer(small_corpus, tmp_path, "第4321号仓库存放了多少箱零件?")
    assert "30250" in answer["answer"], answer["answer"]
