"""Split Chinese (and mixed-width) text into sentences, and pack them into chunks.

Offsets are into the original text: a chunk's ``text == doc.text[start:end]`` always,
so a citation can be checked against the file byte for byte after decoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .loader import Document

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


@dataclass(frozen=True)
class Chunk:
    source: str
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.source}:{self.start}-{self.end}"


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


def chunk_document(doc: Document, size: int, overlap: int) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``size`` characters.

    Consecutive chunks share their boundary sentences (up to ``overlap`` characters),
    so an answer that straddles a boundary is still whole in one chunk.
    """
    sentences: list[Span] = []
    for span in split_sentences(doc.text):
        sentences.extend(_cut_long(doc.text, span, size) if span.end - span.start > size else [span])
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1].end - sentences[i].start <= size:
            j += 1
        start, end = sentences[i].start, sentences[j].end
        chunks.append(Chunk(doc.source, start, end, doc.text[start:end]))
        if j + 1 >= len(sentences):
            break
        # Step back over trailing sentences that fit in the overlap, but always advance.
        nxt = j + 1
        while nxt - 1 > i and sentences[j].end - sentences[nxt - 1].start <= overlap:
            nxt -= 1
        i = nxt
    return chunks


def chunk_corpus(docs: list[Document], size: int, overlap: int) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, size, overlap)]
