"""FAISS and Milvus Lite side by side: `python -m benchmarks.milvus [--sizes 100000,1000000]`.

1. The real pipeline on seeds/ with each ``vector_store``: build time, disk size, the
   dev set (hit@5, MRR@10) and warm latency p50/p95 of retrieval and of a whole answer.
2. Milvus's own BM25 function (jieba analyzer) against rag's BM25, lexical ranking only:
   why lexical search on Milvus stays rag's BM25.
3. Scale: Milvus Lite HNSW beside FAISS HNSW (same M, efConstruction and ef) on
   "realistic" synthetic vectors (benchmarks/scale.py), recall@10 against exact search.

Results accumulate in ``benchmarks/data/results/milvus_results.json`` (so the heavy 1M run can be
added later with ``--sizes 1000000 --skip-pipeline``); ``benchmarks/sections/milvus.md``
is rendered from it.  Timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings, load_settings
from rag.embeddings import embed_query
from rag.evaluate import contains_evidence, evaluate, read_questions
from rag.indexing.handle import embedder_for, forget, rebuild
from rag.pipeline import ask
from rag.retrieve.retriever import retrieve
from rag.stores.vector_index import HNSW_EF_CONSTRUCTION, HNSW_M, build_faiss, hnsw_ef_search
from rag.text.lexical import BM25

from .common import ROOT, dev_set, machine, percentile
from .scale import Vectors, _recall

RESULTS = ROOT / "benchmarks" / "data" / "results" / "milvus_results.json"
SECTION = ROOT / "benchmarks" / "sections" / "milvus.md"
N_QUERIES = 100


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _settings(base: Path, store: str) -> Settings:
    return load_settings({"corpus": ROOT / "seeds", "index": base / f"index-{store}", "vector_store": store},
                         config_file=Path("/nonexistent"), environ={})


def pipeline(base: Path) -> dict[str, Any]:
    """Build, size, quality and warm latency of the whole pipeline on each store."""
    questions = read_questions(dev_set())
    out: dict[str, Any] = {}
    for store in ("faiss", "milvus"):
        s = _settings(base, store)
        embedder_for(s).embed(["预热"])  # load the model outside the build time
        t = time.perf_counter()
        report, handle = rebuild(s)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        rebuild(s)
        noop_s = time.perf_counter() - t
        quality = evaluate(questions, lambda q, h=handle: ask(h, q))["metrics"]["overall"]
        vectors = [embed_query(handle.embedder, q.question) for q in questions]
        retrieve_ms, ask_ms = [], []
        for _ in range(2):  # the first pass warms caches; the second is measured
            retrieve_ms, ask_ms = [], []
            for q, v in zip(questions, vectors):
                t = time.perf_counter()
                retrieve(handle.index, handle.embedder, q.question, s, query_vector=v)
                retrieve_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                ask(handle, q.question)
                ask_ms.append((time.perf_counter() - t) * 1000)
        disk = _du(s.index)
        out[store] = {"chunks": report.chunks, "build_s": build_s, "noop_rebuild_s": noop_s, "disk_bytes": disk,
                      "hit@5": quality["hit@5"], "mrr@10": quality["mrr@10"], "hit@1": quality["hit@1"],
                      "cited_evidence": quality["cited_evidence"],
                      "abstained_unanswerable": quality.get("abstained_unanswerable"),
                      "retrieve_p50_ms": percentile(retrieve_ms, 50), "retrieve_p95_ms": percentile(retrieve_ms, 95),
                      "ask_p50_ms": percentile(ask_ms, 50), "ask_p95_ms": percentile(ask_ms, 95)}
        print(f"{store}: {out[store]}", flush=True)
    forget()
    return out


def milvus_bm25(base: Path) -> dict[str, Any]:
    """Lexical ranking only: rag's BM25 vs Milvus's BM25 function with the jieba analyzer."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    from rag.ingest.chunker import chunk_units
    from rag.ingest.loader import load_corpus

    docs, _ = load_corpus(ROOT / "seeds")
    chunks = [c for d in docs for c in chunk_units(d, 500, 150)[1]]
    questions = [q for q in read_questions(dev_set()) if q.answerable]
    client = MilvusClient(str(base / "bm25.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                     analyzer_params={"tokenizer": "jieba"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("bm25", schema=schema, index_params=params)
    client.insert("bm25", [{"id": i, "text": c.text} for i, c in enumerate(chunks)])
    ours = BM25.build([c.text for c in chunks])

    def milvus_top(q: str) -> list[int]:
        return [int(h["id"]) for h in client.search("bm25", data=[q], anns_field="sparse", limit=10)[0]]

    out = {}
    for name, top in (("rag BM25 (CJK unigrams + bigrams)", lambda q: ours.top(q, 10)[0].tolist()),
                      ("Milvus BM25 function, jieba analyzer", milvus_top)):
        top(questions[0].question)
        hits = mrr = 0.0
        ms = []
        for q in questions:
            t = time.perf_counter()
            ids = top(q.question)
            ms.append((time.perf_counter() - t) * 1000)
            rank = next((r for r, i in enumerate(ids, 1)
                         if contains_evidence(q, chunks[i].source, chunks[i].text)), None)
            hits += bool(rank and rank <= 5)
            mrr += 1 / rank if rank else 0.0
        out[name] = {"hit@5": hits / len(questions), "mrr@10": mrr / len(questions), "p50_ms": percentile(ms, 50)}
        print(f"{name}: {out[name]}", flush=True)
    _close(client, base / "bm25.db")
    return out


def _real_vectors(base: Path) -> np.ndarray:
    s = _settings(base, "faiss")
    _, handle = rebuild(s)
    return np.asarray(handle.index.sentence_vectors, dtype=np.float32)


def scale(base: Path, n: int, skip_faiss: bool, n_queries: int = N_QUERIES) -> dict[str, Any]:
    """Milvus Lite and FAISS HNSW over the same ``n`` vectors and queries."""
    from pymilvus import DataType, MilvusClient

    from rag.stores.milvus import search_params

    gen = Vectors("realistic", _real_vectors(base))
    data = gen.sample(n)
    queries = gen.sample(n_queries)
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :10]  # exact search
    ef = hnsw_ef_search(n)
    row: dict[str, Any] = {"n": n, "queries": n_queries,
                           "params": f"M={HNSW_M}, efConstruction={HNSW_EF_CONSTRUCTION}, ef={ef}"}
    if not skip_faiss:
        t = time.perf_counter()
        index = build_faiss(data, "hnsw")
        row["faiss_build_s"] = time.perf_counter() - t
        from rag.stores.vector_index import search

        ms, found = [], []
        for q in queries:
            t = time.perf_counter()
            ids, _ = search(index, q, 10)
            ms.append((time.perf_counter() - t) * 1000)
            found.append(ids)
        row.update(faiss_p50_ms=percentile(ms, 50), faiss_p95_ms=percentile(ms, 95),
                   faiss_recall=_recall(np.asarray(found), truth))
        del index
        print(f"  faiss n={n}: {row}", flush=True)
    path = base / f"scale-{n}.db"
    client = MilvusClient(str(path))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=data.shape[1])
    params = client.prepare_index_params()
    params.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                     params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
    client.create_collection("scale", schema=schema, index_params=params)
    t = time.perf_counter()
    for a in range(0, n, 5000):
        client.insert("scale", [{"id": a + i, "vector": v} for i, v in enumerate(data[a : a + 5000])])
        if (a + 5000) % 100_000 == 0:
            print(f"  milvus n={n}: inserted {a + 5000:,} in {time.perf_counter() - t:.0f} s", flush=True)
    row["milvus_insert_s"] = time.perf_counter() - t
    client.flush("scale")
    print(f"  milvus n={n}: flushed (segment indexes built) at {time.perf_counter() - t:.0f} s", flush=True)
    client.load_collection("scale")
    client.search("scale", data=[queries[0].tolist()], anns_field="vector", limit=10,
                  search_params=search_params("hnsw", n, 10))  # first search loads the segment indexes
    row["milvus_build_s"] = time.perf_counter() - t
    ms, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = client.search("scale", data=[q.tolist()], anns_field="vector", limit=10,
                             search_params=search_params("hnsw", n, 10))[0]
        ms.append((time.perf_counter() - t) * 1000)
        found.append([int(h["id"]) for h in hits])
    _close(client, path)
    row.update(milvus_p50_ms=percentile(ms, 50), milvus_p95_ms=percentile(ms, 95),
               milvus_recall=_recall(np.asarray(found), truth), milvus_disk_bytes=_du(path))
    print(f"  milvus n={n}: {row}", flush=True)
    shutil.rmtree(path, ignore_errors=True)
    return row


def _close(client: Any, path: Path) -> None:
    """Close the client and stop its in-process Milvus Lite server (else exit waits on it)."""
    from milvus_lite.server_manager import server_manager_instance

    client.close()
    server_manager_instance.release_server(str(path))


def _mb(b: float) -> str:
    return f"{b / 2**20:.1f} MB"


def render(results: dict[str, Any]) -> str:
    lines = ["## Milvus vector store (`vector_store = \"milvus\"`)", "",
             "`python -m benchmarks.milvus` (results in `benchmarks/data/results/milvus_results.json`). Milvus Lite "
             f"{results.get('milvus_lite', '?')} with pymilvus {results.get('pymilvus', '?')}, "
             f"{results.get('machine', {}).get('cores', '?')} cores shared with other jobs: timings are noisy.", ""]
    p = results.get("pipeline")
    if p:
        lines += ["### seeds/ and the dev set, whole pipeline", "",
                  "| store | chunks | build (s) | no-op rebuild (s) | on disk | hit@1 | hit@5 | MRR@10 | cited | "
                  "abstained (unanswerable) | retrieve p50 / p95 (ms) | answer p50 / p95 (ms) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for store, r in p.items():
            lines.append(f"| {store} | {r['chunks']} | {r['build_s']:.1f} | {r['noop_rebuild_s']:.2f} | "
                         f"{_mb(r['disk_bytes'])} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} | "
                         f"{r['cited_evidence']:.3f} | {r['abstained_unanswerable']:.3f} | "
                         f"{r['retrieve_p50_ms']:.1f} / {r['retrieve_p95_ms']:.1f} | "
                         f"{r['ask_p50_ms']:.1f} / {r['ask_p95_ms']:.1f} |")
        lines += ["", "Build time is dominated by embedding (the same on both); Milvus adds its inserts and "
                  "its own segment files. The same passages, scores and answers come from both stores "
                  "(tests/test_milvus.py checks passages, offsets and scores). Retrieval on Milvus makes "
                  "four round trips on seeds/ (the candidates' chunk cosines, their best sentences by a "
                  "search grouped by chunk, the passages, the hits' sentence vectors; a candidate search "
                  "too above 200 chunks); Milvus Lite is pure Python behind a local gRPC server, so each "
                  "costs tens to hundreds of milliseconds where FAISS in-process costs microseconds.", ""]
    b = results.get("bm25")
    if b:
        lines += ["### Lexical search on Milvus: Milvus's BM25 function or rag's", "",
                  "Lexical ranking alone on the dev set's answerable questions (seeds/, 500/150 chunks):", "",
                  "| lexical ranking | hit@5 | MRR@10 | p50 (ms) |", "|---|---|---|---|"]
        for name, r in b.items():
            lines.append(f"| {name} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} | {r['p50_ms']:.1f} |")
        lines += ["", "Milvus Lite here supports the BM25 function with a jieba analyzer (`jieba` installed), "
                  "but it ranks worse on our Chinese questions and is slower, so the Milvus store keeps rag's "
                  "BM25 arrays in the index folder (beside the manifest) and says so when it builds.", ""]
    rows = results.get("scale", {})
    if rows:
        lines += ["### Scale: Milvus Lite HNSW beside FAISS HNSW", "",
                  "Realistic synthetic vectors (512-d, see the scale path), 100 queries (unless noted), top 10, "
                  "recall@10 against exact search; the same HNSW parameters on both.", "",
                  "| n | params | FAISS build (s) | FAISS p50 / p95 (ms) | FAISS recall@10 | Milvus insert + index (s) "
                  "| Milvus p50 / p95 (ms) | Milvus recall@10 | Milvus on disk |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for key in sorted(rows, key=int):
            r = rows[key]
            faiss = (f"{r['faiss_build_s']:.0f} | {r['faiss_p50_ms']:.2f} / {r['faiss_p95_ms']:.2f} | "
                     f"{r['faiss_recall']:.3f}") if "faiss_build_s" in r else "not run | | "
            lines.append(f"| {int(key):,} | {r['params']} | {faiss} | {r['milvus_build_s']:.0f} | "
                         f"{r['milvus_p50_ms']:.1f} / {r['milvus_p95_ms']:.1f} | {r['milvus_recall']:.3f} | "
                         f"{_mb(r['milvus_disk_bytes'])} |")
        lines += ["", "Milvus Lite finds the exact neighbours here but slowly: it searches its segments and "
                  "its in-memory table one by one in Python. It is a development engine; the figures for "
                  "a Milvus server are not measured here (none was available).", ""]
    for note in results.get("notes", []):
        lines += [note, ""]
    return "\n".join(lines).rstrip() + "\n"


def _save(update: dict[str, Any]) -> dict[str, Any]:
    """Merge this run's results into the file (a 1M run may go alongside a smaller one)."""
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    scale_rows = {**results.get("scale", {}), **update.pop("scale", {})}
    results.update(update)
    if scale_rows:
        results["scale"] = scale_rows
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated collection sizes for the scale part")
    parser.add_argument("--skip-pipeline", action="store_true", help="only the scale part")
    parser.add_argument("--queries", type=int, default=N_QUERIES, help="queries per size in the scale part")
    parser.add_argument("--skip-faiss-above", type=int, default=10**9, help="no FAISS HNSW build above this size")
    args = parser.parse_args()
    import milvus_lite
    import pymilvus

    results = _save({"machine": machine(), "milvus_lite": getattr(milvus_lite, "__version__", "?"),
                     "pymilvus": pymilvus.__version__})
    with tempfile.TemporaryDirectory(prefix="bench-milvus-") as tmp:
        base = Path(tmp)
        if not args.skip_pipeline:
            results = _save({"pipeline": pipeline(base)})
            results = _save({"bm25": milvus_bm25(base)})
        for n in (int(x) for x in args.sizes.split(",") if x):
            results = _save({"scale": {str(n): scale(base, n, n > args.skip_faiss_above, args.queries)}})
        forget()
    SECTION.parent.mkdir(parents=True, exist_ok=True)
    SECTION.write_text(render(results), encoding="utf-8")
    print(f"wrote {SECTION}")


if __name__ == "__main__":
    main()
