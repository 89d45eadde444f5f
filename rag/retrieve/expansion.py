"""Stage 1 of retrieval: the question as the two rankings read it.

An English question over Chinese passages shares almost no terms with them: its English
words are looked up in CC-CEDICT (``rag.text.bilingual``) and the Chinese words the corpus
uses for them are added to the BM25 query.  Embedded, those words also pull the
question's vector towards the passages' language: e5 matches an English question to
Chinese passages weakly, and the bag of their Chinese words, though no sentence, is in the
passages' language (one more embedding, for an English question only; BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.embeddings import Embedder, embed_query
from rag.text.bilingual import dictionary_terms
from rag.text.lexical import CorpusStats
from rag.tuning import Tuning


@dataclass(frozen=True)
class Expanded:
    question: str  # as searched for
    lexical: str  # for BM25: the question, plus the Chinese words of its English ones
    vector: np.ndarray  # for dense search: the question's vector, moved towards those words'


def expand(question: str, query_vector: np.ndarray, stats: CorpusStats, embedder: Embedder,
           tuning: Tuning) -> Expanded:
    terms = dictionary_terms(question, stats) if tuning.dictionary_expansion else []
    lexical = f"{question} {' '.join(terms)}" if terms else question
    vector = np.asarray(query_vector, dtype=np.float32)
    if terms and tuning.translation_weight:
        vector = towards(vector, embed_query(embedder, " ".join(terms)), tuning.translation_weight)
    return Expanded(question, lexical, vector)


def towards(query_vector: np.ndarray, translation: np.ndarray, weight: float) -> np.ndarray:
    """The question's vector moved towards that of its word-by-word translation."""
    mixed = np.asarray(query_vector, dtype=np.float32) + weight * np.asarray(translation, dtype=np.float32)
    return mixed / max(float(np.linalg.norm(mixed)), 1e-12)
