"""Which of the scorer's best sentences to cite: a second opinion that reads them side by side.

The sentence scorer reads each sentence against the question alone (meaning, shared
words, the kind of answer asked for), so a sentence that restates the question, or a
passage's opening that names its subject, often outranks the one that answers it.  The
reranker reads the scorer's :data:`RERANK_K` best together: the scorer's view of each,
the short-answer span reader's (rag.answering.short_answer: whether some words of the
sentence read as the answer), and each sentence signal beside its best among the few
(a sentence that adds what the others lack).  Boosted trees, kept monotone in both
readers' confidence, learned it from the scorer's out-of-fold probabilities on three
corpora (benchmarks/train_answerer.py); held out it picks the answer sentence more often
on each (benchmarks/sections/answerer.md).  It never decides *whether* to answer: the
judge reads the scorer's view, as it was trained to.

Its trees live in ``answerer.npz`` (``rag.answering.judge.load_reranker``).  The span
reader runs on at most :data:`RERANK_K` sentences, and only on those the judge could
read it for (``features.reads_span``); its result is cached for the short answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.answering.features import SENTENCE_FEATURES, span_signal
from rag.answering.scorer import Scored
from rag.answering.trees import Trees, logit

# The scorer's best 8 hold the answer sentence for 0.92 / 0.92 / 0.96 of the questions (seeds / CMRC /
# DRCD, out of fold) against 0.87 / 0.82 / 0.90 for its best 3; reading 8 cites it more often on each
# (benchmarks/sections/answerer.md, thirteenth pass).  The span model still reads only the few of them
# that are among the most similar or covering (features.reads_span), so 8 costs a few milliseconds.
RERANK_K = 8
# The sentence signals it reads (not the question's: they are the same for every candidate).
SIGNALS = tuple(c for c in SENTENCE_FEATURES if not c.startswith("q_"))
_SIGNAL_COLUMNS = [SENTENCE_FEATURES.index(c) for c in SIGNALS]
RERANK_FEATURES = ("logit", "logit_gap", "span", "span_gap", "span_unread", *(f"rank_{i}" for i in range(RERANK_K)),
                   *SIGNALS, *(f"{c}_gap" for c in SIGNALS))
# More confidence from either reader never lowers a sentence (the trees are fitted so).
MONOTONE = ("logit", "logit_gap", "span", "span_gap")


def rerank_rows(probabilities: np.ndarray, spans: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One row of :data:`RERANK_FEATURES` per candidate: the scorer's top candidates, best
    first, with their probabilities, span signals (NaN: not read) and sentence signals
    (``rows``, :data:`~rag.answering.features.SENTENCE_FEATURES`), each also as its gap to
    the best of the few."""
    lo = logit(probabilities, eps=1e-6)
    read = ~np.isnan(spans)
    s = np.where(read, spans, 0.0)
    top_span = float(s[read].max()) if read.any() else 0.0
    x = np.asarray(rows, np.float64)[:, _SIGNAL_COLUMNS]
    return np.column_stack([lo, lo - lo[0], s, np.where(read, s - top_span, 0.0), (~read).astype(np.float64),
                            np.eye(RERANK_K)[: len(lo)], x, x - x.max(axis=0)])


@dataclass(frozen=True)
class Reranker:
    """P(the sentence holds the answer | the scorer's view, the span reader's, the
    sentence beside the others)."""

    trees: Trees

    def probabilities(self, probabilities: np.ndarray, spans: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.trees.probability(rerank_rows(probabilities, spans, rows))

    def arrays(self, prefix: str = "rerank") -> dict[str, np.ndarray]:
        return self.trees.arrays(prefix)

    @classmethod
    def from_arrays(cls, z: dict[str, np.ndarray], prefix: str = "rerank") -> Reranker | None:
        if f"{prefix}.features" in z:
            trees = Trees.from_arrays(z, prefix)
            if trees.features == RERANK_FEATURES:
                return cls(trees)
        elif f"{prefix}.weights" not in z:  # weights without a reranker
            return None
        # trees over other features, or the logistic reranker of earlier weights
        raise RuntimeError("the reranker was trained on other features: run python -m benchmarks.train_answerer")


def top_candidates(probabilities: np.ndarray) -> np.ndarray:
    """The indices of the scorer's :data:`RERANK_K` best, best first."""
    return np.argsort(-np.asarray(probabilities), kind="stable")[:RERANK_K]


def relevance(scored: Scored, reranker: Reranker | None) -> np.ndarray:
    """How to order the candidates: the reranker's probability for the scorer's best few;
    the scorer's own below them (never above: the reranker did not read them)."""
    rel = np.asarray(scored.probabilities, np.float64).copy()
    if reranker is None or not len(rel):
        return rel
    top = top_candidates(rel)
    spans = np.array([span_signal(scored.question, scored.sentences[i], scored.rows[i]) for i in top])
    reranked = reranker.probabilities(rel[top], spans, scored.rows[top])
    rest = np.ones(len(rel), dtype=bool)
    rest[top] = False
    rel[rest] = np.minimum(rel[rest], np.nextafter(float(reranked.min()), -np.inf))
    rel[top] = reranked
    return rel
