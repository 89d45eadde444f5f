"""Citation checking of LLM answers: marker styles, bad markers, renumbering, streaming."""

from __future__ import annotations

import pytest

from rag.answering.citations import CitationChecker, check_citations
from rag.errors import RagError
from rag.ingest.chunker import Chunk
from rag.llm.prompt import ANSWER_PROMPT, answer_prompt, clean_condensed, condense_prompt, is_abstention, load_template
from rag.records import Hit


def hits(n: int = 4) -> list[Hit]:
    return [Hit(Chunk(f"docs/{i}.txt", 100 * i, 100 * i + 10, f"passage {i} text"), 1.0 / i, 0.5, 1.0)
            for i in range(1, n + 1)]


@pytest.mark.parametrize("marker", ["[1,3]", "[1, 3]", "[1，3]", "【1,3】", "[1][3]", "【1】【3】", "[1、3]"])
def test_every_marker_style_cites_the_same_passages(marker):
    checked = check_citations(f"甲{marker}。", hits())
    assert [c.source for c in checked.citations] == ["docs/1.txt", "docs/3.txt"]
    assert checked.text == "甲[1][2]。"
    assert not checked.dropped_markers and not checked.ungrounded


def test_citations_are_renumbered_in_order_of_first_use_and_text_rewritten():
    passages = hits()
    checked = check_citations("A[3]. B[1][3]. C【4】. D[3,1].", passages)
    assert checked.text == "A[1]. B[2][1]. C[3]. D[1][2]."
    assert [(c.n, c.source) for c in checked.citations] == [(1, "docs/3.txt"), (2, "docs/1.txt"), (3, "docs/4.txt")]
    third = passages[2].chunk
    assert (checked.citations[0].start, checked.citations[0].end, checked.citations[0].text) == \
        (third.start, third.end, third.text)


def test_markers_pointing_to_no_passage_are_dropped_and_reported():
    checked = check_citations("A[2]. B[9]. C[0]. D[2,7]. E[9].", hits(4))
    assert checked.text == "A[1]. B. C. D[1]. E."
    assert checked.dropped_markers == ["[9]", "[0]", "[7]"]
    assert [c.source for c in checked.citations] == ["docs/2.txt"]


def test_an_answer_without_a_valid_citation_is_ungrounded():
    assert check_citations("没有标注的回答。", hits()).ungrounded
    only_bad = check_citations("标注都指向不存在的段落[8]。", hits())
    assert only_bad.ungrounded and only_bad.dropped_markers == ["[8]"] and only_bad.citations == []


def test_brackets_that_are_not_markers_are_left_alone():
    text = "见[注] 和 [a, b] 以及列表 [1 2] 与【标题】[2]"
    checked = check_citations(text, hits())
    assert checked.text == "见[注] 和 [a, b] 以及列表 [1 2] 与【标题】[1]"


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_streaming_in_any_split_shows_exactly_the_final_text(size):
    answer = "\n\n甲【3】。乙[1, 3]。丙[12]。见[注]。丁[2"
    checker = CitationChecker(hits())
    shown = "".join(checker.feed(answer[i : i + size]) for i in range(0, len(answer), size))
    shown += checker.flush()
    final = checker.finish()
    assert shown.rstrip() == final.text == "甲[1]。乙[2][1]。丙。见[注]。丁[2"
    assert final.dropped_markers == ["[12]"]


def test_a_marker_is_held_back_until_it_closes():
    checker = CitationChecker(hits())
    assert checker.feed("甲[") == "甲"
    assert checker.feed("3") == ""
    assert checker.feed("]。") == "[1]。"


def test_prompt_numbers_the_passages_with_sources_and_ends_with_the_question():
    prompt = answer_prompt("入场门票多少钱?", hits(2))
    assert "[1] 来源：docs/1.txt\npassage 1 text" in prompt
    assert "[2] 来源：docs/2.txt\npassage 2 text" in prompt
    assert "问题：入场门票多少钱?" in prompt and "[n]" not in prompt and "{passages}" not in prompt


def test_prompt_file_overrides_the_template_and_must_keep_its_placeholders(tmp_path):
    assert load_template(None) == ANSWER_PROMPT
    good = tmp_path / "p.txt"
    good.write_text("Use {braces} freely.\n{passages}\nQ: {question}\nA:", encoding="utf-8")
    assert answer_prompt("why {passages}?", hits(1), load_template(good)).endswith("Q: why {passages}?\nA:")
    bad = tmp_path / "bad.txt"
    bad.write_text("no placeholders here", encoding="utf-8")
    with pytest.raises(RagError, match=r"missing placeholder\(s\) \{passages\}, \{question\}"):
        load_template(bad)
    with pytest.raises(RagError, match="cannot read"):
        load_template(tmp_path / "missing.txt")


def test_condense_prompt_carries_recent_history_without_markers():
    history = [(f"问题{i}", f"回答{i}[1][2]") for i in range(5)]
    prompt = condense_prompt("那它呢?", history)
    assert "用户：问题4" in prompt and "助手：回答4" in prompt and "问题0" not in prompt
    assert "[1]" not in prompt and "后续问题：那它呢?" in prompt


def test_condensed_question_is_cleaned_of_labels_and_quotes():
    assert clean_condensed("独立问题：“微软的入场门票是多少钱?”\n解释：……") == "微软的入场门票是多少钱?"
    assert clean_condensed("  Standalone question: What about Microsoft?") == "What about Microsoft?"


def test_abstention_is_recognised_in_either_language():
    assert is_abstention("语料中没有这个问题的答案。")
    assert is_abstention("The corpus does not contain the answer.")
    assert not is_abstention("入场门票是10亿元[1]。")
