"""The extractive answerer cites sentences a reader can understand on their own: a
sentence that leans on the one before it, or that only restates the question, brings
its neighbour along (passages made up here; the real default embedder)."""

from __future__ import annotations

import pytest

from rag.answering.extractive import extractive_answer
from rag.embeddings import embed_query
from rag.ingest.chunker import Chunk
from rag.records import Hit
from rag.text.lexical import BM25, tokenize


def answer(question: str, passages: list[str], embedder, starts: list[int] | None = None):
    starts = starts or [1000 * i for i in range(len(passages))]
    chunks = [Chunk("docs/a.txt", s, s + len(p), p) for s, p in zip(starts, passages)]
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


# Two overlapping passages of one file, as the chunker makes them: the first ends with
# the first item of a list, the second holds it and the next one.
LIST_FIRST = "数据隔离背后的逻辑更为复杂。首先,模型公司进入会破坏云平台原有的数据安全体系。"
LIST_NEXT = "其次,模型公司如果不断接触客户数据,会用它们增强自己的模型。"
LIST_PASSAGES = ["云平台和模型公司的关系很微妙。" + LIST_FIRST, LIST_FIRST + LIST_NEXT + "这些都是分歧所在。"]
LIST_STARTS = [0, len("云平台和模型公司的关系很微妙。")]


def test_an_answer_that_starts_a_list_quotes_the_items_that_follow_in_one_passage(embedder):
    a = answer("平台为什么要把模型公司与客户数据隔离开?", LIST_PASSAGES, embedder, LIST_STARTS)
    assert "首先,模型公司进入会破坏云平台原有的数据安全体系。" in a.answer
    assert LIST_NEXT in a.answer
    (cite,) = a.citations  # one passage holds both items: the reader sees them together
    assert LIST_NEXT in cite.text and "首先" in cite.text


def test_a_question_for_one_figure_does_not_get_the_rest_of_a_list(embedder):
    a = answer("模型的参数量有多少?", [
        "首先是模型的参数量,达到了5620亿。其次是公司狂飙的估值。",
    ], embedder)
    assert "5620亿" in a.answer and "估值" not in a.answer
