"""What the claim check (rag.answering.claims) calls a claim, and when a passage holds it."""

from __future__ import annotations

import pytest

from rag.answering.claims import chinese_number, extract_claims, quantities, split_answer, supported_by, verify

PASSAGE = ("业界普遍认为这个行业入场门票是10 亿元人民币。Hugging Face 上拥有超过 27 万的模型,超过四万八千个数据集。"
           "每 1 亿参数对应训练成本 1.5 到 3 万人民币。北京时间3月15日凌晨,OpenAI宣告了GPT-4的诞生。"
           "占有 48.9% 市场份额的亚马逊。谷歌正在用 Youtube 的视频数据训练 Gemini。而国内则是重商业化的“功利教育”。")


def unsupported(answer: str, passage: str = PASSAGE, question: str = "") -> list[str]:
    return verify(answer, {1: passage}, [passage], question).unsupported


@pytest.mark.parametrize("answer", [
    "入场门票是10亿元[1]。",  # the passage writes "10 亿"
    "入场门票约十亿元人民币[1]。",
    "门票是1000000000元[1]。",
    "超过27万个模型和4.8万个数据集[1]。",
    "每亿参数的训练成本是1.5万到3万元人民币[1]。",  # the range's 万 applies to both ends
    "亚马逊的份额是４８.９％[1]。",  # full width
    "GPT-4诞生于3月15日[1]。",
    "用YouTube的视频训练Gemini[1]。",  # case
    "被称作“功利教育”[1]。",
])
def test_a_true_claim_written_differently_is_supported(answer):
    assert unsupported(answer) == []


@pytest.mark.parametrize("answer,claim", [
    ("GPT-4的参数量是5620亿[1]。", "5620亿"),
    ("入场门票是12亿元[1]。", "12亿"),
    ("GPT-4诞生于3月16日[1]。", "3月16日"),
    ("用YouTube的视频训练Gemini Ultra[1]。", "Ultra"),
    ("它被称作《精英教育》[1]。", "精英教育"),
    ("李彦宏宣布了这个消息[1]。", "李彦宏"),
])
def test_a_claim_the_passage_does_not_hold_is_reported_as_written(answer, claim):
    assert unsupported(answer) == [claim]


def test_a_sentence_is_checked_against_the_passages_it_cites_only():
    cited = {1: "入场门票是10亿元人民币。", 2: "亚马逊占有48.9%的市场份额。"}
    answer = "入场门票是10亿元[1]。亚马逊占有48.9%的份额[1]。"
    assert verify(answer, cited, list(cited.values())).unsupported == ["亚马逊", "48.9%"]
    assert verify("亚马逊占有48.9%的份额[2]。", cited, list(cited.values())).unsupported == []


def test_an_uncited_sentence_is_checked_against_every_passage():
    texts = ["入场门票是10亿元人民币。", "亚马逊占有48.9%的市场份额。"]
    assert verify("亚马逊占有48.9%的份额，门票10亿元。", {}, texts).unsupported == []
    assert verify("亚马逊占有49%的份额。", {}, texts).unsupported == ["49%"]


def test_what_the_question_says_is_not_the_answers_claim():
    question = "GPT-5的参数量是多少?"
    assert unsupported("GPT-5的参数量是5620亿[1]。", question=question) == ["5620亿"]


def test_each_claim_is_reported_once_in_answer_order():
    assert unsupported("门票是12亿[1]。后来涨到12亿，再到99万[1]。") == ["12亿", "99万"]


@pytest.mark.parametrize("numeral,value", [("四万八千", 48000), ("两", 2), ("十五", 15), ("一百零五", 105),
                                           ("五千六百二十亿", 562_000_000_000), ("二〇二三", 2023), ("十亿", 1e9)])
def test_chinese_numerals_are_read_as_numbers(numeral, value):
    assert chinese_number(numeral) == value


def test_words_that_contain_numerals_are_not_quantities():
    assert quantities("百度的负责人说千万不要统一口径，这是一个例子") == []
    assert quantities("GPT-4 和 RT-2 以及 GPT3.5") == []
    assert [v for _, v in quantities("仅用两个月就有了1,000,000个用户")] == [2, 1_000_000]


def test_claim_kinds():
    kinds = {(c.text, c.kind) for c in extract_claims("2016年，谷歌的AlphaGo以4:1战胜李世石，《自然》报道了它。")}
    assert {("2016年", "date"), ("AlphaGo", "latin"), ("4", "quantity"), ("1", "quantity"),
            ("自然", "title")} <= kinds


def test_answer_sentences_keep_their_markers():
    sentences = split_answer("门票是10亿元[1]。GPT-3.5很强。[2][3]最后一句")
    assert [(s.plain, s.cites) for s in sentences] == [("门票是10亿元。", [1]), ("GPT-3.5很强。", [2, 3]),
                                                       ("最后一句", [])]


def test_supported_by_needs_every_claim_of_the_sentence():
    assert supported_by("门票10亿元，份额48.9%。", PASSAGE)
    assert not supported_by("门票10亿元，份额50%。", PASSAGE)
