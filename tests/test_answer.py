"""The extractive answerer cites sentences a reader can understand on their own: a
sentence that leans on the one before it, or that only restates the question, brings
its neighbour along (passages made up here; the real default embedder)."""

from __future__ import annotations

import pytest

from rag.answer import extractive_answer
from rag.chunker import Chunk
from rag.embeddings import embed_query
from rag.lexical import BM25, tokenize
from rag.retriever import Hit


def answer(question: str, passages: list[str], embedder):
    chunks = [Chunk("docs/a.txt", 1000 * i, 1000 * i + len(p), p) for i, p in enumerate(passages)]
    bm25 = BM25.from_token_lists([tokenize(p) for p in passages])
    hits = [Hit(c, 1.0 / (i + 1), 0.5, 1.0) for i, c in enumerate(chunks)]
    return extractive_answer(question, embed_query(embedder, question), hits, embedder, bm25, threshold=0.0)


@pytest.fixture(scope="module")
def embedder(seeds_handle):
    return seeds_handle.embedder


def test_a_conclusion_is_cited_with_the_reason_before_it(embedder):
    a = answer("为什么小公司现在也能用上大模型?", [
        "云厂商去年开始给企业客户降价。开源模型的效果已经追上了闭源模型。因此,小公司现在也能用上大模型。",
        "城市里的咖啡馆越来越多。",  # off-topic: the test is about the context, not the ranking
    ], embedder)
    assert "因此,小公司现在也能用上大模型。" in a.answer
    assert "开源模型的效果已经追上了闭源模型。" in a.answer
    assert a.answer.index("开源模型") < a.answer.index("因此")  # in reading order


def test_a_sentence_that_restates_the_question_is_followed_by_the_answer(embedder):
    a = answer("银行为什么对外部大模型比较担忧?", [
        "「银行普遍对外部大模型比较担忧。」一位行业顾问说,数据一旦离开内网,就再也无法控制。",
        "很多银行在自建机房。",
    ], embedder)
    assert "数据一旦离开内网,就再也无法控制。" in a.answer


def test_context_sentences_are_quoted_from_the_passage_and_cited(embedder):
    a = answer("为什么小公司现在也能用上大模型?", [
        "开源模型的效果已经追上了闭源模型。因此,小公司现在也能用上大模型。",
    ], embedder)
    (cite,) = a.citations
    assert len(cite.quotes) == 2
    for start, end in cite.quotes:
        assert cite.text[start - cite.start:end - cite.start] + "[1]" in a.answer
