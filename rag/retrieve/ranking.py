"""Stage 2 of retrieval: the dense and the lexical ranking, each from the store.

Dense side: a chunk scores the mean of two cosines with the question, that of the
chunk vector and that of its best sentence.  The encoder was trained on sentences,
and one sentence usually carries the answer, so the best-sentence cosine finds
passages whose whole-chunk vector is diluted by their other sentences (dense hit@5
0.71 → 0.82 on the dev set; BENCHMARKS.md).  Small indexes are scored exactly;
large ones rescore the ANN index's (and BM25's) candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rag.retrieve.expansion import Expanded
from rag.stores.base import VectorStore
from rag.tuning import Tuning

Mode = Literal["hybrid", "dense", "lexical"]

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float32)


@dataclass
class Rankings:
    """Each side's best chunk ids with their scores, best first (empty for a side not asked)."""

    dense_ids: np.ndarray = field(default_factory=lambda: _EMPTY_IDS)
    dense_scores: np.ndarray = field(default_factory=lambda: _EMPTY_SCORES)
    lexical_ids: np.ndarray = field(default_factory=lambda: _EMPTY_IDS)
    lexical_scores: np.ndarray = field(default_factory=lambda: _EMPTY_SCORES)

    def __post_init__(self) -> None:
        self.dense_of = dict(zip(self.dense_ids.tolist(), self.dense_scores.tolist()))
        self.lexical_of = dict(zip(self.lexical_ids.tolist(), self.lexical_scores.tolist()))


def rank(store: VectorStore, query: Expanded, mode: Mode, depth: int, tuning: Tuning) -> Rankings:
    """The ``depth`` best of each side; in hybrid mode BM25's candidates are scored densely too."""
    lexical_ids, lexical_scores = _EMPTY_IDS, _EMPTY_SCORES
    dense_ids, dense_scores = _EMPTY_IDS, _EMPTY_SCORES
    if mode in ("hybrid", "lexical"):
        lexical_ids, lexical_scores = store.lexical_top(query.lexical, depth)
    if mode in ("hybrid", "dense"):
        dense_ids, dense_scores = store.dense_top(query.vector, depth, lexical_ids if mode == "hybrid" else None,
                                                  tuning)
    return Rankings(dense_ids, dense_scores, lexical_ids, lexical_scores)


def both_scores(store: VectorStore, query: Expanded, rankings: Rankings, chosen: list[int],
                tuning: Tuning) -> tuple[dict[int, float], dict[int, float]]:
    """The dense and lexical score of each chosen chunk, asking the store for those a side
    did not rank (a passage found by one side only still shows both scores)."""
    dense_of, lexical_of = dict(rankings.dense_of), dict(rankings.lexical_of)
    missing_dense = [i for i in chosen if i not in dense_of]
    if missing_dense:
        dense_of.update(zip(missing_dense, store.dense_scores(np.asarray(missing_dense), query.vector,
                                                                tuning).tolist()))
    missing_lex = [i for i in chosen if i not in lexical_of]
    if missing_lex:
        lexical_of.update(zip(missing_lex, store.lexical_scores(query.lexical, np.asarray(missing_lex)).tolist()))
    return dense_of, lexical_of
