"""Shared helpers of the benchmark: machine facts, timing, an embedding cache."""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.embeddings import embed_query

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"
SHARED_DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def dev_set() -> Path:
    """The dev questions: ../shared/eval/dev.jsonl when present, else the test copy."""
    return SHARED_DEV_SET if SHARED_DEV_SET.is_file() else DEV_SET


@dataclass
class CachingEmbedder:
    """Wraps an embedder; remembers every text's vector for the rest of the run.

    The cross-validation builds one index per chunking setting; their sentences are
    almost all the same, so each is embedded once.
    """

    inner: Any
    _memo: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def similarity_floor(self) -> float:
        return float(getattr(self.inner, "similarity_floor", 0.0))

    def embed_query(self, text: str) -> np.ndarray:
        key = "q" + self._key(text)  # questions are embedded differently (e5's prefixes)
        if key not in self._memo:
            self._memo[key] = embed_query(self.inner, text)
        return self._memo[key]

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._memo))
        if missing:
            for t, v in zip(missing, self.inner.embed(missing)):
                self._memo[self._key(t)] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[k] for k in keys]).astype(np.float32)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    import faiss

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem_gib, "python": platform.python_version(),
            "platform": platform.platform(), "numpy": np.__version__, "faiss": faiss.__version__,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def rss_mib() -> float:
    """Current resident set size of this process (MiB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
