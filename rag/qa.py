"""Question → answer: the library calls every entry point (CLI, UI, tests) uses.

:func:`stream` is the one path: it yields the retrieved passages first, then text
deltas, then the final cited :class:`Answer`.  :func:`ask` drains it.  The UI and
``rag ask`` render the same events, so they cannot disagree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator, Sequence

from .answer import Answer, extractive_answer
from .errors import RagError
from .handle import Handle
from .retriever import Hit, Mode, retrieve


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str


@dataclass(frozen=True)
class Retrieved:
    question: str  # the standalone question actually searched for
    passages: list[Hit]


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Delta | Done


def check_question(question: str, max_chars: int) -> str:
    """Reject questions we cannot answer sensibly, with the reason, before any work."""
    question = (question or "").strip()
    if not question:
        raise RagError("the question is empty: ask something about the corpus")
    if len(question) > max_chars:
        raise RagError(f"the question is {len(question):,} characters long; the limit is "
                       f"{max_chars:,} (set max_question_chars to change it)")
    return question


def search_query(question: str, history: Sequence[Turn]) -> str:
    """Without an LLM to rewrite a follow-up, search on it plus the previous question."""
    return f"{history[-1].question} {question}" if history else question


def stream(handle: Handle, question: str, *, history: Sequence[Turn] = (),
           top_k: int | None = None, mode: Mode = "hybrid") -> Iterator[Event]:
    """Answer ``question`` (a follow-up of ``history``), yielding events as they happen."""
    s = handle.settings
    question = check_question(question, s.max_question_chars)
    t0 = time.perf_counter()
    query = search_query(question, history)
    query_vector = handle.embedder.embed([query])[0]
    t1 = time.perf_counter()
    hits = retrieve(handle.index, handle.embedder, query, s, top_k, mode, query_vector)
    t2 = time.perf_counter()
    yield Retrieved(query, hits)
    answer = extractive_answer(query, query_vector, hits, handle.embedder, handle.index.bm25,
                               s.abstain_threshold)
    answer.question = question
    t3 = time.perf_counter()
    answer.timings = {"embed_s": t1 - t0, "retrieve_s": t2 - t1, "answer_s": t3 - t2, "total_s": t3 - t0}
    yield Delta(answer.answer)
    yield Done(answer)


def ask(handle: Handle, question: str, *, history: Sequence[Turn] = (),
        top_k: int | None = None, mode: Mode = "hybrid") -> Answer:
    """Answer ``question`` with citations (the non-streaming form of :func:`stream`)."""
    for event in stream(handle, question, history=history, top_k=top_k, mode=mode):
        if isinstance(event, Done):
            return event.answer
    raise AssertionError("stream() ended without a Done event")
