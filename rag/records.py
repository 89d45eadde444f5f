"""The records every answerer returns and every shell shows: passages, citations, answers.

They live apart from the answerers so that the LLM path, the CLI and the UI need not
import the extractive answerer (and numpy) to name them.  One :class:`Passage` is the
span record everywhere: the chunker cuts passages (``Chunk`` is this class), a
:class:`Citation` points at one, and the UI renders one; none re-declares
``source/start/end/text``.  Importing this module imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def location_label(page: int | None, heading: str | None) -> str | None:
    """How a person names the place: ``p. 3`` for a PDF page, else the heading path."""
    if page is not None:
        return f"p. {page}"
    return heading or None


@dataclass(frozen=True)
class Passage:
    """A span of a corpus file: ``text == file_text[start:end]``, offsets in characters,
    where ``file_text`` is what the loader produced (the decoded file for ``.txt``, the
    extracted text for PDF, Word, HTML and Markdown: ``rag.ingest.loader.load_document``).

    ``source`` is the file's path relative to the corpus folder's parent (``seeds/x.txt``).
    """

    source: str
    start: int
    end: int
    text: str
    page: int | None = None  # PDF page (1-based)
    heading: str | None = None  # heading path, "第一章 > 背景" (Word, HTML, Markdown)

    @property
    def id(self) -> str:
        return f"{self.source}:{self.start}-{self.end}"

    @property
    def location(self) -> str | None:
        """``p. 3`` or the heading path; ``None`` for plain text."""
        return location_label(self.page, self.heading)


@dataclass(frozen=True)
class Hit:
    chunk: Passage
    score: float  # fused score used for ranking
    dense: float  # similarity of question and passage (chunk and best-sentence cosines)
    lexical: float  # BM25 score (0 when no term matched)
    # The passage's sentences as absolute (start, end) spans, and their unit vectors, so
    # the answerer need not embed them again.  Empty for hits built by hand.
    sentences: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    sentence_vectors: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass
class Citation:
    """Citation ``[n]`` of an answer: the passage it points at, and the sentences quoted from it."""

    n: int
    passage: Passage
    # Absolute [start, end) spans of the cited sentences inside the passage (the
    # extractive answerer quotes sentences; an LLM cites whole passages: empty).
    quotes: list[tuple[int, int]] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.passage.source

    @property
    def start(self) -> int:
        return self.passage.start

    @property
    def end(self) -> int:
        return self.passage.end

    @property
    def text(self) -> str:
        return self.passage.text

    @property
    def page(self) -> int | None:
        return self.passage.page

    @property
    def heading(self) -> str | None:
        return self.passage.heading

    @property
    def location(self) -> str | None:
        return self.passage.location

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {"n": self.n, "source": self.source, "start": self.start, "end": self.end, "text": self.text,
                "quotes": [list(q) for q in self.quotes], "page": p.page, "heading": p.heading,
                "location": p.location}


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str


@dataclass
class Answer:
    """What ``rag ask`` answers: the text with ``[n]`` markers, its citations, and the evidence."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    passages: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)
    llm: str = "extractive"
    ungrounded: bool = False
    support: float = 0.0
    dropped_markers: list[str] = field(default_factory=list)
    # The LLM answer's claim check (rag.answering.claims): figures, dates and names no cited
    # passage holds; citation numbers rag attached to uncited sentences; how the
    # llm_unsupported policy decided (None for the extractive answerer); and the LLM's
    # own answer when the policy replaced it.
    unsupported_claims: list[str] = field(default_factory=list)
    attached_citations: list[int] = field(default_factory=list)
    claim_check: str | None = None
    llm_answer: str | None = None
    # The words that answer a factoid question (a name, a figure, a date, a place), shown
    # before the cited sentences; None for a reason or an explanation, and when abstaining.
    short_answer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape documented in the README."""
        return {
            "question": self.question,
            "short_answer": None if self.abstained else self.short_answer,
            "answer": self.answer,
            "abstained": self.abstained,
            "ungrounded": self.ungrounded,
            "llm": self.llm,
            "support": round(self.support, 4),
            "citations": [c.to_dict() for c in self.citations],
            "passages": [passage_dict(h) for h in self.passages],
            "dropped_markers": self.dropped_markers,
            "unsupported_claims": self.unsupported_claims,
            "attached_citations": self.attached_citations,
            "claim_check": self.claim_check,
            "llm_answer": self.llm_answer,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


def passage_dict(hit: Hit) -> dict[str, Any]:
    """A retrieved passage in the JSON output: the span and its scores."""
    c = hit.chunk
    return {"source": c.source, "start": c.start, "end": c.end, "text": c.text,
            "page": c.page, "heading": c.heading, "location": c.location,
            "score": round(hit.score, 6), "dense": round(hit.dense, 4), "lexical": round(hit.lexical, 4)}
