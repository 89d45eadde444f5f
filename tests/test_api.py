"""The public Python API (``import rag``): its names, that importing it is light, and that it works.

Changing this list is changing the library's contract: do it on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rag
from rag.errors import RagError
from rag.pipeline import Delta, Done, Reader, Retrieved
from rag.text.markers import MARKER
from tests.conftest import ROOT

PUBLIC = {
    "__version__",
    "open_index", "ask", "stream", "evaluate_questions",
    "Answer", "Citation", "Passage", "Hit",
    "Turn", "Retrieved", "Delta", "Done", "Event", "Reader",
    "Handle", "Settings", "load_settings", "RagError",
}
HEAVY = ("numpy", "torch", "gradio", "langchain", "langchain_core", "faiss", "sentence_transformers")


def _imported_after(code: str) -> set[str]:
    """Top-level packages imported by a fresh interpreter running ``code``."""
    probe = f"import sys; {code}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return set(run.stdout.split())


def test_the_public_names_are_exactly_these_and_each_resolves() -> None:
    assert set(rag.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(rag, name) is not None
    assert set(dir(rag)) >= PUBLIC
    assert rag.Answer is __import__("rag.answering.extractive", fromlist=["Answer"]).Answer  # the old import path still works
    with pytest.raises(AttributeError):
        rag.no_such_thing  # noqa: B018


def test_import_rag_and_the_answer_types_load_nothing_heavy() -> None:
    loaded = _imported_after("import rag; rag.Answer, rag.Citation, rag.Passage, rag.RagError, rag.Settings")
    assert "rag" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_ask_is_what_pulls_in_the_pipeline() -> None:
    """The counter-check: the probe does see heavy imports when they happen."""
    assert "numpy" in _imported_after("import rag; rag.ask")


def test_open_index_ask_stream_and_evaluate_from_python(small_corpus: Path, tmp_path: Path) -> None:
    index = rag.open_index(small_corpus, tmp_path / "idx", top_k=3)
    answer = rag.ask(index, "业界认为入场门票是多少钱？")
    assert isinstance(answer, rag.Answer) and not answer.abstained
    (cite,) = answer.citations
    assert isinstance(cite, rag.Citation) and isinstance(cite.passage, rag.Passage)
    file_text = (small_corpus.parent / cite.source).read_text(encoding="utf-8")
    assert file_text[cite.start : cite.end] == cite.text and "10亿元" in cite.text
    assert len(answer.passages) <= 3

    events = list(rag.stream(index, "亚马逊占有多少市场份额？"))
    assert isinstance(events[0], rag.Retrieved) and isinstance(events[-1], rag.Done)
    assert "48.9%" in events[-1].answer.answer

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "1", "question": "亚马逊的市场份额是多少？", "doc": "c.txt",
                                     "evidence": "48.9%"}, ensure_ascii=False) + "\n", encoding="utf-8")
    report = rag.evaluate_questions(index, questions)
    assert report["metrics"]["overall"]["hit@1"] == 1.0
    assert report["results"][0]["cited_evidence"] is True


def test_open_index_without_build_says_there_is_no_index(small_corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(RagError, match="index"):
        rag.open_index(small_corpus, tmp_path / "missing", build=False)


# ---------------------------------------------------------------- the shared pieces behind it

def test_the_reader_folds_events_and_fails_on_a_stream_without_an_answer() -> None:
    answer = rag.Answer("q", "a[1]", False, [], [])
    reader = Reader()
    steps = [(s.delta, s.text) for s in reader.read([Retrieved("q", []), Delta("a"), Delta("[1]"), Done(answer)])]
    assert steps == [("", ""), ("a", "a"), ("[1]", "a[1]"), ("", "a[1]")]
    assert reader.answer is answer
    with pytest.raises(RagError, match="without an answer"):
        Reader().final([Retrieved("q", []), Delta("half")])


def test_one_marker_syntax_a_bracketed_year_is_prose() -> None:
    from rag.answering.citations import check_citations
    from rag.app.html import link_markers
    from rag.llm.prompt import condense_prompt

    assert [m.group(0) for m in MARKER.finditer("甲[1]乙[1，3]丙【2】丁[2023]")] == ["[1]", "[1，3]", "【2】"]
    assert check_citations("始于[2023]年。", []).text == "始于[2023]年。"
    assert "rag-cite" not in link_markers("[2023]", 1, {1, 2})
    assert "[2023]" in condense_prompt("那后来呢？", [("问", "始于[2023]年[1]。")])
