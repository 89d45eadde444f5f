"""Does the corpus answer the question?  A judge reads the scored candidates and decides.

:class:`Judge` is a seam: an LLM judge or a calibrated cross-encoder can replace the
default, :class:`TreeJudge`, boosted trees over the question's kind, its best
sentences' scores and signals, the margins between them
(:func:`rag.answering.features.question_features`), and how well the short-answer span
model reads an answer in the best sentence (a near miss names the subject, not the
answer).  It was trained on answerable questions and near misses (passages or whole
articles left out; the answer sentence cut; the asked entity swapped for a similar one)
of three corpora in two scripts, by ``python -m benchmarks.train_answerer``, which also
reports leave-one-corpus-out and cross-validated figures
(benchmarks/sections/answerer.md).  Scorer and judge ship as plain arrays in
``answerer.npz`` beside this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.answering.asked import AskedKind
from rag.answering.features import JUDGE_FEATURES, SENTENCE_FEATURES, looks_up, question_features, span_signal
from rag.answering.rerank import Reranker
from rag.answering.scorer import Scored, TreeScorer
from rag.answering.trees import Trees, load_npz
from rag.records import Hit
from rag.text.lexical import CorpusStats

WEIGHTS = Path(__file__).with_name("answerer.npz")


@dataclass(frozen=True)
class Verdict:
    probability: float  # P(the corpus answers the question)
    answer: bool


class Judge(Protocol):
    def judge(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> Verdict: ...


@dataclass(frozen=True)
class TreeJudge:
    trees: Trees
    threshold: float

    def probability(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> float:
        span = float("nan")
        if len(scored.rows):
            best = int(np.argmax(scored.probabilities))
            span = span_signal(scored.question, scored.sentences[best], scored.rows[best])
        row = question_features(scored.question, scored.rows, scored.probabilities, [h.dense for h in hits],
                                looks_up(scored.question.text, bm25), span)
        return float(self.trees.probability(row[None, :])[0])

    def judge(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> Verdict:
        p = self.probability(scored, hits, bm25)
        return Verdict(p, p >= self.threshold)


@lru_cache(maxsize=4)
def _weights(path: Path) -> dict[str, np.ndarray]:
    """The arrays of ``path``, read once per process: the models and the asked-kind reader share them."""
    return load_npz(path)


@lru_cache(maxsize=4)
def load_models(path: Path = WEIGHTS) -> tuple[TreeScorer, TreeJudge]:
    """The shipped scorer and judge (read once per process)."""
    z = _weights(path)
    scorer, judge = Trees.from_arrays(z, "scorer"), Trees.from_arrays(z, "judge")
    if scorer.features != SENTENCE_FEATURES or judge.features != JUDGE_FEATURES:
        raise RuntimeError(f"{path} was trained on other features: run python -m benchmarks.train_answerer")
    meta = json.loads(str(z["meta"][0]))
    return TreeScorer(scorer), TreeJudge(judge, float(meta["threshold"]))


@lru_cache(maxsize=4)
def load_asked(path: Path = WEIGHTS) -> AskedKind | None:
    """The shipped asked-kind reader (rag.answering.asked), from the same weights."""
    return AskedKind.from_arrays(_weights(path))


@lru_cache(maxsize=4)
def load_reranker(path: Path = WEIGHTS) -> Reranker | None:
    """The shipped reranker of the scorer's best sentences (rag.answering.rerank), from the same weights."""
    return Reranker.from_arrays(_weights(path))
