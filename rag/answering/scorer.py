"""Which sentences could answer: the candidates of the retrieved passages, scored.

:class:`SentenceScorer` gives each candidate sentence a probability of holding the
answer; it can be replaced (a cross-encoder, say) without touching the answerer.  The
default, :class:`TreeScorer`, is boosted trees over general signals
(:mod:`rag.answering.features`), trained by ``python -m benchmarks.train_answerer``.
Sentence vectors come with the hits (the index stores them), so scoring embeds nothing;
hits built by hand fall back to embedding their sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.answering.features import Question, Sentence, sentence_features
from rag.answering.trees import Trees
from rag.embeddings import Embedder
from rag.ingest.chunker import split_sentences
from rag.records import Hit
from rag.text.lexical import CorpusStats

MIN_SENTENCE_CHARS = 4  # "是的。" holds nothing to cite


@dataclass(frozen=True)
class Scored:
    """The candidates of one question, read and scored."""

    question: Question
    sentences: list[Sentence]
    rows: np.ndarray  # SENTENCE_FEATURES per sentence
    probabilities: np.ndarray  # P(the sentence holds the answer)


class SentenceScorer(Protocol):
    def score(self, question: Question, sentences: list[Sentence], cosines: np.ndarray, hits: list[Hit],
              bm25: CorpusStats, similarity_floor: float) -> Scored: ...


def candidate_sentences(hits: list[Hit]) -> list[tuple[Sentence, int]]:
    """Every sentence of the hits once (overlapping passages share sentences), in hit
    order, each with its index among its hit's stored sentences (-1: not stored)."""
    out: list[tuple[Sentence, int]] = []
    seen: set[tuple[str, int]] = set()
    for rank, hit in enumerate(hits):
        c = hit.chunk
        stored = hit.sentences if hit.sentences else tuple(
            (c.start + s.start, c.start + s.end) for s in split_sentences(c.text))
        for j, (start, end) in enumerate(stored):
            text = c.text[start - c.start : end - c.start]
            if len(text.strip()) < MIN_SENTENCE_CHARS or (c.source, start) in seen:
                continue
            seen.add((c.source, start))
            out.append((Sentence(rank, start, end, text), j if hit.sentences else -1))
    return out


def sentence_cosines(candidates: list[tuple[Sentence, int]], hits: list[Hit], query_vector: np.ndarray,
                     embedder: Embedder) -> np.ndarray:
    """Cosine of the question with each sentence, from the vectors the index stores;
    sentences of hits built by hand are embedded."""
    q = np.asarray(query_vector, dtype=np.float32)
    out = np.zeros(len(candidates), dtype=np.float64)
    missing: list[int] = []
    for i, (s, j) in enumerate(candidates):
        vectors = hits[s.hit_rank].sentence_vectors
        if j >= 0 and vectors is not None and j < len(vectors):
            out[i] = float(np.asarray(vectors[j], dtype=np.float32) @ q)
        else:
            missing.append(i)
    if missing:
        vecs = np.asarray(embedder.embed([candidates[i][0].text for i in missing]), dtype=np.float32)
        out[missing] = vecs @ q
    return out


@dataclass(frozen=True)
class TreeScorer:
    trees: Trees

    def score(self, question: Question, sentences: list[Sentence], cosines: np.ndarray, hits: list[Hit],
              bm25: CorpusStats, similarity_floor: float) -> Scored:
        rows = sentence_features(question, sentences, cosines, hits, bm25, similarity_floor)
        probs = self.trees.probability(rows) if len(rows) else np.zeros(0)
        return Scored(question, sentences, rows, probs)
