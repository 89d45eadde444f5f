"""The answerer cites the sentence that holds the answer, not the one that best restates
the question: a small reranker reorders the scorer's best few sentences with the span
reader's opinion of each (the shipped weights).  It only reorders: whether to answer is
the judge's call, and sentences it did not read stay below the ones it did."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answering.features import Question, Sentence
from rag.answering.judge import load_reranker
from rag.answering.rerank import RERANK_K, Reranker, relevance
from rag.answering.scorer import Scored

from .test_answer import answer

NAN = float("nan")


@pytest.fixture(scope="module")
def reranker() -> Reranker:
    r = load_reranker()
    assert r is not None, "answerer.npz holds no reranker"
    return r


def test_a_close_second_whose_words_read_as_the_answer_is_cited_first(reranker):
    p = reranker.probabilities(np.array([0.60, 0.55, 0.20]), np.array([-2.0, 7.0, NAN]))
    assert p[1] > p[0]


def test_a_clear_lead_of_the_scorer_stands_against_a_middling_span(reranker):
    p = reranker.probabilities(np.array([0.95, 0.10, 0.05]), np.array([3.0, 5.0, NAN]))
    assert p[0] > p[1]


def test_more_confidence_from_either_reader_never_lowers_a_sentence(reranker):
    probs, spans = np.array([0.6, 0.5, 0.4]), np.array([2.0, 2.0, 2.0])
    base = reranker.probabilities(probs, spans)
    assert reranker.probabilities(probs, spans + np.array([0.0, 3.0, 0.0]))[1] > base[1]
    assert reranker.probabilities(probs + np.array([0.0, 0.3, 0.0]), spans)[1] > base[1]


def scored(probabilities: list[float]) -> Scored:
    """Candidates with the given scorer probabilities and no span read (English question)."""
    q = Question("Who?", {}, frozenset(), {}, True, 1.0, "")
    sentences = [Sentence(0, 10 * i, 10 * i + 9, f"Sentence {i}.") for i in range(len(probabilities))]
    return Scored(q, sentences, np.zeros((len(probabilities), 1)), np.array(probabilities))


def test_sentences_below_the_reranked_few_stay_below_them(reranker):
    rel = relevance(scored([0.9 - 0.05 * i for i in range(RERANK_K + 3)]), reranker)
    top, rest = rel[:RERANK_K], rel[RERANK_K:]
    assert rest.max() < top.min()


def test_without_a_reranker_the_scorers_order_stands():
    probs = [0.2, 0.9, 0.5]
    assert relevance(scored(probs), None).tolist() == probs


def test_a_who_question_cites_the_sentence_naming_who_over_one_restating_the_question(seeds_handle):
    a = answer("谁创立了这家公司?", [
        "这家公司是谁创立的,很多人并不清楚。公司由张三在北京创立,后来搬到了上海。",
        "城市里的咖啡馆越来越多。",  # off-topic: the test is about the choice of sentence
    ], seeds_handle.embedder)
    assert a.answer.startswith("公司由张三在北京创立")
