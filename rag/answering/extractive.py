"""The embedded extractive answerer (the no-LLM default): a learned model plus a few general checks.

The extractive answerer never writes a word of its own: it picks the corpus sentences
that best answer the question and cites each one, or abstains when the corpus does not
answer it.  Two learned models decide (their seams are Protocols, so either can be
replaced):

- a :class:`~rag.answering.scorer.SentenceScorer` gives every sentence of the best
  passages a probability of holding the answer;
- a :class:`~rag.answering.judge.Judge` reads the scored sentences and says whether the
  corpus answers at all (a near miss names what the corpus names but asks what it
  never says); the shipped one is a bag of three, each with its own scorer;
- a small :class:`~rag.answering.rerank.Reranker` reorders the scorer's best few with
  the short-answer span reader's opinion, to cite the sentence that holds the answer
  rather than one that restates the question.

Both are boosted trees over general signals (meaning, IDF-weighted overlap, the kind of
answer asked for and the kinds of thing a sentence holds, margins), trained on three
corpora in both scripts (benchmarks/train_answerer.py; figures in
benchmarks/sections/answerer.md).  The checks that remain, each measured there:

- a question with no word the corpus uses abstains before any model (``looks_up``);
- a bare name or term the corpus uses (``bare_term``: "Hugging Face", 大模型; no
  question form) is answered with the best sentence that holds it, whatever the judge;
- a cited sentence brings the neighbour it leans on: the sentence before one that
  refers back (因此 …, 这 …), the sentence after one that only restates the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.answering.features import Question, bare_term, looks_up
from rag.answering.judge import Judge, load_asked, load_models, load_reranker
from rag.answering.rerank import relevance
from rag.answering.scorer import SentenceScorer, candidate_sentences, sentence_cosines
from rag.embeddings import Embedder
from rag.records import Answer, Citation, Hit, passage_dict  # noqa: F401 (also importable from here)
from rag.text.lexical import CorpusStats, across_scripts, is_english, tokenize
from rag.tuning import DEFAULT_TUNING, Tuning

ABSTAIN_ZH = "抱歉，语料中没有找到能回答这个问题的内容。以下是最接近的段落，供参考。"
ABSTAIN_EN = "The corpus does not contain an answer to this question. The closest passages are listed below."

# A sentence opening with one of these leans on the sentence before it ("因此 …" gives a
# conclusion whose reason came first; "这 …" refers back), so it is cited with it.
_REFERS_BACK = re.compile(r"^\W*(?:因此|所以|因而|于是|於是|由此|为此|為此|对此|對此|这|這|此(?!外)|其中|它|他们|他們|她们|她們|他|她)")
# (Patterns for a why-question's reason and a list's items were measured and dropped:
# benchmarks/quote_context.py.)


def abstain_message(question: str) -> str:
    return ABSTAIN_EN if is_english(question) else ABSTAIN_ZH


@dataclass(frozen=True)
class Candidate:
    hit_rank: int
    start: int  # absolute offsets into the source file
    end: int
    text: str
    support: float  # how strongly it supports the question: the scorer's probability, or
    # (score_sentences) similarity blended with word coverage
    relevance: float = 0.0  # orders the candidates
    echo: bool = False  # mostly restates the question


def _novelty(sentence: str, asked: set[str]) -> float:
    """Share of the sentence's tokens that the question does not contain."""
    tokens = tokenize(sentence)
    return sum(1 for t in tokens if t not in asked) / len(tokens) if tokens else 0.0


def is_cross_lingual(question: str, bm25: CorpusStats, hits: list[Hit], tuning: Tuning = DEFAULT_TUNING) -> bool:
    """Is the question in another language than the passages it retrieved?  Either few
    of its tokens are known to the corpus, or it is English over mostly Chinese text."""
    return Question.read(question, bm25).known < tuning.cross_lingual_known or across_scripts(
        question, (h.chunk.text for h in hits))


def score_sentences(question: str, query_vector: np.ndarray, hits: list[Hit],
                    embedder: Embedder, bm25: CorpusStats, tuning: Tuning = DEFAULT_TUNING) -> list[Candidate]:
    """Every sentence of ``hits``, with its support for ``question``: similarity (on one
    scale for every embedder) blended with the IDF-weighted share of the question's words
    it holds; similarity alone across languages.  The claim check uses it to find the
    passage sentence behind an LLM's uncited sentence (rag.answering.attach), where the
    "question" is that sentence and no answer type applies."""
    cands = candidate_sentences(hits)
    if not cands:
        return []
    cos = sentence_cosines(cands, hits, query_vector, embedder)
    floor = float(getattr(embedder, "similarity_floor", 0.0))
    q = Question.read(question, bm25)
    w = 1.0 if is_cross_lingual(question, bm25, hits, tuning) else tuning.support_dense_weight
    total = sum(q.terms.values())
    out = []
    for (s, _), c in zip(cands, cos):
        tokens = set(tokenize(s.text))
        cov = sum(v for t, v in q.terms.items() if t in tokens) / total if total else 0.0
        support = w * (float(c) - floor) / (1.0 - floor) + (1 - w) * cov
        out.append(Candidate(s.hit_rank, s.start, s.end, s.text, support, support))
    return out


@dataclass(frozen=True)
class Evidence:
    """The answerer's view of one question: its candidates, best first, and the verdict."""

    candidates: list[Candidate]
    probability: float  # P(the corpus answers), from the judge
    answer: bool


def candidate_evidence(question: str, query_vector: np.ndarray, hits: list[Hit], embedder: Embedder, bm25: CorpusStats,
                       tuning: Tuning = DEFAULT_TUNING, scorer: SentenceScorer | None = None,
                       judge: Judge | None = None) -> Evidence | None:
    """Score the sentences of the best passages and judge them; ``None`` if there are none."""
    hits = hits[: tuning.answer_passages]
    cands = candidate_sentences(hits)
    if not cands:
        return None
    # the reranker learned from the shipped scorer's probabilities: another scorer's go as they are
    reranker = load_reranker() if scorer is None else None
    if scorer is None or judge is None:
        default_scorer, default_judge = load_models()
        scorer, judge = scorer or default_scorer, judge or default_judge
    asks = load_asked()
    figure = asks.figure(query_vector, embedder.name) if asks else float("nan")
    q = Question.read(question, bm25, figure)
    cos = sentence_cosines(cands, hits, query_vector, embedder)
    scored = scorer.score(q, [s for s, _ in cands], cos, hits, bm25, float(getattr(embedder, "similarity_floor", 0.0)))
    verdict = judge.judge(scored, hits, bm25)
    asked = set(tokenize(question))
    candidates = [Candidate(s.hit_rank, s.start, s.end, s.text, float(p), float(r),
                            _novelty(s.text, asked) < tuning.echo_novelty)
                  for s, p, r in zip(scored.sentences, scored.probabilities, relevance(scored, reranker))]
    candidates.sort(key=lambda c: -c.relevance)
    return Evidence(candidates, verdict.probability, verdict.answer)


def extractive_answer(question: str, query_vector: np.ndarray, hits: list[Hit],
                      embedder: Embedder, bm25: CorpusStats, threshold: float | None = None,
                      tuning: Tuning = DEFAULT_TUNING, scorer: SentenceScorer | None = None,
                      judge: Judge | None = None) -> Answer:
    """Answer with the best corpus sentences, or abstain when the judge says the corpus
    does not answer (or, if ``threshold`` is given, when its probability is below it).
    A question with nothing to look up abstains whatever the models say."""
    evidence = candidate_evidence(question, query_vector, hits, embedder, bm25, tuning, scorer, judge)
    if evidence is None:
        return Answer(question, abstain_message(question), True, [], hits, support=0.0)
    answers = evidence.answer if threshold is None else evidence.probability >= threshold
    candidates = evidence.candidates
    term = bare_term(question, bm25) if not answers else ()
    holding = [c for c in candidates if all(part in c.text.lower() for part in term)] if term else []
    if holding:  # a term, not a question: where the corpus speaks of it
        candidates = holding
    elif not answers or not looks_up(question, bm25):
        return Answer(question, abstain_message(question), True, [], hits, support=evidence.probability)
    chosen = [candidates[0]]
    for cand in candidates[1:]:
        if (len(chosen) == tuning.max_sentences
                or cand.relevance < tuning.extra_sentence_ratio * candidates[0].relevance):
            break
        if all(cand.text != c.text for c in chosen):
            chosen.append(cand)
    chosen = _with_context(chosen, candidates, hits)
    citations: dict[int, Citation] = {}
    parts = []
    for cand, rank in zip(chosen, _citing_passages(chosen, hits)):
        if rank not in citations:
            citations[rank] = Citation(len(citations) + 1, hits[rank].chunk)
        cite = citations[rank]
        cite.quotes.append((cand.start, cand.end))
        parts.append(f"{cand.text}[{cite.n}]")
    return Answer(question, "".join(parts) if not is_english(question) else " ".join(parts),
                  False, list(citations.values()), hits, support=evidence.probability)


def _with_context(chosen: list[Candidate], candidates: list[Candidate], hits: list[Hit]) -> list[Candidate]:
    """The chosen sentences, each with the neighbour it needs to be understood: the
    sentence before one that refers back; else the sentence after one that only restates
    the question (the answer follows it).

    Neighbours are looked up in the whole file as far as the retrieved passages cover
    it: overlapping passages share their sentences."""
    by_file: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_file.setdefault(hits[c.hit_rank].chunk.source, []).append(c)
    for group in by_file.values():
        group.sort(key=lambda c: c.start)
    seen: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for cand in chosen:
        group = by_file[hits[cand.hit_rank].chunk.source]
        i = next(k for k, c in enumerate(group) if c.start == cand.start)
        prev = group[i - 1] if i > 0 and _adjacent(group[i - 1], cand) else None
        nxt = group[i + 1] if i + 1 < len(group) and _adjacent(cand, group[i + 1]) else None
        before = prev if _REFERS_BACK.search(cand.text) else None
        after = nxt if before is None and cand.echo else None
        for pick in (before, cand, after):
            if pick is not None and (pick.hit_rank, pick.start) not in seen:
                seen.add((pick.hit_rank, pick.start))
                out.append(pick)
    return out


def _adjacent(a: Candidate, b: Candidate) -> bool:
    """Does ``b`` follow ``a`` in the file, with at most a line break between them?"""
    return 0 <= b.start - a.end <= 2


def _citing_passages(chosen: list[Candidate], hits: list[Hit]) -> list[int]:
    """The hit each chosen sentence is cited from: per file, the best-ranked passage that
    holds all of that file's quoted sentences, so that a reader sees them together;
    failing that, the passage the sentence was scored in."""
    out = []
    for cand in chosen:
        source = hits[cand.hit_rank].chunk.source
        quoted = [c for c in chosen if hits[c.hit_rank].chunk.source == source]
        holder = next((r for r, h in enumerate(hits)
                       if h.chunk.source == source
                       and all(h.chunk.start <= c.start and c.end <= h.chunk.end for c in quoted)), None)
        out.append(cand.hit_rank if holder is None else holder)
    return out
