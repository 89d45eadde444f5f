"""The answer stage's seam: an :class:`Answerer` turns a question and its passages into a
cited :class:`Answer`; the pipeline (``rag.pipeline``) neither knows nor cares which one.

Two implement it: :class:`ExtractiveAnswerer` here (no LLM: it quotes corpus sentences,
the default) and ``rag.answering.llm_answerer.LLMAnswerer`` (a LangChain chat model; its
module is imported only when an LLM is asked for, so the extractive path never loads
LangChain).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Generator, Protocol, Sequence

import numpy as np

from rag.answering import short_answer
from rag.answering.extractive import extractive_answer
from rag.config import Settings
from rag.embeddings import Embedder
from rag.records import Answer, Hit, Turn
from rag.text.lexical import CorpusStats

EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class Query:
    """A question as the answer stage receives it."""

    asked: str  # the question as the user asked it
    searched: str  # the standalone question that retrieval searched for
    vector: np.ndarray  # the embedding of ``searched``
    started: float  # time.perf_counter() when the pipeline began, for timings


class Answerer(Protocol):
    name: str  # "extractive" or the LLM's spec, recorded in Answer.llm
    streams: bool  # False: nothing is shown until the answer is final (the pipeline shows it then)

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        """The question to search for: a follow-up made to stand alone."""
        ...

    def answer(self, query: Query, hits: list[Hit]) -> Generator[str, None, Answer]:
        """Yield the answer's text as it may be shown, piece by piece (if it streams); return the Answer."""
        ...


def search_query(question: str, history: Sequence[Turn]) -> str:
    """Without an LLM to rewrite a follow-up, search on it plus the previous question."""
    return f"{history[-1].question} {question}" if history else question


class ExtractiveAnswerer:
    """Quotes the corpus sentences that answer, or abstains (``rag.answering.extractive``)."""

    name = EXTRACTIVE
    streams = False  # the answer arrives whole, led by its short answer

    def __init__(self, embedder: Embedder, stats: CorpusStats, settings: Settings) -> None:
        self.embedder, self.stats, self.settings = embedder, stats, settings

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        return search_query(question, history)

    def answer(self, query: Query, hits: list[Hit]) -> Generator[str, None, Answer]:
        return self.final(query, hits)
        yield  # a generator that yields nothing

    def final(self, query: Query, hits: list[Hit]) -> Answer:
        """The extractive answer to the searched question (the asked one plus what it follows),
        led by the short answer to the asked question when it asks for a name, a figure, a
        date or a place."""
        s = self.settings
        answer = extractive_answer(query.searched, query.vector, hits, self.embedder, self.stats,
                                   s.abstain_threshold, s.tuning)
        answer.question = query.asked
        started = time.perf_counter()
        answer.short_answer = short_answer.of_answer(query.asked, answer)
        answer.timings["short_s"] = time.perf_counter() - started  # part of answer_s
        return answer
