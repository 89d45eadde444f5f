"""Question → answer: the library calls every entry point (CLI, UI, tests) uses.

:func:`stream` is the one path: it yields the retrieved passages first, then text
deltas, then the final cited :class:`Answer`.  :func:`ask` drains it.  The UI and
``rag ask`` render the same events, so they cannot disagree.

The answerer is the extractive one (no LLM, the default) or a LangChain chat model
named by the ``llm`` setting.  With an LLM, a follow-up question is first rewritten
into a standalone one by the LLM, the answer streams token by token, and its citation
markers are checked against the passages (:mod:`rag.answering.citations`).  Then its claims
are: uncited sentences get the citation of the passage sentence that supports them
(:mod:`rag.answering.attach`), and figures, dates and names that no cited passage holds are
reported (:mod:`rag.answering.claims`) and handled as the ``llm_unsupported`` setting says:
``warn`` shows the answer with them, ``abstain`` answers that the corpus does not say,
``extractive`` answers with the extractive answerer instead.  Under the last two the
LLM's text is held back until it is checked (a claim once shown cannot be taken back),
so it arrives in one piece.  LLM modules are imported only on that path, so the
extractive default never loads LangChain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from rag.answering import short_answer
from rag.answering.extractive import abstain_message, extractive_answer
from rag.config import Settings
from rag.embeddings import embed_query
from rag.errors import RagError
from rag.indexing.handle import Handle
from rag.records import Answer, Hit
from rag.retrieve.retriever import Mode, retrieve

if TYPE_CHECKING:
    import numpy as np

    from rag.llm.backends import ChatLLM

EXTRACTIVE = "extractive"


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
        raise RagError("the question holds bytes that are not UTF-8 text: check the terminal's "
                       "encoding (LANG / LC_ALL) and ask again") from None
    if not question:
        raise RagError("the question is empty: ask something about the corpus")
    if len(question) > max_chars:
        raise RagError(f"the question is {len(question):,} characters long; the limit is "
                       f"{max_chars:,} (set max_question_chars to change it)")
    return question


def search_query(question: str, history: Sequence[Turn]) -> str:
    """Without an LLM to rewrite a follow-up, search on it plus the previous question."""
    return f"{history[-1].question} {question}" if history else question


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


def stream(handle: Handle, question: str, *, history: Sequence[Turn] = (),
           top_k: int | None = None, mode: Mode = "hybrid", llm: str | None = None) -> Iterator[Event]:
    """Answer ``question`` (a follow-up of ``history``), yielding events as they happen.

    ``llm`` picks the answerer for this call (``None``: the ``llm`` setting).  If the LLM
    fails, :class:`RagError` is raised after :class:`Retrieved`, so callers can still
    show the passages.
    """
    s = handle.settings
    question = check_question(question, s.max_question_chars)
    spec = (llm or s.llm).strip()
    if spec != EXTRACTIVE:
        yield from _stream_llm(handle, question, history, top_k, mode, spec)
        return
    t0 = time.perf_counter()
    query = search_query(question, history)
    query_vector = embed_query(handle.embedder, query)
    t1 = time.perf_counter()
    hits = retrieve(handle.index, handle.embedder, query, s, top_k, mode, query_vector)
    t2 = time.perf_counter()
    yield Retrieved(query, hits)
    answer = extractive(handle, question, query, query_vector, hits)
    t3 = time.perf_counter()
    answer.timings = {"embed_s": t1 - t0, "retrieve_s": t2 - t1, "answer_s": t3 - t2,
                      "short_s": answer.timings.get("short_s", 0.0), "total_s": t3 - t0}
    if answer.short_answer:
        yield Short(answer.short_answer)
    yield Delta(answer.answer)
    yield Done(answer)


def extractive(handle: Handle, question: str, query: str, query_vector: np.ndarray, hits: list[Hit]) -> Answer:
    """The extractive answer to ``query`` (``question`` plus what it follows), led by the
    short answer to ``question`` when it asks for a name, a figure, a date or a place."""
    s = handle.settings
    answer = extractive_answer(query, query_vector, hits, handle.embedder, handle.index.stats,
                               s.abstain_threshold, s.tuning)
    answer.question = question
    t = time.perf_counter()
    answer.short_answer = short_answer.of_answer(question, answer)
    answer.timings["short_s"] = time.perf_counter() - t  # part of answer_s
    return answer


def condense(model: ChatLLM, question: str, history: Sequence[Turn]) -> str:
    """The follow-up ``question`` rewritten by the LLM so it stands alone (for retrieval)."""
    from rag.llm.prompt import clean_condensed, condense_prompt

    if not history:
        return question
    standalone = clean_condensed(model.complete(condense_prompt(question, [(t.question, t.answer) for t in history])))
    return standalone or search_query(question, history)


def _stream_llm(handle: Handle, question: str, history: Sequence[Turn], top_k: int | None,
                mode: Mode, spec: str) -> Iterator[Event]:
    from rag.answering.citations import CitationChecker
    from rag.llm.backends import make_llm
    from rag.llm.prompt import answer_prompt, is_abstention, load_template, split_short_answer

    s = handle.settings
    template = load_template(s.prompt_file)
    model = make_llm(spec, s)
    t0 = time.perf_counter()
    failure: RagError | None = None
    try:
        query = condense(model, question, history)
    except RagError as err:  # still retrieve, so the user sees passages with the error
        failure, query = err, search_query(question, history)
    t1 = time.perf_counter()
    query_vector = embed_query(handle.embedder, query)
    hits = retrieve(handle.index, handle.embedder, query, s, top_k, mode, query_vector)
    t2 = time.perf_counter()
    yield Retrieved(query, hits)
    if failure is not None:
        raise failure
    checker = CitationChecker(hits)
    first_token = None
    hold = s.llm_unsupported != "warn"  # the policy may replace the answer: show it checked
    for piece in model.stream(answer_prompt(query, hits, template)):
        first_token = first_token or time.perf_counter()
        shown = checker.feed(piece)
        if shown and not hold:
            yield Delta(shown)
    tail = checker.flush()
    if tail and not hold:
        yield Delta(tail)
    checked = checker.finish()
    t3 = time.perf_counter()
    short, text = split_short_answer(checked.text)
    abstained = not checked.citations and is_abstention(text)
    answer = Answer(question, text, abstained, checked.citations, hits, llm=spec,
                    ungrounded=checked.ungrounded and not abstained, dropped_markers=checked.dropped_markers,
                    short_answer=None if abstained else short)
    if not abstained:
        answer = check_claims(handle, answer, query, query_vector)
    t4 = time.perf_counter()
    answer.timings = {"condense_s": t1 - t0, "retrieve_s": t2 - t1, "first_token_s": (first_token or t3) - t0,
                      "answer_s": t3 - t2, "claims_s": t4 - t3, "total_s": t4 - t0}
    if hold and answer.short_answer and not answer.abstained:
        yield Short(answer.short_answer)
    if hold and answer.answer:
        yield Delta(answer.answer)
    yield Done(answer)


def check_claims(handle: Handle, answer: Answer, query: str, query_vector: np.ndarray) -> Answer:
    """Attach citations to the LLM answer's uncited sentences, find the claims no cited
    passage holds, and apply the ``llm_unsupported`` policy to them."""
    from rag.answering.attach import attach_citations
    from rag.answering.claims import verify

    s = handle.settings
    hits = answer.passages
    text, citations, attached = attach_citations(answer.answer, answer.citations, hits, handle.embedder,
                                                 handle.index.stats, query, s.tuning)
    found = verify(text, {c.n: c.text for c in citations}, [h.chunk.text for h in hits], query,
                   lead=answer.short_answer or "")
    answer.answer, answer.citations, answer.attached_citations = text, citations, attached
    answer.ungrounded = not citations
    answer.unsupported_claims = found.unsupported
    if not found.unsupported:
        answer.claim_check = "supported"
        return answer
    if s.llm_unsupported == "warn":
        answer.claim_check = "warned"
        return answer
    if s.llm_unsupported == "abstain":
        replaced = Answer(answer.question, abstain_message(answer.question), True, [], hits, llm=answer.llm)
    else:
        replaced = extractive(handle, answer.question, query, query_vector, hits)
        replaced.llm = answer.llm
    replaced.unsupported_claims = found.unsupported
    replaced.claim_check = "abstained" if s.llm_unsupported == "abstain" else "extractive"
    replaced.llm_answer = answer.answer
    replaced.dropped_markers = answer.dropped_markers
    return replaced


def ask(handle: Handle, question: str, *, history: Sequence[Turn] = (),
        top_k: int | None = None, mode: Mode = "hybrid", llm: str | None = None) -> Answer:
    """Answer ``question`` with citations (the non-streaming form of :func:`stream`)."""
    return Reader().final(stream(handle, question, history=history, top_k=top_k, mode=mode, llm=llm))
