"""Does the corpus answer the question?  A judge reads the scored candidates and decides.

:class:`Judge` is a seam: an LLM judge or a calibrated cross-encoder can replace the
default, :class:`TreeJudge`, a bag of boosted trees over the question's kind, its best
sentences' scores and signals, the margins between them
(:func:`rag.answering.features.question_features`), and how well the short-answer span
model reads an answer in the best sentence (a near miss names the subject, not the
answer).  It was trained on answerable questions and near misses (passages or whole
articles left out; the answer sentence cut; the asked entity swapped for a similar one)
of three corpora in two scripts, by ``python -m benchmarks.train_answerer``, which also
reports leave-one-corpus-out and cross-validated figures
(benchmarks/sections/answerer.md).  The bag's members were trained alike at different
seeds, each with its own scorer; they decide by the mean of their log-odds, which takes
out the variance one training run has.  Scorers and judges ship as plain arrays in
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
from rag.answering.trees import Trees, expit, load_npz, logit
from rag.records import Hit
from rag.text.lexical import CorpusStats

WEIGHTS = Path(__file__).with_name("answerer.npz")


@dataclass(frozen=True)
class Verdict:
    probability: float  # P(the corpus answers the question)
    answer: bool


class Judge(Protocol):
    def judge(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> Verdict: ...


def member_prefix(part: str, k: int) -> str:
    """Where member ``k``'s scorer or judge lives in answerer.npz (the first: plain "scorer", "judge")."""
    return part if k == 0 else f"{part}{k}"


@dataclass(frozen=True)
class Member:
    """One of the bag's judges: trees over the question's row, the threshold it was set at,
    and the scorer it was trained with (``None``: it reads the probabilities it is given)."""

    trees: Trees
    threshold: float
    scorer: Trees | None = None

    def probability(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> float:
        probs = scored.probabilities if self.scorer is None or not len(scored.rows) else (
            self.scorer.probability(scored.rows))
        span = float("nan")
        if len(scored.rows):
            best = int(np.argmax(probs))
            span = span_signal(scored.question, scored.sentences[best], scored.rows[best])
        row = question_features(scored.question, scored.rows, probs, [h.dense for h in hits],
                                looks_up(scored.question.text, bm25), span)
        return float(self.trees.probability(row[None, :])[0])


@dataclass(frozen=True)
class TreeJudge:
    """The bag: it answers when its members' mean log-odds reach their thresholds' mean."""

    members: tuple[Member, ...]

    @property
    def threshold(self) -> float:
        return float(expit(np.mean(logit([m.threshold for m in self.members]))))

    def probability(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> float:
        return float(expit(np.mean(logit([m.probability(scored, hits, bm25) for m in self.members]))))

    def judge(self, scored: Scored, hits: list[Hit], bm25: CorpusStats) -> Verdict:
        p = self.probability(scored, hits, bm25)
        return Verdict(p, p >= self.threshold)


@lru_cache(maxsize=4)
def _weights(path: Path) -> dict[str, np.ndarray]:
    """The arrays of ``path``, read once per process: the models and the asked-kind reader share them."""
    return load_npz(path)


@lru_cache(maxsize=4)
def load_models(path: Path = WEIGHTS) -> tuple[TreeScorer, TreeJudge]:
    """The shipped scorer (the bag's first member's: it picks what is cited) and the bag's
    judge (read once per process)."""
    z = _weights(path)
    meta = json.loads(str(z["meta"][0]))
    thresholds = meta.get("thresholds", [meta["threshold"]])
    members = []
    for k, threshold in enumerate(thresholds):
        scorer, judge = Trees.from_arrays(z, member_prefix("scorer", k)), Trees.from_arrays(z, member_prefix("judge", k))
        if scorer.features != SENTENCE_FEATURES or judge.features != JUDGE_FEATURES:
            raise RuntimeError(f"{path} was trained on other features: run python -m benchmarks.train_answerer")
        # the first member reads the probabilities of the scorer it is handed (the shipped one, or another)
        members.append(Member(judge, float(threshold), scorer if k else None))
    return TreeScorer(Trees.from_arrays(z, "scorer")), TreeJudge(tuple(members))


@lru_cache(maxsize=4)
def load_asked(path: Path = WEIGHTS) -> AskedKind | None:
    """The shipped asked-kind reader (rag.answering.asked), from the same weights."""
    return AskedKind.from_arrays(_weights(path))


@lru_cache(maxsize=4)
def load_reranker(path: Path = WEIGHTS) -> Reranker | None:
    """The shipped reranker of the scorer's best sentences (rag.answering.rerank), from the same weights."""
    return Reranker.from_arrays(_weights(path))
