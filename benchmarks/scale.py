"""Scale path: FAISS index types and BM25 on synthetic data of our dimension.

Vectors come in two kinds.  *Uniform* random unit vectors (what the issue asks for)
are the worst case for approximate search: in 512 dimensions every point is nearly
equidistant from every other, so "the ten nearest" barely differ from ten random
points.  *Realistic* vectors are drawn from a Gaussian with the mean and covariance
of our real sentence vectors (USE on seeds/), then normalised: the anisotropy of
real embeddings, without their cluster structure (which would only help recall).

BM25 gets a million synthetic chunks whose tokens follow a Zipf law (exponent 1.1,
a 500k-term vocabulary: the mix of frequent characters and rare bigrams that our
tokenizer produces), built with the vectorised ``BM25.from_token_ids``, and queries
mixing frequent and mid-frequency terms.  Exhaustive scoring is compared with the
exact pruned top-k that retrieval uses.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from rag.stores.vector_index import AUTO_HNSW_MIN, build_faiss
from rag.text.lexical import BM25, top_k

from .common import percentile, rss_mib

DIM = 512  # uniform vectors; realistic ones take the dimension of the real sentence vectors


class Vectors:
    """Synthetic unit vectors of one kind, reproducible by seed."""

    def __init__(self, kind: str, real: np.ndarray | None, seed: int = 0) -> None:
        self.kind = kind
        self.rng = np.random.default_rng(seed)
        self.mean = self.factor = None
        self.dim = DIM
        if kind == "realistic":
            assert real is not None and len(real) > 1
            mean = real.mean(axis=0)
            cov = np.cov((real - mean).T) + 1e-6 * np.eye(real.shape[1])
            self.mean = mean.astype(np.float32)
            self.factor = np.linalg.cholesky(cov).T.astype(np.float32)
            self.dim = real.shape[1]

    def sample(self, n: int) -> np.ndarray:
        out = np.empty((n, self.dim), dtype=np.float32)
        step = 100_000
        for a in range(0, n, step):
            z = self.rng.standard_normal((min(step, n - a), self.dim), dtype=np.float32)
            if self.factor is not None:
                z = z @ self.factor + self.mean
            z /= np.linalg.norm(z, axis=1, keepdims=True)
            out[a : a + len(z)] = z
        return out


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth)]))


def _latencies(index: Any, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    return times, np.asarray(found)


def faiss_scale(sizes: list[int], kinds: dict[str, Vectors], n_queries: int, hnsw_max: int,
                log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Build time, memory, query p50/p95 and recall@10 against flat, per size/type/kind."""
    rows: list[dict[str, Any]] = []
    for kind, gen in kinds.items():
        for n in sizes:
            data = gen.sample(n)
            queries = gen.sample(n_queries)
            truth = None
            for index_type in ("flat", "hnsw", "ivf"):
                if index_type == "hnsw" and n > hnsw_max:
                    rows.append({"kind": kind, "n": n, "type": index_type, "measured": False})
                    continue
                before = rss_mib()
                t = time.perf_counter()
                index = build_faiss(data, index_type)
                build_s = time.perf_counter() - t
                mem = rss_mib() - before
                if index_type == "flat":
                    mem = max(mem, data.nbytes / 2**20)  # flat copies the vectors; RSS may lag
                lat, found = _latencies(index, queries, 10)
                if index_type == "flat":
                    truth = found
                row = {"kind": kind, "n": n, "type": index_type, "measured": True, "build_s": build_s,
                       "memory_mib": mem, "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
                       "recall@10": 1.0 if index_type == "flat" else _recall(found, truth)}
                if index_type == "hnsw":
                    row["params"] = f"M={index.hnsw.nb_neighbors(0) // 2}, efConstruction={index.hnsw.efConstruction}, efSearch={index.hnsw.efSearch}"
                if index_type == "ivf":
                    row["params"] = f"nlist={index.nlist}, nprobe={index.nprobe}"
                rows.append(row)
                log(f"  {kind:9} n={n:>9,} {index_type:5} build {build_s:7.2f} s  p50 {row['p50_ms']:7.2f} ms  "
                    f"recall@10 {row['recall@10']:.3f}")
                del index
            del data
    _extrapolate_hnsw(rows)
    return rows


def _extrapolate_hnsw(rows: list[dict[str, Any]]) -> None:
    """HNSW at sizes too slow to build in this run: build time ~ n log n and memory ~ n
    from the largest measured size of the same kind (marked as extrapolated).  Latency and
    recall are not extrapolated: the search breadth grows with n (rag/stores/vector_index.py); the
    sweep measured by hand at 1M is in the development notes."""
    for row in rows:
        if row["type"] != "hnsw" or row["measured"]:
            continue
        known = [r for r in rows if r["type"] == "hnsw" and r["measured"] and r["kind"] == row["kind"]]
        if not known:
            continue
        ref = max(known, key=lambda r: r["n"])
        n, m = row["n"], ref["n"]
        growth = (n * math.log(n)) / (m * math.log(m))
        row.update({"extrapolated_from": m, "build_s": ref["build_s"] * growth,
                    "memory_mib": ref["memory_mib"] * n / m, "p50_ms": None, "p95_ms": None, "recall@10": None})


def auto_thresholds(rows: list[dict[str, Any]], budget_ms: float = 5.0) -> dict[str, Any]:
    """Where flat search stops fitting a per-query budget (linear in n), on realistic vectors."""
    flat = sorted((r for r in rows if r["type"] == "flat" and r.get("measured") and r["kind"] == "realistic"),
                  key=lambda r: r["n"])
    if not flat:
        return {}
    per_vector_ms = float(np.median([r["p50_ms"] / r["n"] for r in flat if r["n"] >= 10_000] or
                                    [flat[-1]["p50_ms"] / flat[-1]["n"]]))
    return {"budget_ms": budget_ms, "flat_ms_per_100k": per_vector_ms * 100_000,
            "flat_fits_budget_up_to": int(budget_ms / per_vector_ms),
            "auto_uses_hnsw_from": AUTO_HNSW_MIN}


# ----------------------------------------------------------------- BM25

def zipf_sampler(vocab: int, exponent: float, rng: np.random.Generator, resolution: int = 1 << 25):
    """A fast sampler of term ids (0 = most frequent) following a truncated Zipf law."""
    ranks = np.arange(1, vocab + 1, dtype=np.float64)
    p = ranks ** -exponent
    p /= p.sum()
    counts = np.maximum(1, np.round(p * resolution)).astype(np.int64)
    table = np.repeat(np.arange(vocab, dtype=np.int32), counts)
    return lambda n: table[rng.integers(0, len(table), size=n)]


def bm25_scale(n_docs: int, doc_len: int, vocab: int, n_queries: int, seed: int = 0,
               log: Callable[[str], None] = print) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    sample = zipf_sampler(vocab, 1.1, rng)
    lengths = np.clip(rng.normal(doc_len, doc_len / 4, n_docs).round(), 8, None).astype(np.int64)
    t = time.perf_counter()
    tokens = sample(int(lengths.sum()))
    gen_s = time.perf_counter() - t
    terms = {f"t{i}": i for i in range(vocab)}
    before = rss_mib()
    t = time.perf_counter()
    bm25 = BM25.from_token_ids(terms, lengths, tokens)
    build_s = time.perf_counter() - t
    del tokens
    index_mib = sum(a.nbytes for a in bm25.arrays().values()) / 2**20
    # Queries: ten frequent-ish terms drawn by the Zipf law (的, 是, 模型 …) and ten
    # mid-frequency content terms (ranks 1k–100k).
    queries = [[f"t{i}" for i in sample(10)] + [f"t{i}" for i in rng.integers(1_000, 100_000, 10)]
               for _ in range(n_queries)]
    exhaustive, pruned, agree = [], [], 0
    for q in queries:
        t = time.perf_counter()
        ids_a, sc_a = top_k(bm25.scores(q), 50)
        exhaustive.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        ids_b, sc_b = bm25.top(q, 50)
        pruned.append((time.perf_counter() - t) * 1000)
        agree += bool(np.allclose(sc_a, sc_b, rtol=1e-4, atol=1e-4))
    postings = len(bm25.doc_ids)
    out = {"n_docs": n_docs, "mean_doc_tokens": float(lengths.mean()), "vocab": vocab, "postings": postings,
           "generate_s": gen_s, "build_s": build_s, "build_rss_mib": rss_mib() - before, "index_mib": index_mib,
           "exhaustive_p50_ms": percentile(exhaustive, 50), "exhaustive_p95_ms": percentile(exhaustive, 95),
           "pruned_p50_ms": percentile(pruned, 50), "pruned_p95_ms": percentile(pruned, 95),
           "pruned_matches_exhaustive": f"{agree}/{len(queries)}"}
    log(f"  BM25 n={n_docs:,}: build {build_s:.1f} s, exhaustive p50 {out['exhaustive_p50_ms']:.1f} ms, "
        f"pruned p50 {out['pruned_p50_ms']:.1f} ms ({out['pruned_matches_exhaustive']} identical top-50)")
    return out
