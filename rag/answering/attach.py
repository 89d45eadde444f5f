"""Cite an LLM answer's uncited sentences: find the passage sentence that supports each.

Small models often answer correctly and cite nothing.  Rather than call such an
answer "ungrounded" and leave the reader to search, each uncited sentence is scored
against every sentence of the retrieved passages with the extractive answerer's own
scoring (:func:`rag.answering.extractive.score_sentences`, the sentence in the role of the
question, embedded together with the question it answers), and gets a marker for the best-supported passage sentence, provided that
support reaches :data:`ATTACH_SUPPORT` (and :data:`ATTACH_OWN_SUPPORT` for the
sentence alone, so that filler does not borrow the question's relevance) and that the passage holds the sentence's
figures, dates and names (:mod:`rag.answering.claims`).  A sentence nothing supports stays
uncited, and its claims are then checked against all the passages.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from rag.answering import extractive
from rag.answering.claims import split_answer, supported_by
from rag.embeddings import Embedder, embed_query
from rag.records import Citation, Hit
from rag.text.lexical import CorpusStats
from rag.tuning import DEFAULT_TUNING, Tuning

# Support (0.8 × similarity + 0.2 × coverage) a passage sentence needs to be cited for
# an answer sentence, read with its question and read alone.  With the question, a
# short answer ("13亿美金。", alone 0.47) is found (the dev set's uncited replays, e5:
# the evidence for 34 of 38, a wrong passage for none, benchmarks/sections/claims.md),
# but filler ("根据资料。", "这一句的标注指向不存在的段落。") inherits the question's
# similarity and reaches 0.50–0.53; alone it scores at most 0.23, the dev answers at
# least 0.29.
ATTACH_SUPPORT = 0.5
ATTACH_OWN_SUPPORT = 0.25
MIN_SENTENCE_CHARS = 4  # "是的。" supports nothing


def attach_citations(text: str, citations: Sequence[Citation], hits: Sequence[Hit], embedder: Embedder,
                     stats: CorpusStats, question: str = "",
                     tuning: Tuning = DEFAULT_TUNING) -> tuple[str, list[Citation], list[int]]:
    """``text`` with markers added to the sentences it can support, the citations (the
    existing ones first, same numbers), and the numbers of the markers added."""
    cites = [replace(c, quotes=list(c.quotes)) for c in citations]
    todo = [s for s in split_answer(text) if not s.cites and len(s.plain) >= MIN_SENTENCE_CHARS]
    if not todo or not hits:
        return text, cites, []
    by_passage = {(c.source, c.start): c for c in cites}
    # A short answer ("13亿美金。") means little alone: the sentence is embedded as the
    # answer to the question (question + sentence); its words, claims and type are its own.
    marks: list[tuple[int, int]] = []  # (offset in text, citation number)
    attached: list[int] = []
    for sentence in todo:
        with_question = embed_query(embedder, f"{question} {sentence.plain}".strip())
        candidates = sorted(extractive.score_sentences(sentence.plain, with_question, list(hits),
                                                       embedder, stats, tuning),
                            key=lambda c: -c.support)
        alone = {(c.hit_rank, c.start): c.support for c in extractive.score_sentences(
            sentence.plain, embed_query(embedder, sentence.plain), list(hits), embedder, stats, tuning)}
        best = next((c for c in candidates if c.support >= ATTACH_SUPPORT
                     and alone.get((c.hit_rank, c.start), 0.0) >= ATTACH_OWN_SUPPORT
                     and supported_by(sentence.plain, hits[c.hit_rank].chunk.text, question)), None)
        if best is None:
            continue
        chunk = hits[best.hit_rank].chunk
        cite = by_passage.get((chunk.source, chunk.start))
        if cite is None:
            cite = Citation(len(cites) + 1, chunk)
            cites.append(cite)
            by_passage[(chunk.source, chunk.start)] = cite
        if (best.start, best.end) not in cite.quotes:
            cite.quotes.append((best.start, best.end))
        if cite.n not in attached:
            attached.append(cite.n)
        marks.append((sentence.start + len(sentence.text.rstrip()), cite.n))
    for at, n in reversed(marks):
        text = f"{text[:at]}[{n}]{text[at:]}"
    return text, cites, attached
