"""Does the corpus answer this question?  A small logistic model over a few signals.

One support threshold could not tell a real answer from a *near miss*: a question
that names something the corpus mentions but asks what it never says ("奇妙元是哪一年
推出的?" next to the sentence announcing 奇妙元, with no year).  On the dev set the
best sentence of a near miss is as similar to the question as a real answer's, and
shares *more* of its words (the near miss reuses the corpus's names, a paraphrase
avoids them), so similarity and word coverage do not separate them (AUC 0.50 and
0.46).  What does:

- ``type_match``: the sentence that best matches the question's content (before any
  answer-type check) holds the kind of answer asked for — a new quantity for "多少", a
  date for "哪一年/哪一天/when".  A near miss finds its subject but not the figure.
- ``entity_coverage``: the share of the question's names and figures that the corpus
  knows (Latin words and numbers: GPT-4, Scale AI) found around the answer sentence.
  Its fitted weight is small and *negative*: paraphrases name their subject
  indirectly, near misses by name.

Signals tried and dropped (no held-out gain): best-sentence similarity, IDF coverage of
sentence and passage, rare-bigram coverage, dense/BM25 margins and agreement
(BENCHMARKS.md).  Fitted by ``python -m benchmarks.answerability``, which also reports
the leave-one-out and 5-fold figures; features are standardised with the constants in
:data:`MODEL`, so each coefficient is log-odds per standard deviation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .lexical import BM25, tokenize

if TYPE_CHECKING:
    from .answer import Candidate

FEATURES = ("entity_coverage", "type_match")

_LATIN_OR_NUMBER = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_ENGLISH_STOP = frozenset("a an the of in on at to for by with from is are was were did do does has have had be "
                          "it its this that and or as".split())
_QUESTION_WORDS = re.compile(r"为什么|为何|什么|多少|哪|几|吗|呢|如何|怎么|怎样|是否|"
                             r"\b(?:what|why|how|which|when|who|where)\b", re.I)


@dataclass(frozen=True)
class Model:
    """Standardisation and logistic coefficients, in ``FEATURES`` order."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5  # answer when P(answerable) is at least this

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(c * (features[name] - m) / s
                                 for name, m, s, c in zip(FEATURES, self.mean, self.scale, self.coef))
        return 1.0 / (1.0 + math.exp(-z))


def named_terms(question: str, bm25: BM25) -> set[str]:
    """The question's names and figures that the corpus knows: Latin words and numbers
    ("GPT-4" → gpt, 4; "Scale AI" → scale, ai), minus English question words."""
    return {t for t in tokenize(_QUESTION_WORDS.sub(" ", question))
            if _LATIN_OR_NUMBER.fullmatch(t) and t in bm25.vocab and t not in _ENGLISH_STOP}


def _context(best: "Candidate", candidates: list["Candidate"]) -> str:
    """The answer sentence with its neighbours in the same passage."""
    same = sorted((c for c in candidates if c.hit_rank == best.hit_rank), key=lambda c: c.start)
    i = next(k for k, c in enumerate(same) if c.start == best.start)
    return "".join(c.text for c in same[max(0, i - 1) : i + 2])


def features(question: str, candidates: list["Candidate"], bm25: BM25) -> dict[str, float]:
    """The signals for the answer sentence ``candidates[0]``."""
    best = candidates[0]
    # the sentence that best matches the question's content, whatever it holds: if even
    # it lacks the kind of answer asked for, the corpus likely speaks of the subject
    # without saying what is asked
    on_topic = max(candidates, key=lambda c: c.match)
    names = named_terms(question, bm25)
    context = set(tokenize(_context(best, candidates)))
    return {
        "similarity": max(c.similarity for c in candidates),
        "coverage": best.coverage,
        "entity_coverage": sum(1 for t in names if t in context) / len(names) if names else 1.0,
        "type_match": 1.0 if on_topic.type_match else 0.0,
    }


# Fitted on the 50 dev questions (python -m benchmarks.answerability); the threshold is the
# highest that keeps >= 95% of the answerable training questions answered.
MODEL = Model(mean=(0.8853, 0.84), scale=(0.2868, 0.3666), coef=(-0.241, 0.78), intercept=1.262, threshold=0.492)
