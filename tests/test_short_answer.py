"""Short answers: the words of the cited sentence that answer a factoid question, shown first."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rag.answering.short_answer import best_span, read_question, short_answer
from rag.app.cli import cli
from rag.app.html import answer_html
from rag.config import Settings
from rag.evaluate import Question, evaluate, span_em, span_f1
from rag.indexing.handle import Handle
from rag.llm.prompt import ANSWER_PROMPT, split_short_answer
from rag.pipeline import ask
from rag.records import Answer, Citation, Passage


def test_a_figure_question_is_answered_by_the_figure_with_its_unit() -> None:
    assert short_answer("嘉兴南站有几条线？", ["嘉兴南站是沪杭高铁的车站，设有4个站台和8条线。"]) == "8条线"
    sentence = "业界普遍认为，进入大模型这个行业的入场门票是 10 亿元人民币。"
    fee = short_answer("业界普遍认为进入大模型这个行业的入场门票是多少钱？", [sentence])
    assert fee in ("10 亿元", "10 亿元人民币"), "the figure with its unit, spaces as the sentence has them"
    sentence = "OpenAI是一家总部位于美国旧金山的人工智能研究公司，由山姆·奥特曼等人于2015年创立。"
    assert short_answer("OpenAI是哪一年创立的？", [sentence]) == "2015年"


def test_a_date_question_is_answered_by_the_date() -> None:
    sentence = "谷歌于2023年2月6日发布了聊天机器人Bard，以回应微软的新必应。"
    assert short_answer("谷歌的Bard是在哪一年发布的？", [sentence]) == "2023年"
    when = short_answer("谷歌的Bard是什么时候发布的？", [sentence])
    assert when is not None and when.startswith("2023年") and "2023年2月6日".startswith(when)


def test_a_name_question_is_answered_by_the_name_in_either_script() -> None:
    assert short_answer("谁是美国第一任总统？", ["乔治·华盛顿是美国第一任总统。"]) == "乔治·华盛顿"
    assert short_answer("誰是美國第一任總統？", ["喬治·華盛頓是美國第一任總統。"]) == "喬治·華盛頓"
    sentence = "OpenAI是一家总部位于美国旧金山的人工智能研究公司，由山姆·奥特曼等人于2015年创立。"
    assert short_answer("OpenAI是谁创立的？", [sentence]) == "山姆·奥特曼"


def test_a_why_question_gets_no_short_answer() -> None:
    sentence = "由于大气中的分子对短波长的蓝光散射更强，所以晴朗的天空看起来是蓝色的。"
    assert read_question("为什么天空是蓝色的？").kind == "why"
    assert short_answer("为什么天空是蓝色的？", [sentence]) is None
    assert short_answer("天空为何是蓝色的？", [sentence]) is None
    assert short_answer("Why is the sky blue?", [sentence]) is None


def test_a_how_to_question_keeps_the_sentence() -> None:
    assert short_answer("如何提高大模型的推理速度？", ["通过量化和蒸馏，可以把大模型的推理速度提高三倍以上。"]) is None


def test_called_as_what_is_not_a_why_question() -> None:
    assert read_question("赛里木湖被誉为什么？").kind == "what"


def test_the_span_comes_from_the_cited_sentences_with_its_offsets() -> None:
    sentences = ["魔音工坊是出门问问推出的配音工具。", "它支持37种语言和方言。"]
    span = best_span("魔音工坊支持多少种语言和方言？", sentences)
    assert span is not None and span.sentence == 1
    assert sentences[1][span.start : span.end] == span.text == "37种"
    spaced = best_span("魔音工坊支持多少种语言和方言？", ["它支持 37 种语言和方言。"])
    assert spaced is not None and spaced.text == "37 种", "spaces read past, and given back"


def _cited(text: str, abstained: bool = False) -> Answer:
    passage = Passage("docs/a.txt", 0, len(text), text)
    citations = [] if abstained else [Citation(1, passage, [(0, len(text))])]
    return Answer("q", "语料中没有答案。" if abstained else f"{text}[1]", abstained, citations, [])


def test_an_abstention_has_no_short_answer_and_the_json_has_the_key() -> None:
    abstained = _cited("", abstained=True)
    abstained.short_answer = "should not show"
    assert abstained.to_dict()["short_answer"] is None
    answered = _cited("业界普遍认为入场门票是10亿元。")
    answered.short_answer = "10亿元"
    data = answered.to_dict()
    assert data["short_answer"] == "10亿元"
    assert list(data)[:2] == ["question", "short_answer"]


def test_the_answer_html_leads_with_the_short_answer_and_marks_it_in_the_sentence() -> None:
    answer = _cited("业界普遍认为入场门票是10亿元。")
    answer.short_answer = "10亿元"
    html = answer_html(answer, 1)
    assert html.index('<div class="rag-short">10亿元</div>') < html.index("业界普遍认为")
    assert '<mark class="rag-span">10亿元</mark>' in html
    assert 'href="#rag-t1-s1"' in html
    answer.short_answer = None
    assert "rag-short" not in answer_html(answer, 1)


def test_cmrc_scoring_ignores_punctuation_and_takes_the_best_gold() -> None:
    assert span_em("《十七岁不哭》。", ["十七岁不哭"]) == 1.0
    assert span_f1("4分钟", ["约4分钟", "4分钟"]) == 1.0
    assert span_f1("若游戏中离，则4分钟内不得进行配对", ["4分钟"]) == pytest.approx(2 * (3 / 16) / (1 + 3 / 16))
    assert span_f1("", ["4分钟"]) == 0.0


def test_question_files_with_and_without_golds_are_read(tmp_path) -> None:
    from rag.errors import RagError
    from rag.evaluate import read_questions

    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "几条线?", "evidence": "8条线"}\n'
                    '{"id": "b", "question": "几条线?", "evidence": "8条线", "golds": ["8条线", "8条"]}\n',
                    encoding="utf-8")
    assert [q.golds for q in read_questions(path)] == [(), ("8条线", "8条")]
    path.write_text('{"id": "c", "question": "几条线?", "golds": "8条线"}\n', encoding="utf-8")
    with pytest.raises(RagError, match="not a question record"):
        read_questions(path)


def test_the_prompt_asks_for_the_short_answer_first_and_it_is_read_back() -> None:
    assert "简答：" in ANSWER_PROMPT
    assert split_short_answer("简答：2023年2月\n谷歌于2023年2月发布了Bard[1]。") == (
        "2023年2月", "谷歌于2023年2月发布了Bard[1]。")
    assert split_short_answer("谷歌于2023年2月发布了Bard[1]。") == (None, "谷歌于2023年2月发布了Bard[1]。")


def test_the_llm_short_answer_is_claim_checked() -> None:
    from rag.answering.claims import verify

    cited = {1: "谷歌于2023年2月发布了Bard。"}
    assert verify("谷歌发布了Bard[1]。", cited, list(cited.values()), lead="2024年3月").unsupported == ["2024年3月"]
    assert verify("谷歌发布了Bard[1]。", cited, list(cited.values()), lead="2023年2月").unsupported == []


def test_ask_leads_a_factoid_answer_with_its_words_and_eval_scores_them(seeds_handle: Handle) -> None:
    question = "业界普遍认为进入大模型这个行业的入场门票是多少钱？"
    answer = ask(seeds_handle, question)
    assert not answer.abstained
    assert answer.short_answer is not None and "10" in answer.short_answer
    assert answer.short_answer in answer.answer.replace(" ", "") or answer.short_answer in answer.answer
    report = evaluate([Question("q1", question, "fact", None, "10 亿元", ("10 亿元人民币",))],
                      lambda q: ask(seeds_handle, q))
    row = report["results"][0]
    assert row["short_answer"] == answer.short_answer
    assert 0.0 < row["short_f1"] <= 1.0
    assert "short_f1" in report["metrics"]["overall"]


def test_rag_ask_json_has_the_short_answer(seeds_settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["ask", "魔音工坊支持多少种语言和方言？", "--corpus", str(seeds_settings.corpus),
                                      "--index", str(seeds_settings.index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "short_answer" in data
    assert data["short_answer"] and "37" in data["short_answer"]
