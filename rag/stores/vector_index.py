"""The vector index types (flat, HNSW, IVF): which one by corpus size, their parameters
(Milvus uses them too), and FAISS's build and search over unit vectors (inner product == cosine).

The index type is a setting: ``flat`` is exact and fastest to build; ``hnsw`` and
``ivf`` trade a little recall for sub-linear search on large corpora; ``auto``
picks by corpus size using the thresholds measured in BENCHMARKS.md (scale path):

* flat search costs about 0.2 ms per 1,000 vectors and query on 2 cores: under 5 ms
  up to ~22k chunks, about 10 ms at 50k, where HNSW starts to pay for its build;
* above that HNSW (M=32) answers in milliseconds; its search breadth (efSearch)
  grows with the index, because a fixed breadth loses recall as n grows (realistic
  synthetic vectors, recall@10 at efSearch 128: 0.88 at 100k, 0.63 at 1M).  With the
  breadth of ``hnsw_ef_search`` recall@10 is 0.95 at 100k (2.3 ms) and 0.92 at 1M
  (11 ms, against 190 ms for flat search).  Its build is slow (46 s at 100k, 11 min at
  1M on 2 cores) but still far below embedding those chunks;
* IVF builds faster but needs a higher share of lists probed for the same recall, so
  it is offered, not chosen automatically.

Retrieval asks FAISS for four times the passages it needs and rescores them with
their sentence vectors, so approximate search only has to get the right passage into
the candidates, not to rank it.
"""

from __future__ import annotations

import math

import numpy as np

# Below this many chunks exact search answers in a few milliseconds, so approximate
# indexes only add build time and recall loss.
AUTO_HNSW_MIN = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# efSearch by index size, from the sweep in BENCHMARKS.md (scale path): the smallest
# breadth reaching recall@10 >= ~0.92 on realistic synthetic vectors.
HNSW_EF_SEARCH = ((200_000, 256), (500_000, 512))
HNSW_EF_SEARCH_MAX = 1024
IVF_TRAIN_PER_LIST = 64  # training points per inverted list (faiss needs ≥ 39)


def choose_type(kind: str, n: int) -> str:
    if kind != "auto":
        return kind
    return "hnsw" if n >= AUTO_HNSW_MIN else "flat"


def hnsw_ef_search(n: int) -> int:
    """HNSW search breadth for an index of ``n`` vectors."""
    return next((ef for limit, ef in HNSW_EF_SEARCH if n < limit), HNSW_EF_SEARCH_MAX)


def build_faiss(vectors: np.ndarray, kind: str):
    """Build a FAISS index of the given type over ``vectors`` (float32, normalised)."""
    import faiss

    n, dim = vectors.shape
    kind = choose_type(kind, n)
    if kind == "flat" or n == 0:
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = hnsw_ef_search(n)
    elif kind == "ivf":
        # sqrt(n) lists keep training (k-means on a sample) to seconds even at 1M vectors.
        nlist = max(1, min(int(math.sqrt(n)), n // 39))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        if n > IVF_TRAIN_PER_LIST * nlist:
            rows = np.random.default_rng(0).choice(n, IVF_TRAIN_PER_LIST * nlist, replace=False)
            sample = vectors[np.sort(rows)]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = max(1, nlist // 8)
    else:
        raise ValueError(f"unknown index type {kind!r}")
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def search(index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (ids, cosine scores) for one query vector; missing slots dropped."""
    k = min(k, index.ntotal)
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    params = None
    if hasattr(index, "hnsw"):  # per call, so indexes built with another breadth get this one too
        import faiss

        params = faiss.SearchParametersHNSW(efSearch=max(hnsw_ef_search(index.ntotal), k))
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
