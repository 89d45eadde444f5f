"""Retrieval and answer quality on the dev set, with the offline default embedder.

The figures and how the settings were chosen (cross-validated, not fitted to single
questions) are in BENCHMARKS.md; these tests hold the line of issue 2 and check that
fusing the two halves is worth it.
"""

from __future__ import annotations

import pytest

from rag.evaluate import evaluate, read_questions
from rag.indexing.handle import Handle
from rag.pipeline import ask

from .conftest import DEV_SET


@pytest.fixture(scope="module")
def reports(seeds_handle: Handle) -> dict[str, dict]:
    questions = read_questions(DEV_SET)
    return {mode: evaluate(questions, lambda q, m=mode: ask(seeds_handle.with_settings(top_k=10), q, mode=m))["metrics"]["overall"]
            for mode in ("hybrid", "dense", "lexical")}


@pytest.mark.parametrize("half", ["dense", "lexical"])
def test_hybrid_beats_each_half_alone(reports, half):
    hybrid, alone = reports["hybrid"], reports[half]
    assert hybrid["mrr@10"] > alone["mrr@10"], (hybrid, alone)
    assert hybrid["hit@5"] >= alone["hit@5"], (hybrid, alone)
    assert hybrid["hit@5"] + hybrid["mrr@10"] > alone["hit@5"] + alone["mrr@10"]


def test_the_dev_set_figures_hold(reports):
    """The line held on the 50 dev questions with the learned answer layer (hit@5 0.947,
    MRR@10 0.865, cited 0.842, answered 0.868, 8 of 12 near misses abstained on; the rule
    chain it replaced, fitted to these articles, reached cited 0.895, answered 1.0, 11 of 12).
    Thirty-eight answerable and twelve near misses are a small sample: one question moves a
    figure by 0.026 or 0.083, and an inconsequential retrain (an all-zero column deleted)
    moved the near misses between 7 and 9.  The layer is judged on 5-fold and
    leave-one-corpus-out figures over 364 answerable and 141 near-miss seeds questions
    (benchmarks/sections/answerer.md): the retrain that added the span model's signal and
    dropped three detectors took dev from 35 to 34 answered and 34 to 32 cited, while in
    5-fold CV seeds near misses went 0.546 -> 0.582 and answered 0.860 -> 0.843.  Training on
    other corpora's questions as off-topic negatives traded one answered dev question (34 ->
    33) for one near miss (7 -> 8 of 12), cited unchanged, while 5-fold CV on seeds moved
    answered 0.849 -> 0.854 and near misses 0.546 -> 0.553.  This line catches a broken
    layer, not a point of noise."""
    m = reports["hybrid"]
    assert m["hit@5"] >= 0.92, m
    assert m["mrr@10"] >= 0.82, m
    assert m["cited_evidence"] >= 0.84, m
    assert m["answered"] >= 0.86, m  # 33 of 38 answerable questions answered, not abstained on
    assert m["abstained_unanswerable"] >= 0.66, m  # 8 of 12 near misses (figures are rounded to 4 places)


@pytest.mark.parametrize("question", [
    "红烧肉怎么做才好吃？",
    "How do I bake sourdough bread at home?",
    "明天北京的天气怎么样？",
])
def test_off_topic_questions_abstain(seeds_handle, question):
    answer = ask(seeds_handle, question)
    assert answer.abstained, (answer.support, answer.answer)
    assert answer.citations == [] and answer.passages  # still lists the closest passages


def test_answers_quote_the_corpus_and_use_stored_sentence_vectors(seeds_handle):
    class NoEmbedding:
        """Answering must not embed anything beyond the question: sentences are stored."""

        name, dim = seeds_handle.embedder.name, seeds_handle.embedder.dim

        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def embed(self, texts):
            self.calls.append(list(texts))
            return seeds_handle.embedder.embed(texts)

        def embed_query(self, text):
            self.calls.append([text])
            return seeds_handle.embedder.embed_query(text)

    spy = NoEmbedding()
    handle = Handle(seeds_handle.settings, spy, seeds_handle.index)  # type: ignore[arg-type]
    answer = ask(handle, "微软给Microsoft 365 Copilot定的价格是多少?")
    assert spy.calls == [["微软给Microsoft 365 Copilot定的价格是多少?"]]
    assert not answer.abstained and "30 美元" in answer.answer
    for c in answer.citations:
        for a, b in c.quotes:
            assert c.start <= a < b <= c.end
            assert c.text[a - c.start : b - c.start] in answer.answer
