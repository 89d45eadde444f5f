"""The answerer cites the sentence that holds the answer, not the one that best restates
the question: a reranker reorders the scorer's best few sentences with the span reader's
opinion of each and each one's signals beside the others' (the shipped trees).  It only
reorders: whether to answer is the judge's call, and sentences it did not read stay below
the ones it did."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answering.features import SENTENCE_FEATURES, Question, Sentence
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


def alike(n: int) -> np.ndarray:
    """Sentence signals of ``n`` candidates that differ in nothing but the two readers' views."""
    return np.zeros((n, len(SENTENCE_FEATURES)))


def test_a_close_second_whose_words_read_as_the_answer_is_cited_first(reranker):
    p = reranker.probabilities(np.array([0.60, 0.55, 0.20]), np.array([-2.0, 7.0, NAN]), alike(3))
    assert p[1] > p[0]


def test_a_clear_lead_of_the_scorer_stands_against_a_middling_span(reranker):
    p = reranker.probabilities(np.array([0.95, 0.10, 0.05]), np.array([3.0, 5.0, NAN]), alike(3))
    assert p[0] > p[1]


def test_more_confidence_from_either_reader_never_lowers_a_sentence(reranker):
    probs, spans = np.array([0.6, 0.5, 0.4]), np.array([2.0, 2.0, 2.0])
    base = reranker.probabilities(probs, spans, alike(3))
    for more in (0.5, 3.0, 8.0):
        assert reranker.probabilities(probs, spans + np.array([0.0, more, 0.0]), alike(3))[1] >= base[1]
    for more in (0.05, 0.2, 0.35):
        assert reranker.probabilities(probs + np.array([0.0, more, 0.0]), spans, alike(3))[1] >= base[1]
    # and enough of it raises the sentence
    assert reranker.probabilities(probs + np.array([0.0, 0.35, 0.0]), spans + np.array([0.0, 8.0, 0.0]),
                                  alike(3))[1] > base[1]


def test_a_sentence_covering_more_of_the_question_than_the_others_rises(reranker):
    """The reranker reads each signal beside the best of the few: the same sentence, its
    coverage of the question raised above the others', is more likely the answer."""
    probs, spans = np.array([0.6, 0.55, 0.5]), np.array([2.0, 2.0, 2.0])
    rows = alike(3)
    base = reranker.probabilities(probs, spans, rows)[1]
    rows[:, SENTENCE_FEATURES.index("cov")] = 0.4
    rows[1, SENTENCE_FEATURES.index("cov")] = 0.9
    assert reranker.probabilities(probs, spans, rows)[1] > base


def scored(probabilities: list[float]) -> Scored:
    """Candidates with the given scorer probabilities and no span read (English question)."""
    q = Question("Who?", {}, frozenset(), {}, True, 1.0, "")
    sentences = [Sentence(0, 10 * i, 10 * i + 9, f"Sentence {i}.") for i in range(len(probabilities))]
    return Scored(q, sentences, alike(len(probabilities)), np.array(probabilities))


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
