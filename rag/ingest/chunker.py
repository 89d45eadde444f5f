"""Split Chinese (and mixed-width) text into sentences, and pack them into chunks.

Offsets are into the original text: a chunk's ``text == doc.text[start:end]`` always,
so a citation can be checked against the file byte for byte after decoding (or against
the extracted text, for PDF, Word, HTML and Markdown).  A chunk never crosses a section
boundary (a PDF page, a heading), so it carries one ``page`` or ``heading``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.loader import Document
from rag.records import Passage

# A sentence ends at a full-width terminator, at a half-width one that is not inside a
# number or identifier ("GPT-3.5", "0.002"), or at a line break.  Closing quotes and
# brackets that follow a terminator belong to the sentence they close.
_CLOSERS = "”’」』）》】\"')]"
_SENTENCE_END = re.compile(
    rf"(?:[。！？；…]+|[!?;]+|\.(?=\s|$))[{re.escape(_CLOSERS)}]*|\n+"
)
# Where an over-long sentence may be cut, best first.
_SOFT_BREAKS = re.compile(r"[，,、：:]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# A chunk is a passage as the chunker cut it and the index stores it.
Chunk = Passage


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]`` with surrounding whitespace trimmed away."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        _append_trimmed(text, pos, match.end(), spans)
        pos = match.end()
    _append_trimmed(text, pos, end, spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def _cut_long(text: str, span: Span, size: int) -> list[Span]:
    """Cut a sentence longer than ``size`` at commas where possible, else hard."""
    pieces: list[Span] = []
    start = span.start
    while span.end - start > size:
        window = text[start : start + size]
        breaks = [m.end() for m in _SOFT_BREAKS.finditer(window)]
        cut = start + (breaks[-1] if breaks and breaks[-1] > size // 3 else size)
        pieces.append(Span(start, cut))
        start = cut
    pieces.append(Span(start, span.end))
    return pieces


def sentence_units(text: str, size: int, start: int = 0, end: int | None = None) -> list[Span]:
    """The sentences of ``text[start:end]``, over-long ones cut to at most ``size`` characters.

    These are the units chunks are packed from, and the units the index embeds: a
    chunk's vector is derived from the vectors of its sentences (see ``rag.indexing.build``).
    """
    units: list[Span] = []
    for span in split_sentences(text, start, end):
        units.extend(_cut_long(text, span, size) if span.end - span.start > size else [span])
    return units


def pack(units: list[Span], size: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive units into chunks: ``[first, last)`` unit ranges.

    A chunk holds whole units up to ``size`` characters; consecutive chunks share
    their boundary units (up to ``overlap`` characters), so an answer that straddles
    a boundary is still whole in one chunk.
    """
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and units[j + 1].end - units[i].start <= size:
            j += 1
        ranges.append((i, j + 1))
        if j + 1 >= len(units):
            break
        # Step back over trailing units that fit in the overlap, but always advance.
        nxt = j + 1
        while nxt - 1 > i and units[j].end - units[nxt - 1].start <= overlap:
            nxt -= 1
        i = nxt
    return ranges


def chunk_units(doc: Document, size: int, overlap: int) -> tuple[list[Span], list[Chunk], list[tuple[int, int]]]:
    """Sentence units, chunks, and each chunk's ``[first, last)`` range of units.

    Sections (pages, headings) are chunked one at a time, so no chunk spans two.
    """
    units: list[Span] = []
    chunks: list[Chunk] = []
    ranges: list[tuple[int, int]] = []
    for start, end, page, heading in _segments(doc):
        first = len(units)
        units.extend(sentence_units(doc.text, size, start, end))
        for a, b in pack(units[first:], size, overlap):
            a, b = a + first, b + first
            ranges.append((a, b))
            chunks.append(Chunk(doc.source, units[a].start, units[b - 1].end,
                                doc.text[units[a].start : units[b - 1].end], page, heading))
    return units, chunks, ranges


def _segments(doc: Document) -> list[tuple[int, int, int | None, str | None]]:
    """``(start, end, page, heading)`` of each section; text before the first has neither."""
    bounds = [(s.start, s.page, s.heading) for s in doc.sections]
    if not bounds or bounds[0][0] > 0:
        bounds.insert(0, (0, None, None))
    ends = [b[0] for b in bounds[1:]] + [len(doc.text)]
    return [(start, end, page, heading) for (start, page, heading), end in zip(bounds, ends) if end > start]


def chunk_document(doc: Document, size: int, overlap: int) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``size`` characters.

    Consecutive chunks share their boundary sentences (up to ``overlap`` characters),
    so an answer that straddles a boundary is still whole in one chunk.
    """
    return chunk_units(doc, size, overlap)[1]


def chunk_corpus(docs: list[Document], size: int, overlap: int) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, size, overlap)]
