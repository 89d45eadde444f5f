"""The answer layer reads what kind of answer a question asks for from its embedding, in
any language or script, without a list of interrogatives; with an embedder it did not
learn from, it says it does not know (the real default embedder and the shipped weights).
It is a prior beside the interrogative list, not its replacement: a count of things
("這座車站有幾條路線?") reads 0.3-0.5, and the list still says 幾 asks how many."""

from __future__ import annotations

import math

import pytest

from rag.answering.judge import load_asked
from rag.embeddings import embed_query


@pytest.fixture(scope="module")
def embedder(seeds_handle):
    return seeds_handle.embedder


def figure(question: str, embedder, embedder_name: str | None = None) -> float:
    """P(the question asks for a figure), as the shipped reader reads its vector."""
    asked = load_asked()
    assert asked is not None, "answerer.npz holds no asked-kind reader"
    return asked.figure(embed_query(embedder, question), embedder_name or embedder.name)


@pytest.mark.parametrize("question", [
    "业界认为做大模型的入场门票是多少钱?",
    "GPT-3是哪一年发布的?",
    "How much did AWS invest in its generative AI innovation center?",
])
def test_a_question_after_an_amount_a_count_or_a_date_asks_for_a_figure(embedder, question):
    assert figure(question, embedder) > 0.5


@pytest.mark.parametrize("question", [
    "谁是美国第一任总统?",
    "為什麼企業擔心把數據交給外部大模型?",
    "Who founded Hugging Face?",
])
def test_a_question_after_a_name_or_a_reason_does_not(embedder, question):
    assert figure(question, embedder) < 0.5


def test_another_embedders_vectors_read_as_unknown(embedder):
    assert math.isnan(figure("业界认为做大模型的入场门票是多少钱?", embedder, "use:multilingual-v3"))
