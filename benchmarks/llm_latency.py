"""Time to first token and total time: `rag ask` with an LLM on loopback vs the extractive answerer.

Run by hand from the repository root (it builds its own index of seeds/ in a temporary
folder first, so a shared index/ is neither needed nor touched):

    python -m benchmarks.llm_latency [--runs 5] [--piece-delay 0.005]

Two views: the command as a user runs it (a fresh process each time: interpreter,
model and index loading included), and the library call with a warm handle (what the
UI pays per question).  The LLM is the fake OpenAI-compatible server from the tests,
reached through the real langchain-openai client; ``--piece-delay`` is its pause
before each 4-character piece, so the numbers show rag's own overhead, not a model's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_openai_server import FakeLLMServer  # noqa: E402

QUESTIONS = ["业界认为做大模型的入场门票是多少钱?", "Databricks花了多少钱收购MosaicML?"]


def cli_once(question: str, llm: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds until the answer's first character reaches stdout, and until the process ends."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rag.app.cli", "ask", question, "--llm", llm], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    first = proc.stdout.read(1)
    first_at = time.perf_counter() - start
    proc.stdout.read()
    if proc.wait() != 0 or not first:
        raise SystemExit(f"rag ask --llm {llm} failed")
    return first_at, time.perf_counter() - start


def library_once(handle, question: str, llm: str) -> tuple[float, float]:
    from rag.pipeline import Delta, stream

    start = time.perf_counter()
    first_at = None
    for event in stream(handle, question, llm=llm):
        if isinstance(event, Delta) and first_at is None:
            first_at = time.perf_counter() - start
    return first_at or 0.0, time.perf_counter() - start


def report(label: str, samples: list[tuple[float, float]]) -> None:
    ttft = statistics.median(s[0] for s in samples)
    total = statistics.median(s[1] for s in samples)
    print(f"  {label:28} first token {ttft * 1000:8.1f} ms   total {total * 1000:8.1f} ms   (median of {len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--piece-delay", type=float, default=0.005)
    args = parser.parse_args()
    from rag.config import load_settings
    from rag.indexing.handle import open_handle, rebuild

    with FakeLLMServer(piece_delay_s=args.piece_delay) as server, tempfile.TemporaryDirectory() as tmp:
        for k in [k for k in os.environ if k.startswith("RAG_")]:
            del os.environ[k]
        os.environ.update(RAG_CORPUS=str(ROOT / "seeds"), RAG_INDEX=str(Path(tmp) / "index"),
                          RAG_LLM_BASE_URL=server.openai_url, OPENAI_API_KEY="sk-measure")
        env = dict(os.environ)
        settings = load_settings()
        rebuild(settings)
        llms = ["extractive", "openai:test-model"]

        print(f"rag ask, a fresh process per question ({args.runs} runs per question):")
        for llm in llms:
            report(llm, [cli_once(q, llm, env) for _ in range(args.runs) for q in QUESTIONS])

        handle = open_handle(settings)
        for llm in llms:  # warm-up: model load, LangChain import, connection
            library_once(handle, QUESTIONS[0], llm)
        print(f"rag.pipeline.stream, warm handle ({args.runs} runs per question):")
        for llm in llms:
            report(llm, [library_once(handle, q, llm) for _ in range(args.runs) for q in QUESTIONS])


if __name__ == "__main__":
    main()
