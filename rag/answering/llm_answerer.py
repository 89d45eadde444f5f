"""The LLM answerer: a LangChain chat model (``rag.llm.backends``) writes the answer from the
passages, its citation markers checked as they stream (``rag.answering.citations``).

With a conversation, the follow-up is first rewritten by the LLM into a standalone
question.  If that fails, retrieval still runs on the follow-up plus the previous
question, so the user sees passages with the error.
"""

from __future__ import annotations

import time
from typing import Generator, Sequence

from rag.answering.answerer import Query, search_query
from rag.answering.citations import CitationChecker
from rag.config import Settings
from rag.errors import RagError
from rag.llm.backends import ChatLLM, make_llm
from rag.llm.prompt import (
    answer_prompt,
    clean_condensed,
    condense_prompt,
    is_abstention,
    load_template,
    split_short_answer,
)
from rag.records import Answer, Hit, Turn


def condense(model: ChatLLM, question: str, history: Sequence[Turn]) -> str:
    """The follow-up ``question`` rewritten by the LLM so it stands alone (for retrieval)."""
    if not history:
        return question
    standalone = clean_condensed(model.complete(condense_prompt(question, [(t.question, t.answer) for t in history])))
    return standalone or search_query(question, history)


class LLMAnswerer:
    """One question's LLM answer (holds the condensing failure until the passages are shown)."""

    def __init__(self, spec: str, settings: Settings) -> None:
        self.name = spec
        self.template = load_template(settings.prompt_file)
        self.model = make_llm(spec, settings)
        # Under the abstain and extractive policies the answer may be replaced once its
        # claims are checked: a claim once shown cannot be taken back, so hold the text.
        self.streams = settings.llm_unsupported == "warn"
        self.failure: RagError | None = None
        self.timings: dict[str, float] = {}

    def standalone(self, question: str, history: Sequence[Turn]) -> str:
        started = time.perf_counter()
        try:
            return condense(self.model, question, history)
        except RagError as err:  # still retrieve, so the user sees passages with the error
            self.failure = err
            return search_query(question, history)
        finally:
            self.timings["condense_s"] = time.perf_counter() - started

    def answer(self, query: Query, hits: list[Hit]) -> Generator[str, None, Answer]:
        if self.failure is not None:
            raise self.failure
        checker = CitationChecker(hits)
        first_token = None
        for piece in self.model.stream(answer_prompt(query.searched, hits, self.template)):
            first_token = first_token or time.perf_counter()
            if (shown := checker.feed(piece)) and self.streams:
                yield shown
        if (tail := checker.flush()) and self.streams:
            yield tail
        checked = checker.finish()
        self.timings["first_token_s"] = (first_token or time.perf_counter()) - query.started
        short, text = split_short_answer(checked.text)
        abstained = not checked.citations and is_abstention(text)
        answer = Answer(query.asked, text, abstained, checked.citations, hits, llm=self.name,
                        ungrounded=checked.ungrounded and not abstained, dropped_markers=checked.dropped_markers,
                        short_answer=None if abstained else short)
        answer.timings.update(self.timings)
        return answer
