"""The benchmark runs end to end on a tiny input (no timing is asserted), and the scale
path's shortcuts give the same answers as the plain computations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.scale import zipf_sampler
from rag.stores.vector_index import AUTO_HNSW_MIN, build_faiss, choose_type, search
from rag.text.lexical import BM25, top_k

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_and_writes_results_and_report(tmp_path: Path) -> None:
    before = (ROOT / "BENCHMARKS.md").read_bytes() if (ROOT / "BENCHMARKS.md").exists() else None
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path),
                          "--markdown", str(tmp_path / "BENCHMARKS.md")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["quick"] is True and {"machine", "quality", "speed", "scale"} <= set(results)
    q = results["quality"]
    assert {"hybrid", "dense", "lexical"} <= set(q["ours"]) and "hit@5" in q["langchain"]["overall"]
    assert q["cv"]["all"]["loo"]["hit@5"] is not None and q["ideas"][0]["idea"] == "default pipeline"
    s = results["speed"]
    assert s["build"]["unchanged"]["build_s"] is not None and s["cold_ask"]["ok"]
    assert "torch" not in s["cold_ask"]["heavy_modules_imported"]
    assert "langchain_core" not in s["cold_ask"]["heavy_modules_imported"]
    kinds = {(r["kind"], r["type"]) for r in results["scale"]["faiss"] if r["measured"]}
    assert {("uniform", "flat"), ("realistic", "hnsw"), ("realistic", "ivf")} <= kinds
    assert results["scale"]["bm25"]["pruned_matches_exhaustive"].split("/")[0] == \
        results["scale"]["bm25"]["pruned_matches_exhaustive"].split("/")[1]
    rows = results["embedding_servers"]["throughput"]  # in process and through a loopback server
    assert {r["embedder"].split(" ")[0] for r in rows} >= {"e5", "use", "openai:e5-passage"}
    assert (tmp_path / "embedding_servers.md").is_file()  # beside the results, not over the committed one
    report = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert "LangChain recipe" in report and "Scale path" in report and "python -m benchmarks" in report
    assert "hybrid" in run.stdout  # the console table
    after = (ROOT / "BENCHMARKS.md").read_bytes() if (ROOT / "BENCHMARKS.md").exists() else None
    assert before == after, "a quick run must not overwrite the committed BENCHMARKS.md"


def test_the_quote_holds_the_evidence_only_when_its_own_sentences_of_the_gold_file_do() -> None:
    from benchmarks.quote_context import measures
    from rag.evaluate import Question

    text = "甲说了一件事。他出资五千万美元。乙没有出资。"  # a passage of docs/a.txt at offset 100

    def result(quotes: list[tuple[int, int]], source: str = "docs/a.txt") -> dict:
        return {"abstained": False, "cited_evidence": True, "short_f1": 0.0,
                "citations": [{"source": source, "start": 100, "text": text, "quotes": [list(q) for q in quotes]}]}

    q = Question("q", "他出资多少?", "fact", "a.txt", "出资五千万美元", ("五千万美元",))
    split = Question("s", "甲说了什么?", "fact", "a.txt", "一件事。他出资", ("一件事。他出资",))
    gap = Question("g", "甲说了什么?", "fact", "a.txt", "一件事。乙没有", ("一件事。乙没有",))
    m = measures([q, q, q, split, gap], [result([(107, 116)]), result([(100, 107)]), result([(107, 116)], "docs/b.txt"),
                                          result([(100, 107), (107, 116)]), result([(100, 107), (116, 122)])])
    # held: the sentence itself; the sentences around it; spanning two adjacent quoted sentences.
    # Not held: another sentence; another file; two quoted sentences that are not adjacent.
    assert m["answered"] == 1.0 and m["quote_evidence"] == 2 / 5
    assert m["quote_gold"] == 3 / 5  # a gold answer counts in any file
    assert m["quote_chars"] == (9 + 7 + 9 + 16 + 13) / 5


def _synthetic_bm25(n_docs: int, seed: int = 0) -> tuple[BM25, list[list[str]]]:
    rng = np.random.default_rng(seed)
    sample = zipf_sampler(20_000, 1.1, rng, resolution=1 << 20)
    lengths = rng.integers(5, 60, n_docs)
    bm = BM25.from_token_ids({f"t{i}": i for i in range(20_000)}, lengths, sample(int(lengths.sum())))
    queries = [[f"t{i}" for i in sample(6)] + [f"t{i}" for i in rng.integers(200, 5_000, 4)] for _ in range(30)]
    return bm, queries


def test_pruned_bm25_top_k_equals_exhaustive_scoring() -> None:
    bm, queries = _synthetic_bm25(60_000)  # above the size where pruning starts
    for q in queries:
        ids_a, sc_a = top_k(bm.scores(q), 20)
        ids_b, sc_b = bm.top(q, 20)
        assert np.allclose(sc_a, sc_b, rtol=1e-5, atol=1e-5)
        assert set(ids_a[sc_a > sc_a[-1] + 1e-4].tolist()) <= set(ids_b.tolist())  # same set, ties aside
        some = np.concatenate([ids_b[:5], np.arange(3)])
        assert np.allclose(bm.score_docs(q, some), bm.scores(q)[some], rtol=1e-5, atol=1e-5)


def test_token_id_build_matches_token_list_build() -> None:
    docs = [["大", "模", "大模", "gpt"], ["模", "型", "模型"], ["大", "大", "gpt", "3.5"]]
    a = BM25.from_token_lists(docs)
    vocab = {t: i for i, t in enumerate(dict.fromkeys(t for d in docs for t in d))}
    flat = np.array([vocab[t] for d in docs for t in d])
    b = BM25.from_token_ids(vocab, np.array([len(d) for d in docs]), flat)
    for term in vocab:
        assert np.allclose(a.scores([term]), b.scores([term]))
        assert a.idf(term) == pytest.approx(b.idf(term))


def test_index_types_find_an_indexed_vector_and_auto_switches_at_the_measured_size() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for kind in ("flat", "hnsw", "ivf"):
        index = build_faiss(vectors, kind)
        ids, scores = search(index, vectors[123], 5)
        assert 123 in ids.tolist() or kind == "ivf" and len(ids) == 5
    assert choose_type("auto", AUTO_HNSW_MIN - 1) == "flat" and choose_type("auto", AUTO_HNSW_MIN) == "hnsw"
    assert choose_type("ivf", 10) == "ivf"
