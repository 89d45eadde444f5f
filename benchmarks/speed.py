"""Speed and memory: builds, rebuilds, warm latencies, the cold `rag ask` process.

Process-level figures (cold ask, build) run in a fresh child process that reports its own
peak resident memory (``VmHWM``) as it exits; warm figures run in this process on a loaded
index.  (The ``ru_maxrss`` of ``os.wait4`` cannot be used: Linux carries the parent's
high-water mark into the child at fork/exec, so every child would report at least the
benchmark's own size.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.embeddings import embed_query, make_embedder
from rag.evaluate import Question
from rag.indexing.handle import Handle
from rag.pipeline import ask
from rag.retrieve.retriever import retrieve

from .common import ROOT, percentile

# Prints the process's peak RSS (MiB) to stderr at exit; prepended to every probe.
_PEAK_PROBE = """
import atexit, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            print("PEAK_RSS_KIB=" + line.split()[1], file=sys.stderr)
atexit.register(_peak)
"""

# Runs the CLI in-process and reports whether heavy modules were imported.
_CLI_PROBE = _PEAK_PROBE + """
import sys, json
from rag.app.cli import main
sys.argv = ["rag"] + sys.argv[1:]
try:
    main()
except SystemExit as e:
    code = e.code or 0
else:
    code = 0
heavy = sorted(m for m in ("torch", "langchain_core", "langchain", "gradio", "sentence_transformers", "jieba")
               if m in sys.modules)
print(json.dumps({"heavy_modules": heavy}), file=sys.stderr)
sys.exit(code)
"""


def run_process(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time, exit code, peak RSS (MiB) and output of one child process."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        proc.wait()
        wall = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stderr = err.read()
        peaks = [int(line.split("=")[1]) for line in stderr.splitlines() if line.startswith("PEAK_RSS_KIB=")]
        return {"seconds": wall, "returncode": proc.returncode,
                "peak_rss_mib": peaks[-1] / 1024 if peaks else None, "stdout": out.read(), "stderr": stderr}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RAG_CONFIG", None)
    for k in list(env):
        if k.startswith("RAG_"):
            env.pop(k)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def cli(args: list[str], cwd: Path) -> dict[str, Any]:
    return run_process([sys.executable, "-c", _CLI_PROBE, *args], cwd=cwd, env=_env())


def build_timings(corpus: Path, work: Path) -> dict[str, Any]:
    """Full build, no-change rebuild, one-file-changed rebuild (each a fresh `rag index`)."""
    corpus_copy = work / "corpus" / corpus.name
    shutil.copytree(corpus, corpus_copy)
    index = work / "index"
    common = ["index", "--corpus", str(corpus_copy), "--index", str(index), "--json"]
    out: dict[str, Any] = {}
    for name in ("full", "unchanged"):
        res = cli(common, work)
        report = json.loads(res["stdout"]) if res["returncode"] == 0 else {}
        out[name] = {"process_s": res["seconds"], "build_s": report.get("seconds"),
                     "peak_rss_mib": res["peak_rss_mib"], "chunks": report.get("chunks"),
                     "embedded_sentences": report.get("embedded_sentences"), "error": res["stderr"][-300:]
                     if res["returncode"] else None}
    first = sorted(p for p in corpus_copy.iterdir() if p.is_file())[0]
    with first.open("a", encoding="utf-8") as fh:
        fh.write("\n基准测试追加了一句话。\n")
    res = cli(common, work)
    report = json.loads(res["stdout"]) if res["returncode"] == 0 else {}
    out["one_file_changed"] = {"process_s": res["seconds"], "build_s": report.get("seconds"),
                               "peak_rss_mib": res["peak_rss_mib"], "embedded_chunks": report.get("embedded_chunks"),
                               "embedded_sentences": report.get("embedded_sentences")}
    out["index_dir"] = str(index)
    out["corpus_dir"] = str(corpus_copy)
    return out


def repeated_build(corpus: Path, work: Path, megabytes: float = 5.0) -> dict[str, Any]:
    """A fresh `rag index` of the corpus's files copied until the corpus holds ``megabytes``.

    The issue's 5 MB yardstick (USE, before e5: 93 s).  Copies repeat every sentence, so
    this measures the build's own cost at that size with each distinct sentence embedded
    once; the reliability section measures 5 MB of text that never repeats."""
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    size = sum(p.stat().st_size for p in files)
    copies = max(1, int(np.ceil(megabytes * 1e6 / size)))
    folder = work / "repeated"
    folder.mkdir(parents=True)
    for k in range(copies):
        for p in files:
            shutil.copyfile(p, folder / f"{k:03d}_{p.name}")
    res = cli(["index", "--corpus", str(folder), "--index", str(work / "repeated-index"), "--json"], work)
    report = json.loads(res["stdout"]) if res["returncode"] == 0 else {}
    return {"copies": copies, "megabytes": round(copies * size / 1e6, 2), "process_s": res["seconds"],
            "build_s": report.get("seconds"), "peak_rss_mib": res["peak_rss_mib"], "chunks": report.get("chunks"),
            "embedded_sentences": report.get("embedded_sentences"), "cached_sentences": report.get("cached_sentences"),
            "error": res["stderr"][-300:] if res["returncode"] else None}


def cold_ask(corpus: Path, index: Path, question: str, work: Path, runs: int = 3) -> dict[str, Any]:
    results = [cli(["ask", question, "--corpus", str(corpus), "--index", str(index), "--json"], work)
               for _ in range(runs)]
    heavy = []
    for r in results:
        for line in r["stderr"].splitlines():
            if line.startswith("{") and "heavy_modules" in line:
                heavy = json.loads(line)["heavy_modules"]
    times = [r["seconds"] for r in results]
    return {"runs": runs, "median_s": float(np.median(times)), "min_s": min(times),
            "peak_rss_mib": max(r["peak_rss_mib"] or 0 for r in results), "heavy_modules_imported": heavy,
            "ok": all(r["returncode"] == 0 for r in results)}


def warm_latencies(handle: Handle, questions: list[Question], repeats: int = 3) -> dict[str, Any]:
    embed, retrieval, total, answer = [], [], [], []
    qv = {}
    for _ in range(repeats):
        for q in questions:
            t = time.perf_counter()
            qv[q.id] = embed_query(handle.embedder, q.question)
            embed.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            retrieve(handle.index, handle.embedder, q.question, handle.settings, "hybrid", qv[q.id])
            retrieval.append((time.perf_counter() - t) * 1000)
            a = ask(handle, q.question)
            total.append(a.timings["total_s"] * 1000)
            answer.append(a.timings["answer_s"] * 1000)
    return {"queries": len(questions) * repeats,
            "embed_query_ms": {"p50": percentile(embed, 50), "p95": percentile(embed, 95)},
            "retrieve_ms": {"p50": percentile(retrieval, 50), "p95": percentile(retrieval, 95)},
            "answer_ms": {"p50": percentile(answer, 50), "p95": percentile(answer, 95)},
            "ask_total_ms": {"p50": percentile(total, 50), "p95": percentile(total, 95)}}


def recipe_latencies(recipe: Any, questions: list[Question], repeats: int = 3) -> dict[str, Any]:
    times = []
    for _ in range(repeats):
        for q in questions:
            t = time.perf_counter()
            recipe.search(q.question, 5)
            times.append((time.perf_counter() - t) * 1000)
    return {"query_ms": {"p50": percentile(times, 50), "p95": percentile(times, 95)}}


# A child process that builds the LangChain recipe, for its wall time and peak memory.
_RECIPE_PROBE = _PEAK_PROBE + """
import sys, json, time
t = time.perf_counter()
from pathlib import Path
from rag.embeddings import make_embedder
from benchmarks.quality import LangChainRecipe
r = LangChainRecipe(make_embedder(sys.argv[2]))  # the same model as ours
parts = r.build(Path(sys.argv[1]))
r.search("业界普遍认为入场门票是多少钱?", 5)
parts["process_s"] = time.perf_counter() - t
print(json.dumps(parts))
"""


def recipe_process(corpus: Path, embedding: str) -> dict[str, Any]:
    res = run_process([sys.executable, "-c", _RECIPE_PROBE, str(corpus), embedding], cwd=ROOT, env=_env())
    data = json.loads(res["stdout"].strip().splitlines()[-1]) if res["returncode"] == 0 else {"error": res["stderr"][-300:]}
    data["peak_rss_mib"] = res["peak_rss_mib"]
    data["wall_s"] = res["seconds"]
    return data


def embedding_limit(embedder: Any, handle: Handle, build_s: float | None) -> dict[str, Any]:
    """The model's raw speed (one encode call over all chunk texts) against our build."""
    texts = [c.text for c in handle.index.chunks]
    chars = sum(len(t) for t in texts)
    t = time.perf_counter()
    make_embedder(handle.settings.embedding).embed(["预热"])  # what a build pays before its first batch
    load = time.perf_counter() - t
    embedder.embed(["预热"])  # model loaded
    t = time.perf_counter()
    embedder.embed(texts)
    raw = time.perf_counter() - t
    n_chunks = len(texts)
    sentences = _sentence_texts(handle)
    t = time.perf_counter()
    embedder.embed(sentences)
    raw_sentences = time.perf_counter() - t
    out = {"chunks": n_chunks, "chunk_chars": chars, "raw_encode_s": raw,
           "raw_chunks_per_s": n_chunks / raw, "raw_chars_per_s": chars / raw,
           "sentences": len(sentences), "sentence_chars_embedded_by_build": sum(len(t) for t in sentences),
           "raw_sentence_encode_s": raw_sentences, "model_load_s": load}
    if build_s:
        out.update({"build_s": build_s, "build_chunks_per_s": n_chunks / build_s,
                    "build_vs_raw": raw / build_s})
    return out


def _sentence_texts(handle: Handle) -> list[str]:
    """The texts of the index's sentence rows: what a build actually sends to the model."""
    index = handle.index
    texts = [""] * len(index.sentence_spans)
    for chunk, (first, last) in zip(index.chunks, index.chunk_sentences):
        for row in range(first, last):
            start, end = index.sentence_spans[row]
            texts[row] = chunk.text[start - chunk.start:end - chunk.start]
    return texts
