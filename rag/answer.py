"""The answer types, and the embedded extractive answerer (the no-LLM default).

The extractive answerer never writes a word of its own: it picks the corpus
sentences that best support the question and cites each one, or abstains when even
the best sentence is weak evidence.  Support blends meaning (sentence embedding
similarity, which also bridges English questions to Chinese text) with how much of
the question's rare vocabulary the sentence covers, and checks the answer type: a
"how much" question needs a sentence with a number, a "when" question a date.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .chunker import split_sentences
from .embeddings import Embedder
from .lexical import BM25, tokenize
from .retriever import Hit

ABSTAIN_ZH = "抱歉，语料中没有找到能回答这个问题的内容。以下是最接近的段落，供参考。"
ABSTAIN_EN = "The corpus does not contain an answer to this question. The closest passages are listed below."

_ASKS_NUMBER = re.compile(r"多少|几[个位种次年倍亿万成分比]|几比几|价格|售价|比分|how (many|much)|what (price|percentage|share|number)|parameter count", re.I)
_ASKS_DATE = re.compile(r"哪一?天|哪年|何时|什么时候|几月几[日号]|几号|\bwhen\b|what date|which (day|year)", re.I)
_HAS_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")
_HAS_DATE = re.compile(r"\d+\s*[年月日号]|[一二三四五六七八九十]+月|去年|今年|明年")
_QUESTION_END = re.compile(r"[?？]\W*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Blend of the two support signals, and the answer-type penalty (BENCHMARKS.md).
DENSE_WEIGHT = 0.5
TYPE_MISMATCH = 0.75
EXTRA_SENTENCE_RATIO = 0.92
MAX_SENTENCES = 2


@dataclass
class Citation:
    n: int
    source: str
    start: int
    end: int
    text: str
    # Absolute [start, end) spans of the sentences this answer cites inside the passage.
    quotes: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Answer:
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

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape documented in the README."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "ungrounded": self.ungrounded,
            "llm": self.llm,
            "support": round(self.support, 4),
            "citations": [{**asdict(c), "quotes": [list(q) for q in c.quotes]} for c in self.citations],
            "passages": [passage_dict(h) for h in self.passages],
            "dropped_markers": self.dropped_markers,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


def passage_dict(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {"source": c.source, "start": c.start, "end": c.end, "text": c.text,
            "score": round(hit.score, 6), "dense": round(hit.dense, 4), "lexical": round(hit.lexical, 4)}


def is_english(text: str) -> bool:
    return not _CJK.search(text)


def abstain_message(question: str) -> str:
    return ABSTAIN_EN if is_english(question) else ABSTAIN_ZH


@dataclass(frozen=True)
class Candidate:
    hit_rank: int
    start: int  # absolute offsets into the source file
    end: int
    text: str
    support: float


def _coverage(question_terms: dict[str, float], sentence: str) -> float:
    """Share of the question's IDF mass whose terms occur in the sentence."""
    total = sum(question_terms.values())
    if total == 0:
        return 0.0
    present = set(tokenize(sentence))
    return sum(w for t, w in question_terms.items() if t in present) / total


def score_sentences(question: str, query_vector: np.ndarray, hits: list[Hit],
                    embedder: Embedder, bm25: BM25) -> list[Candidate]:
    """Every sentence of the retrieved passages, scored as support for the question."""
    spans = []
    for rank, hit in enumerate(hits):
        c = hit.chunk
        for s in split_sentences(c.text):
            text = c.text[s.start : s.end]
            if len(text) >= 4:
                spans.append((rank, c.start + s.start, c.start + s.end, text))
    if not spans:
        return []
    vectors = embedder.embed([t for *_, t in spans])
    dense = vectors @ query_vector
    terms = {t: bm25.idf(t) for t in set(tokenize(question))}
    wants_number = bool(_ASKS_NUMBER.search(question))
    wants_date = bool(_ASKS_DATE.search(question))
    out = []
    for (rank, start, end, text), sim in zip(spans, dense):
        support = DENSE_WEIGHT * float(sim) + (1 - DENSE_WEIGHT) * _coverage(terms, text)
        if (wants_number and not _HAS_NUMBER.search(text)) or (wants_date and not _HAS_DATE.search(text)):
            support *= TYPE_MISMATCH
        if _QUESTION_END.search(text):  # a question in the text is not its answer
            support *= TYPE_MISMATCH
        out.append(Candidate(rank, start, end, text, support))
    return out


def extractive_answer(question: str, query_vector: np.ndarray, hits: list[Hit],
                      embedder: Embedder, bm25: BM25, threshold: float) -> Answer:
    """Answer with the best-supported corpus sentences, or abstain below ``threshold``."""
    candidates = sorted(score_sentences(question, query_vector, hits, embedder, bm25),
                        key=lambda c: -c.support)
    best = candidates[0].support if candidates else 0.0
    if best < threshold:
        return Answer(question, abstain_message(question), True, [], hits, support=best)
    chosen = [candidates[0]]
    for cand in candidates[1:]:
        if len(chosen) == MAX_SENTENCES or cand.support < EXTRA_SENTENCE_RATIO * best:
            break
        if all(cand.text != c.text for c in chosen):
            chosen.append(cand)
    citations: dict[int, Citation] = {}
    parts = []
    for cand in chosen:
        hit = hits[cand.hit_rank]
        if cand.hit_rank not in citations:
            c = hit.chunk
            citations[cand.hit_rank] = Citation(len(citations) + 1, c.source, c.start, c.end, c.text)
        cite = citations[cand.hit_rank]
        cite.quotes.append((cand.start, cand.end))
        parts.append(f"{cand.text}[{cite.n}]")
    return Answer(question, "".join(parts) if not is_english(question) else " ".join(parts),
                  False, list(citations.values()), hits, support=best)
