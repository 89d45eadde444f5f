"""FAISS vector search over unit vectors (inner product == cosine).

The index type is a setting: ``flat`` is exact and fastest to build; ``hnsw`` and
``ivf`` trade a little recall for sub-linear search on large corpora; ``auto``
picks by corpus size using the thresholds measured in BENCHMARKS.md.
"""

from __future__ import annotations

import math

import numpy as np

# Below this many chunks exact search answers in well under a millisecond per 10k
# vectors, so approximate indexes only add build time and recall loss.
AUTO_HNSW_MIN = 200_000


def choose_type(kind: str, n: int) -> str:
    if kind != "auto":
        return kind
    return "hnsw" if n >= AUTO_HNSW_MIN else "flat"


def build_faiss(vectors: np.ndarray, kind: str):
    """Build a FAISS index of the given type over ``vectors`` (float32, normalised)."""
    import faiss

    n, dim = vectors.shape
    kind = choose_type(kind, n)
    if kind == "flat" or n == 0:
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    elif kind == "ivf":
        nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))  # faiss wants ≥39 points per list
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = max(1, nlist // 16)
    else:
        raise ValueError(f"unknown index type {kind!r}")
    if n:
        index.add(vectors)
    return index


def search(index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (ids, cosine scores) for one query vector; missing slots dropped."""
    k = min(k, index.ntotal)
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), k)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
