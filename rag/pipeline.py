"""Question → answer: the library calls every entry point (CLI, UI, tests) uses.

:func:`stream` is the one path, a line of typed stages::

    standalone question → retrieve (rag.retrieve) → rerank → answer → claim policy

It yields the retrieved passages first, then text deltas, then the final cited
:class:`Answer`; :func:`ask` drains it.  The UI and ``rag ask`` render the same events, so
they cannot disagree.

The answer stage is an :class:`~rag.answering.answerer.Answerer`: the extractive one (no
LLM, the default) or a LangChain chat model named by the ``llm`` setting
(``rag.answering.llm_answerer``: it rewrites a follow-up into a standalone question and
checks the citation markers as the answer streams).  The claim policy
(``rag.answering.claim_policy``) then checks an LLM answer's claims against its passages
and applies the ``llm_unsupported`` setting.  A :class:`Reranker` may reorder the passages
between retrieval and answering; by default none does.  LLM modules are imported only
on that path, so the extractive default never loads LangChain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Generator, Iterable, Iterator, Protocol, Sequence

from rag.answering.answerer import EXTRACTIVE, Answerer, ExtractiveAnswerer, Query
from rag.answering.claim_policy import ClaimPolicy
from rag.config import Settings
from rag.embeddings import embed_query
from rag.errors import QuestionRefused, RagError
from rag.indexing.handle import Handle
from rag.records import Answer, Hit, Turn
from rag.retrieve.retriever import Mode, retrieve

__all__ = ["EXTRACTIVE", "Turn", "Retrieved", "Short", "Delta", "Done", "Event", "Reader", "Reranker", "NoReranking",
           "stream", "ask", "check_question", "check_answerer"]


@dataclass(frozen=True)
class Retrieved:
    question: str  # the standalone question actually searched for
    passages: list[Hit]


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Short:
    """The short answer, sent before the answer text it leads."""

    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Short | Delta | Done


@dataclass
class Reader:
    """What a stream of events has delivered so far: the one place that reads the events.

    The CLI prints :attr:`delta`, the UI redraws from :attr:`text`, and both fall back to
    :attr:`passages` when the answerer fails after retrieval.
    """

    passages: list[Hit] = field(default_factory=list)
    text: str = ""  # the answer text streamed so far
    delta: str = ""  # what the latest event added to it
    short: str | None = None  # the short answer, once sent
    answer: Answer | None = None

    def read(self, events: Iterable[Event]) -> Iterator[Reader]:
        """Take in ``events``, yielding this reader after each; errors from the stream propagate.

        Raises :class:`RagError` if the stream ends without an answer.
        """
        for event in events:
            self.delta = ""
            if isinstance(event, Retrieved):
                self.passages = event.passages
            elif isinstance(event, Short):
                self.short = event.text
            elif isinstance(event, Delta):
                self.delta = event.text
                self.text += event.text
            elif isinstance(event, Done):
                self.answer = event.answer
            yield self
        if self.answer is None:
            raise RagError("the answerer stopped without an answer; try again")

    def final(self, events: Iterable[Event]) -> Answer:
        """Read ``events`` to the end and return the answer."""
        for _ in self.read(events):
            pass
        assert self.answer is not None  # read() raised otherwise
        return self.answer


def check_question(question: str, max_chars: int) -> str:
    """Reject questions we cannot answer sensibly, with the reason, before any work."""
    question = (question or "").strip()
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes from the terminal or argv arrive as surrogates
        raise QuestionRefused("the question holds bytes that are not UTF-8 text: check the terminal's "
                       "encoding (LANG / LC_ALL) and ask again") from None
    if not question:
        raise QuestionRefused("the question is empty: ask something about the corpus")
    if len(question) > max_chars:
        raise QuestionRefused(f"the question is {len(question):,} characters long; the limit is "
                       f"{max_chars:,} (set max_question_chars to change it)")
    return question


def check_answerer(settings: Settings, llm: str | None = None) -> str:
    """The answerer ``llm`` (or the setting) names, checked before any slow work.

    Catches a malformed spec, a missing provider package, a missing API key and an
    unusable prompt file in milliseconds, instead of after loading the index.
    """
    spec = (llm or settings.llm).strip()
    if spec != EXTRACTIVE:
        from rag.llm.backends import resolve_backend
        from rag.llm.prompt import load_template

        resolve_backend(spec, settings)
        load_template(settings.prompt_file)
    return spec


class Reranker(Protocol):
    """Reorders (or filters) the retrieved passages before the answer stage sees them."""

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]: ...


class NoReranking:
    """The default: the fused retrieval order stands (no offline reranker with its weights
    is on PyPI; BENCHMARKS.md)."""

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        return hits


NO_RERANKING = NoReranking()


def answerer_for(handle: Handle, spec: str) -> Answerer:
    if spec == EXTRACTIVE:
        return ExtractiveAnswerer(handle.embedder, handle.index.stats, handle.settings)
    from rag.answering.llm_answerer import LLMAnswerer

    return LLMAnswerer(spec, handle.settings)


def stream(handle: Handle, question: str, *, history: Sequence[Turn] = (), mode: Mode = "hybrid",
           llm: str | None = None, reranker: Reranker = NO_RERANKING) -> Iterator[Event]:
    """Answer ``question`` (a follow-up of ``history``), yielding events as they happen.

    ``llm`` picks the answerer for this call (``None``: the ``llm`` setting); how many
    passages are retrieved is the ``top_k`` setting.  If the LLM fails, :class:`RagError`
    is raised after :class:`Retrieved`, so callers can still show the passages.
    """
    s = handle.settings
    question = check_question(question, s.max_question_chars)
    answerer = answerer_for(handle, (llm or s.llm).strip())
    t0 = time.perf_counter()
    searched = answerer.standalone(question, history)
    t1 = time.perf_counter()
    query = Query(question, searched, embed_query(handle.embedder, searched), t0)
    t2 = time.perf_counter()
    hits = reranker.rerank(searched, retrieve(handle.index, handle.embedder, searched, s, mode, query.vector))
    t3 = time.perf_counter()
    yield Retrieved(searched, hits)
    answer = yield from _deltas(answerer.answer(query, hits))
    t4 = time.perf_counter()
    answer = ClaimPolicy(ExtractiveAnswerer(handle.embedder, handle.index.stats, s)).apply(answer, query, hits)
    t5 = time.perf_counter()
    claims = {"claims_s": t5 - t4} if answerer.name != EXTRACTIVE else {}
    answer.timings = {**answer.timings, "embed_s": t2 - t1, "retrieve_s": t3 - t2, "answer_s": t4 - t3,
                      **claims, "total_s": t5 - t0}
    if not answerer.streams:  # the final text, led by its short answer
        if answer.short_answer and not answer.abstained:
            yield Short(answer.short_answer)
        if answer.answer:
            yield Delta(answer.answer)
    yield Done(answer)


def _deltas(pieces: Generator[str, None, Answer]) -> Generator[Event, None, Answer]:
    """The answer stage's streamed text as :class:`Delta` events; then its answer."""
    while True:
        try:
            piece = next(pieces)
        except StopIteration as done:
            return done.value
        yield Delta(piece)


def ask(handle: Handle, question: str, *, history: Sequence[Turn] = (), mode: Mode = "hybrid",
        llm: str | None = None) -> Answer:
    """Answer ``question`` with citations (the non-streaming form of :func:`stream`)."""
    return Reader().final(stream(handle, question, history=history, mode=mode, llm=llm))
