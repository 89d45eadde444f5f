"""The browser chat's HTML and turn logic, without a server (rag.app.html, rag.app.chat)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from rag import pipeline as qa
from rag.answering.extractive import Answer, Citation
from rag.app.chat import ChatEngine, Conversation, example_questions, llm_choices
from rag.app.html import (
    answer_html,
    corpus_html,
    esc,
    highlight,
    link_markers,
    report_html,
    sources_html,
    sources_title,
    user_html,
)
from rag.config import Settings
from rag.errors import RagError
from rag.indexing.handle import Handle
from rag.ingest.chunker import Chunk
from rag.pipeline import Delta, Done, Retrieved, Turn
from rag.records import Hit
from rag.stores.faiss import read_manifest
from rag.stores.manifest import BuildReport
from tests.conftest import ROOT, make_settings


def hit(source: str, start: int, text: str) -> Hit:
    return Hit(Chunk(source, start, start + len(text), text), 0.5, 0.5, 1.0)


# ---------------------------------------------------------------- escaping and markers

def test_text_is_escaped_and_kept_on_one_line() -> None:
    out = esc('<script>alert("x")</script>\n\n*not markdown*\r\n$1$')
    assert "<script>" not in out and "&lt;script&gt;" in out and "&quot;" in out
    assert "\n" not in out and out.count("<br>") == 2


def test_valid_markers_link_to_their_turns_sources_and_others_stay_text() -> None:
    out = link_markers("A[1]. B[2,3]. C【4】. D[9]. <b>", turn=3, valid={1, 2, 3, 4})
    assert re.findall(r'href="#(rag-t3-s\d)"', out) == ["rag-t3-s1", "rag-t3-s2", "rag-t3-s3", "rag-t3-s4"]
    assert '<span class="rag-marker">[9]</span>' in out
    assert "&lt;b&gt;" in out


def test_streaming_markers_are_not_links() -> None:
    assert "href" not in link_markers("partial answer[1]", 1, ())


def test_highlight_marks_quotes_at_file_offsets_and_merges_overlaps() -> None:
    # the passage starts at file offset 100
    out = highlight("甲乙丙<丁>戊己", 100, [(101, 103), (102, 104), (106, 107)])
    assert out == '甲<mark class="rag-quote">乙丙&lt;</mark>丁&gt;<mark class="rag-quote">戊</mark>己'


def test_a_long_question_is_not_echoed_in_full() -> None:
    out = user_html("长" * 100_000)
    assert len(out) < 1_000 and "100,000 characters" in out


# ---------------------------------------------------------------- answers and sources

def cited_answer(corpus: Path) -> Answer:
    text = (corpus / "a.txt").read_text(encoding="utf-8")
    start = text.index("业界")
    end = text.index("。", start) + 1
    passage = hit("docs/a.txt", 0, text)
    other = hit("docs/c.txt", 0, "亚马逊占有 48.9% 的市场份额。")
    citation = Citation(1, passage.chunk, [(start, end)])
    return Answer("门票多少钱？", text[start:end] + "[1]", False, [citation], [passage, other])


def test_sources_show_file_lines_and_the_cited_sentence_highlighted(small_corpus: Path) -> None:
    answer = cited_answer(small_corpus)
    html = sources_html(answer, small_corpus, turn=2)
    assert '<div class="rag-source" id="rag-t2-s1">' in html
    assert '<span class="rag-file">docs/a.txt</span>' in html
    assert '<span class="rag-lines">lines 1–2</span>' in html
    assert re.search(r'<mark class="rag-quote">业界普遍认为入场门票是10亿元人民币。</mark>', html)
    assert '<summary>1 more retrieved passage</summary>' in html and "48.9%" in html
    assert 'href="#rag-t2-s1"' in answer_html(answer, turn=2)


def test_abstention_says_so_and_shows_the_closest_passages(small_corpus: Path) -> None:
    passages = [hit("docs/c.txt", 0, "亚马逊占有 48.9% 的市场份额。")]
    answer = Answer("天气？", "抱歉，语料中没有找到能回答这个问题的内容。", True, [], passages)
    assert "Not in the corpus" in answer_html(answer, 1)
    html = sources_html(answer, small_corpus, 1)
    assert "48.9%" in html and "rag-quote" not in html and 'id="' not in html


def test_ungrounded_and_dropped_markers_are_flagged(small_corpus: Path) -> None:
    answer = Answer("q", "An answer without evidence [7].", False, [], [], ungrounded=True,
                    dropped_markers=["[7]"])
    html = answer_html(answer, 1)
    assert "cites no passage" in html and "pointed to no passage: [7]" in html


def test_unsupported_claims_and_attached_citations_are_shown_beside_the_answer() -> None:
    cite = Citation(1, Chunk("docs/a.txt", 0, 7, "门票是10亿元"))
    warned = Answer("q", "门票是5620亿元[1]。", False, [cite], [], unsupported_claims=["5620亿"],
                    attached_citations=[1], claim_check="warned")
    html = answer_html(warned, 1)
    assert "do not hold: 5620亿" in html and "Citations [1] were added by rag" in html
    withheld = Answer("q", "抱歉，语料中没有找到能回答这个问题的内容。", True, [], [], unsupported_claims=["5620亿"],
                      claim_check="abstained", llm_answer="参数量是<b>5620亿</b>[1]。")
    html = answer_html(withheld, 1)
    assert "Not in the corpus" in html and "withheld: the passages do not hold 5620亿" in html
    assert "&lt;b&gt;5620亿&lt;/b&gt;" in html  # the model's text is escaped


def test_corpus_view_lists_indexed_files_with_chunk_counts(seeds_settings: Settings) -> None:
    manifest = read_manifest(seeds_settings.index)
    html = corpus_html(manifest, seeds_settings.index)
    for source, entry in manifest.files.items():
        assert f"<td title=\"{source}\">{Path(source).name}</td><td>{entry.chunks}</td>" in html
    assert f"{len(manifest.files)} files, {sum(e.chunks for e in manifest.files.values())} chunks" in html


def test_build_report_names_the_changes() -> None:
    report = BuildReport(4, 40, 1.5, ["docs/new.txt"], [], ["docs/old.txt"], ["docs/a.txt"], [], 12)
    html = report_html(report)
    assert "4 files, 40 chunks" in html and "added 1 (new.txt)" in html and "removed 1 (old.txt)" in html
    assert "Embedded 12 chunks, reused 28" in html


# ---------------------------------------------------------------- choices and examples

def test_llm_choices_start_with_the_setting_and_keep_extractive(tmp_path: Path) -> None:
    s = make_settings(tmp_path, tmp_path, llm="ollama:qwen2.5", llm_choices=("openai:gpt-4o-mini", "ollama:qwen2.5"))
    assert llm_choices(s) == ["ollama:qwen2.5", "openai:gpt-4o-mini", "extractive"]


def test_example_questions_are_answered_from_seeds(seeds_handle: Handle) -> None:
    questions = example_questions(read_manifest(seeds_handle.settings.index))
    assert len(questions) >= 3
    for question in questions:
        answer = qa.ask(seeds_handle, question)
        assert not answer.abstained and answer.citations, question


def test_examples_of_another_corpus_are_hidden(small_corpus: Path, tmp_path: Path) -> None:
    from rag.indexing.handle import rebuild

    rebuild(make_settings(small_corpus, tmp_path / "index"))
    assert example_questions(read_manifest(tmp_path / "index")) == []


# ---------------------------------------------------------------- chat turns

def fake_stream(*events: qa.Event | Exception):
    def stream(handle, question, *, history=(), llm=None) -> Iterator[qa.Event]:
        for event in events:
            if isinstance(event, Exception):
                raise event
            yield event
    return stream


def last(engine: ChatEngine, message: str, conv: Conversation | None = None) -> tuple[list[Conversation], Conversation]:
    steps = list(engine.respond(message, conv or Conversation(), "extractive", 5))
    return steps, steps[-1]


def test_llm_failure_mid_stream_shows_the_error_and_the_passages(seeds_settings: Settings) -> None:
    passages = [hit("seeds/x.txt", 0, "一段检索到的文字。")]
    engine = ChatEngine(seeds_settings, fake_stream(Retrieved("q", passages), Delta("部分"),
                                                    RagError("LLM openai:m at http://x failed: timed out")))
    earlier = Conversation([{"role": "user", "content": "old"}], [Turn("old", "answer")])
    steps, end = last(engine, "问题？", earlier)
    assert any("rag-streaming" in m["content"] for s in steps for m in s.messages)  # the partial text showed
    contents = [m["content"] for m in end.messages]
    assert contents[0] == "old" and "rag-error" in contents[2] and "timed out" in contents[2]
    assert "一段检索到的文字" in contents[3] and "error above" in end.messages[3]["metadata"]["title"]
    assert end.turns == earlier.turns, "a failed turn is not history"


def test_an_unexpected_bug_ends_the_turn_with_an_error_not_a_stuck_chat(seeds_settings: Settings) -> None:
    _, end = last(ChatEngine(seeds_settings, fake_stream(ValueError("boom"))), "问题？")
    assert "internal error (ValueError: boom)" in end.messages[-1]["content"]


def test_done_adds_the_turn_with_the_plain_answer(seeds_settings: Settings) -> None:
    found = hit("seeds/x.txt", 0, "答案。")
    answer = Answer("问题？", "答案[1]", False, [Citation(1, found.chunk, [(0, 2)])], [found])
    steps, end = last(ChatEngine(seeds_settings, fake_stream(Retrieved("问题？", answer.passages),
                                                             Delta("答案[1]"), Done(answer))), "问题？")
    assert "Searching" in steps[0].messages[-1]["content"]
    assert end.turns == [Turn("问题？", "答案[1]")]
    assert end.messages[2]["metadata"]["title"].startswith("Sources: 1 cited of 1 retrieved")


def test_rag_ask_does_not_import_gradio() -> None:
    code = "import sys, rag.app.cli, rag.pipeline, rag.app.chat, rag.app.html; sys.exit('gradio' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# ---------------------------------------------------------------- language

def test_chinese_when_the_browser_ranks_chinese_first_english_otherwise() -> None:
    from rag.app.i18n import language

    assert language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert language("en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert language("en;q=0.5, zh-TW;q=0.9") == "zh"  # ranked by q, not by position
    assert language("fr-FR,fr;q=0.9") == "en"
    assert language(None) == "en" and language("") == "en" and language("zh;q=oops,en") == "en"


def test_every_text_has_both_languages_and_the_same_fields() -> None:
    from string import Formatter

    from rag.app.i18n import PAGE_KEYS, TEXT, gradio_translations

    for key, (english, chinese) in TEXT.items():
        fields = [{f for _, f, _, _ in Formatter().parse(text) if f} for text in (english, chinese)]
        assert english and chinese and fields[0] == fields[1], key
    translations = gradio_translations()
    assert set(translations["zh-CN"]) == set(translations["en"]) == set(PAGE_KEYS)


def test_the_answer_and_its_sources_render_in_chinese(small_corpus: Path) -> None:
    answer = cited_answer(small_corpus)
    html = sources_html(answer, small_corpus, turn=1, lang="zh")
    assert '<span class="rag-lines">第 1 行</span>' in html and ">查看全文</a>" in html and "另外 1 段检索结果" in html
    shown = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b(lines?|chars|show all|more retrieved)\b", shown), shown
    assert 'title="来源 1"' in answer_html(answer, 1, lang="zh")
    assert sources_title(answer, 1.25, "zh") == "来源：引用 1 段，共检索 2 段 · extractive · 1.2 秒"


# ---------------------------------------------------------------- the whole file

def test_a_whole_file_link_round_trips_source_offsets_and_quotes() -> None:
    from rag.app.html import file_link, parse_file_link
    from rag.records import Passage

    link = file_link(Passage("docs/子目录/a b&c.txt", 10, 40, "…"), [(12, 20), (25, 30)])
    assert link.startswith("#rag-file?") and " " not in link
    assert parse_file_link(link + "&click=3") == ("docs/子目录/a b&c.txt", 10, 40, [(12, 20), (25, 30)])


def test_whole_file_shows_the_file_with_the_passage_marked(small_corpus: Path, tmp_path: Path) -> None:
    from rag.app.chat import IndexPanel
    from rag.app.html import file_link
    from rag.indexing.handle import rebuild
    from rag.records import Passage

    settings = make_settings(small_corpus, tmp_path / "index")
    rebuild(settings)
    text = (small_corpus / "a.txt").read_text(encoding="utf-8")
    start = text.index("业界")
    end = text.index("。", start) + 1
    view = IndexPanel(settings).whole_file(file_link(Passage("docs/a.txt", start, end, text[start:end]),
                                                     [(start, end)]))
    assert f'<span id="rag-file-span" class="rag-file-span"><mark class="rag-quote">{text[start:end]}</mark></span>' in view
    assert re.sub(r"<[^>]+>", "", view.split('class="rag-file-body">', 1)[1]) == text  # the whole file, as is
    assert "line 1" in view


def test_whole_file_refuses_files_outside_the_index(small_corpus: Path, tmp_path: Path) -> None:
    from rag.app.chat import IndexPanel
    from rag.app.html import file_link
    from rag.indexing.handle import rebuild
    from rag.records import Passage

    settings = make_settings(small_corpus, tmp_path / "index")
    rebuild(settings)
    (tmp_path / "secret.txt").write_text("password", encoding="utf-8")
    panel = IndexPanel(settings)
    for source in ("docs/../secret.txt", "secret.txt", "/etc/passwd", f"{tmp_path.name}/secret.txt"):
        view = panel.whole_file(file_link(Passage(source, 0, 4, "")), "zh")
        assert "rag-error" in view and "不在这个索引里" in view and "password" not in view, source
    assert "rag-error" in panel.whole_file("#rag-file?start=oops")


def test_whole_file_says_so_when_the_file_changed_since_indexing(small_corpus: Path, tmp_path: Path) -> None:
    from rag.app.chat import IndexPanel
    from rag.app.html import file_link
    from rag.indexing.handle import rebuild
    from rag.records import Passage

    settings = make_settings(small_corpus, tmp_path / "index")
    rebuild(settings)
    (small_corpus / "c.txt").write_text("短。", encoding="utf-8")
    view = IndexPanel(settings).whole_file(file_link(Passage("docs/c.txt", 10, 30, "x")))
    assert "The file changed since it was indexed" in view and "短。" in view
