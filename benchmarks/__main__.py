"""`python -m benchmarks`: quality, speed and scale in one run; writes benchmarks/data/results/results.json and
BENCHMARKS.md.  `--quick` (or BENCHMARKS_QUICK=1) runs a tiny version in about a minute."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .common import ROOT, CachingEmbedder, dev_set, machine


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", default=os.environ.get("BENCHMARKS_QUICK") == "1",
                   help="tiny corpus, tiny grids, small synthetic sizes (for tests)")
    p.add_argument("--only", choices=["quality", "speed", "scale", "servers"], action="append",
                   help="run only these parts (repeatable)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for results.json (default benchmarks/data/results/, or a temp folder with --quick)")
    p.add_argument("--markdown", type=Path, default=None,
                   help="where to write the report (default BENCHMARKS.md, or <out>/BENCHMARKS.md with --quick)")
    p.add_argument("--keep", action="store_true",
                   help="keep the last results of what this run skips: parts left out by --only, and the trained "
                        "parts that have scripts of their own (answer layer, embedders, short answers)")
    p.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    p.add_argument("--questions", type=Path, default=None, help="dev questions (default: ../shared/eval/dev.jsonl)")
    return p.parse_args(argv)


def quick_inputs(work: Path, corpus: Path, questions: list[Any]) -> tuple[Path, list[Any]]:
    """The smallest seed file and the dev questions about it (plus the unanswerable ones)."""
    smallest = min((p for p in corpus.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)
    tiny = work / "tiny" / corpus.name
    tiny.mkdir(parents=True)
    shutil.copy(smallest, tiny / smallest.name)
    keep = [q for q in questions if not q.answerable or (q.doc and q.doc.endswith(smallest.name))]
    return tiny, keep


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    parts = set(args.only or ["quality", "speed", "scale", "servers"])
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    out_dir = args.out or (Path(tempfile.mkdtemp(prefix="rag-bench-out-")) if args.quick else ROOT / "benchmarks" / "data" / "results")
    markdown = args.markdown or (out_dir / "BENCHMARKS.md" if args.quick else ROOT / "BENCHMARKS.md")
    out_dir.mkdir(parents=True, exist_ok=True)
    last = out_dir / "results.json"
    args.previous = json.loads(last.read_text(encoding="utf-8")) if args.keep and last.exists() else {}

    from rag.config import load_settings
    from rag.embeddings import make_embedder
    from rag.evaluate import read_questions
    from rag.indexing.build import build_index
    from rag.indexing.handle import Handle
    from rag.stores.faiss import load_index

    questions_path = args.questions or dev_set()
    questions = read_questions(questions_path)
    corpus = args.corpus.resolve()
    if args.quick:
        corpus, questions = quick_inputs(work, corpus, questions)
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "corpus": os.path.relpath(corpus, ROOT),
                               "questions": os.path.relpath(questions_path, ROOT), "n_questions": len(questions)}
    settings = load_settings({"corpus": corpus, "index": work / "index"}, config_file=Path("/nonexistent"),
                             environ={})
    raw = make_embedder(settings.embedding)
    embedder = CachingEmbedder(raw)  # shared by the index builds of the cross-validation
    results["settings"] = {k: getattr(settings, k) for k in ("chunk_size", "chunk_overlap", "rrf_k", "dense_weight",
                                                              "lexical_weight", "abstain_threshold", "top_k",
                                                              "index_type", "embedding")}
    try:
        log(f"building our index of {corpus} …")
        report = build_index(settings, embedder)
        handle = Handle(settings, embedder, load_index(settings, embedder))
        results["index"] = {"chunks": report.chunks, "sentences": report.embedded_sentences,
                            "in_process_build_s": report.seconds}
        if "quality" in parts:
            results["quality"] = run_quality(args, handle, raw, embedder, corpus, questions, work)
        if "speed" in parts:
            results["speed"] = run_speed(handle, raw, corpus, questions, work)
        if "scale" in parts:
            results["scale"] = run_scale(args, handle)
        if "servers" in parts:
            from . import embedding_servers

            log("servers: build throughput in process and through a loopback embedding server …")
            # A quick run writes its section beside its results, never over the committed one.
            results["embedding_servers"] = embedding_servers.main(["--quick"] if args.quick else [],
                                                                  out_dir=out_dir if args.quick else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for part in ("quality", "speed", "scale", "embedding_servers"):
        if part not in results and part in args.previous:
            results[part] = args.previous[part]
    results["seconds"] = time.perf_counter() - started
    (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=_jsonable),
                                          encoding="utf-8")
    from .report import render, table

    markdown.write_text(render(results), encoding="utf-8")
    print(table(results))
    log(f"wrote {out_dir / 'results.json'} and {markdown} in {results['seconds']:.0f} s")
    return results


def _jsonable(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, Path):
        return str(x)
    raise TypeError(type(x))


def run_quality(args, handle, raw, embedder, corpus, questions, work) -> dict[str, Any]:
    from rag.evaluate import read_questions

    from . import cv, quality

    out: dict[str, Any] = {}
    log("quality: our pipeline (hybrid, dense, BM25) …")
    out["ours"] = quality.evaluate_ours(handle, questions)
    if not args.quick:
        for name, path in quality.QUESTION_SETS.items():
            log(f"quality: the {name} set …")
            out[name] = quality.evaluate_set(handle, path)
    log("quality: the plain LangChain recipe …")
    recipe = quality.LangChainRecipe(raw)
    out["langchain_build"] = recipe.build(corpus)
    ranks = recipe.ranks(questions)
    out["langchain"] = {"overall": cv.metrics(ranks), "by_type": quality.by_type(ranks, questions), "ranks": ranks}
    log("quality: ideas measured against the default …")
    out["ideas"] = quality.ideas(handle, questions)
    log("quality: cross-validation sweep …")
    sw = handle.settings.tuning.sentence_weight
    if args.quick:
        grid = dict(chunkings=[(handle.settings.chunk_size, handle.settings.chunk_overlap)], sentence_weights=[sw],
                    rrf_ks=[5, 60], lexical_weights=[1.0, 2.0])
    else:
        grid = dict(chunkings=[(160, 40), (200, 60), (260, 80), (300, 90), (400, 60), (400, 120), (500, 80),
                               (500, 150), (600, 180)],
                    sentence_weights=sorted({0.0, 0.5, sw, 1.0}), rrf_ks=[5, 10, 20, 60],
                    lexical_weights=[1.0, 1.5, 2.0, 3.0])
    t = time.perf_counter()
    table = cv.sweep(handle.settings, embedder, questions, index_root=work / "cv", progress=lambda m: log(f"  {m}"),
                     **grid)
    hybrid = [k for k in table if "|rrf" in k]
    default = (f"{handle.settings.chunk_size}/{handle.settings.chunk_overlap}|sw{sw}|rrf{handle.settings.rrf_k}"
               f"|lw{handle.settings.lexical_weight}")
    summary: dict[str, Any] = {"grid": {k: [list(x) if isinstance(x, tuple) else x for x in v] for k, v in grid.items()},
                               "seconds": time.perf_counter() - t, "default": default,
                               "all": cv.cross_validate(table, hybrid)}
    fixed_chunk = [k for k in hybrid if k.startswith(default.split("|")[0] + "|")]
    summary["chunking_fixed"] = cv.cross_validate(table, fixed_chunk)
    fusion = "|".join(default.split("|")[1:])
    summary["chunkings_at_default_fusion"] = {
        k.split("|")[0]: {**cv.metrics(table[k]), "lexical": cv.metrics(table[k.split("|")[0] + "|lexical"]),
                          "dense": cv.metrics(table[k.split("|")[0] + f"|sw{sw}|dense"])}
        for k in hybrid if k.endswith("|" + fusion)}
    summary["dense_sentence_weight"] = {k: cv.metrics(v) for k, v in table.items() if k.endswith("|dense")}
    summary["smoothed_best"] = [(k, round(v, 4)) for k, v in cv.smoothed_best(table, hybrid)[:8]]
    summary["default_on_dev"] = cv.metrics(table[default]) if default in table else None
    out["cv"] = summary
    if not args.quick:
        log("quality: the best-sentence weight on every question set …")
        sets = {"dev": questions} | {name: read_questions(path) for name, path in quality.QUESTION_SETS.items()}
        out["sentence_weight_sets"] = cv.across_sets(handle, sets, [0.0, 0.5, 0.7, 0.8, 0.9, 1.0])
        out["english_dictionary"] = cv.english_across_sets(handle, sets)
    kept = args.previous.get("quality", {})
    if args.keep:
        log("quality: the trained parts (answer layer, embedders, short answers) kept from the last run")
        out.update({k: kept[k] for k in ("embedders", "short_answers") if k in kept})
    elif not args.quick:  # both need the whole seeds corpus and the dev set
        from . import answerer, embedders

        log("quality: the learned answer layer, leave-one-corpus-out (benchmarks/sections/answerer.md) …")
        answerer.main(["--no-speed", "--no-ablations"])  # ablations: python -m benchmarks.answerer --seeds 3 (hours)
        log("quality: embedders (use, e5, fused) …")
        out["embedders"] = {name: r["metrics"] for name, r in embedders.run().items()}
        from . import short_answers

        log("quality: short answers, trained and scored leave-one-corpus-out and cross-validated …")
        out["short_answers"] = short_answers.run(log)
    return out


def run_speed(handle, raw, corpus, questions, work) -> dict[str, Any]:
    from . import speed
    from .quality import LangChainRecipe

    out: dict[str, Any] = {}
    log("speed: full build, no-change and one-file rebuilds (fresh processes) …")
    builds = speed.build_timings(corpus, work / "speed")
    out["build"] = builds
    log("speed: a 5 MB corpus of the seeds repeated (fresh process) …")
    out["repeated_build"] = speed.repeated_build(corpus, work / "speed")
    log("speed: cold `rag ask` …")
    question = next((q.question for q in questions if q.answerable), questions[0].question)
    out["cold_ask"] = speed.cold_ask(Path(builds["corpus_dir"]), Path(builds["index_dir"]), question,
                                     work / "speed")
    log("speed: warm latencies …")
    handle = replace(handle, embedder=raw)  # the real model: no cached question vectors
    out["warm"] = speed.warm_latencies(handle, questions)
    log("speed: the LangChain recipe (fresh process, then warm queries) …")
    out["langchain_process"] = speed.recipe_process(corpus, handle.settings.embedding)
    recipe = LangChainRecipe(handle.embedder)
    recipe.build(corpus)
    out["langchain_warm"] = speed.recipe_latencies(recipe, questions)
    log("speed: the embedding model's own throughput …")
    out["embedding_limit"] = speed.embedding_limit(raw, handle, builds["full"].get("build_s"))
    lc = out["langchain_process"]
    ours_query = out["warm"]["embed_query_ms"]["p50"] + out["warm"]["retrieve_ms"]["p50"]
    out["ratios_ours_over_langchain"] = {
        "full_build_process": _ratio(builds["full"]["process_s"], lc.get("wall_s")),
        "full_build_peak_rss": _ratio(builds["full"]["peak_rss_mib"], lc.get("peak_rss_mib")),
        "warm_query_p50 (embed+retrieve vs embed+search)": _ratio(ours_query, out["langchain_warm"]["query_ms"]["p50"]),
    }
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def run_scale(args, handle) -> dict[str, Any]:
    from . import scale

    real = np.asarray(handle.index.sentence_vectors, dtype=np.float32)
    kinds = {"uniform": scale.Vectors("uniform", None, seed=1), "realistic": scale.Vectors("realistic", real, seed=2)}
    if args.quick:
        sizes, queries, hnsw_max, bm = [2_000], 20, 2_000, dict(n_docs=20_000, doc_len=50, vocab=50_000, n_queries=10)
    else:
        sizes, queries, hnsw_max = [10_000, 100_000, 1_000_000], 100, 100_000
        bm = dict(n_docs=1_000_000, doc_len=200, vocab=500_000, n_queries=100)
    log("scale: FAISS flat / HNSW / IVF …")
    t = time.perf_counter()
    rows = scale.faiss_scale(sizes, kinds, queries, hnsw_max, log=lambda m: log(m))
    faiss_s = time.perf_counter() - t
    log("scale: BM25 …")
    t = time.perf_counter()
    bm25 = scale.bm25_scale(log=lambda m: log(m), **bm)
    return {"faiss": rows, "faiss_seconds": faiss_s, "auto": scale.auto_thresholds(rows), "bm25": bm25,
            "bm25_seconds": time.perf_counter() - t, "queries": queries}


if __name__ == "__main__":
    main()
