"""The `rag` command as a user runs it: index, ask, eval, their --json, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.app.cli import cli

from .conftest import DEV_SET, ROOT


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def isolated_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(extra)
    return env


def run_rag(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=isolated_env(**env), timeout=300)


def test_index_reports_files_chunks_and_changes(runner, small_corpus, tmp_path):
    args = ["index", "--corpus", str(small_corpus), "--index", str(tmp_path / "idx")]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "indexed 3 files" in first.output and "added" in first.output
    again = runner.invoke(cli, args)
    assert "up to date" in again.output
    (small_corpus / "c.txt").write_text("改过的内容。", encoding="utf-8")
    changed = runner.invoke(cli, args + ["--json"])
    report = json.loads(changed.output)
    assert report["changed"] == ["docs/c.txt"] and report["embedded_chunks"] == 1


def test_ask_answers_in_chinese_with_citations_that_lead_to_the_passage(runner, seeds_settings):
    result = runner.invoke(cli, ["ask", "业界认为做大模型的入场门票是多少钱?", "--corpus", str(seeds_settings.corpus),
                                 "--index", str(seeds_settings.index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"question", "answer", "abstained", "citations", "passages", "timings"}
    assert not data["abstained"] and "10 亿元" in data["answer"]
    assert data["citations"] and "[1]" in data["answer"]
    for c in data["citations"]:
        text = (seeds_settings.corpus.parent / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["text"]
        for a, b in c["quotes"]:
            assert c["start"] <= a < b <= c["end"]
    for p in data["passages"]:
        assert set(p) >= {"source", "start", "end", "text", "score"}


def test_every_answer_sentence_ends_with_a_citation(runner, seeds_settings):
    result = runner.invoke(cli, ["ask", "Databricks花了多少钱收购MosaicML?", "--corpus", str(seeds_settings.corpus),
                                 "--index", str(seeds_settings.index), "--json"])
    data = json.loads(result.output)
    import re

    sentences = [s for s in re.split(r"(?<=\])", data["answer"]) if s.strip()]
    assert sentences and all(re.search(r"\[\d+\]$", s.strip()) for s in sentences)
    assert "13 亿美金" in data["answer"]


def test_ask_pretty_output_lists_sources_with_line_ranges(runner, seeds_settings):
    result = runner.invoke(cli, ["ask", "业界认为做大模型的入场门票是多少钱?", "--corpus", str(seeds_settings.corpus),
                                 "--index", str(seeds_settings.index)])
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "seeds/000_093b91aadbd42fdd.txt" in result.output
    assert "lines " in result.output


def test_off_topic_question_abstains_and_still_lists_passages(runner, seeds_settings):
    result = runner.invoke(cli, ["ask", "红烧肉怎么做才好吃?", "--corpus", str(seeds_settings.corpus),
                                 "--index", str(seeds_settings.index), "--json"])
    data = json.loads(result.output)
    assert data["abstained"] and data["citations"] == [] and data["passages"]
    assert "没有" in data["answer"]


def test_ask_builds_a_missing_index_first_and_says_so(small_corpus, tmp_path):
    result = run_rag("ask", "亚马逊占有多少市场份额?", "--corpus", str(small_corpus), "--index", "idx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "building it" in result.stderr
    assert "48.9%" in result.stdout
    assert (tmp_path / "idx" / "CURRENT").is_file()  # relative --index resolves against the cwd


def test_eval_reports_metrics_and_per_question_results(runner, seeds_settings):
    result = runner.invoke(cli, ["eval", str(DEV_SET), "--corpus", str(seeds_settings.corpus),
                                 "--index", str(seeds_settings.index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    overall = data["metrics"]["overall"]
    assert set(overall) >= {"hit@1", "hit@3", "hit@5", "mrr@10", "cited_evidence", "abstained_unanswerable"}
    assert {"fact", "paraphrase", "english", "unanswerable"} <= set(data["metrics"]["by_type"])
    first = data["results"][0]
    assert set(first) >= {"id", "answer", "abstained", "citations", "passages"}
    table = runner.invoke(cli, ["eval", str(DEV_SET), "--corpus", str(seeds_settings.corpus),
                                "--index", str(seeds_settings.index)])
    assert "hit@5" in table.output and "overall" in table.output


def test_eval_scores_a_question_it_cannot_ask_as_a_miss_and_goes_on(runner, seeds_settings, tmp_path, caplog):
    # Public question sets hold the odd empty question: one bad record must not end the run.
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "empty", "question": "", "doc": "000_093b91aadbd42fdd.txt", "evidence": "10 亿元人民币", "type": "fact"},
        {"id": "ok", "question": "业界认为做大模型的入场门票是多少钱?", "doc": "000_093b91aadbd42fdd.txt",
         "evidence": "10 亿元人民币", "type": "fact"},
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["eval", str(questions), "--corpus", str(seeds_settings.corpus),
                                 "--index", str(seeds_settings.index), "--json"])
    assert result.exit_code == 0, result.output
    empty, ok = json.loads(result.stdout)["results"]
    assert empty["abstained"] and not empty["cited_evidence"] and "empty" in empty["refused"]
    assert ok["cited_evidence"] and "refused" not in ok
    assert "question empty not asked: the question is empty" in caplog.text  # said, not silently dropped


@pytest.mark.parametrize("question, message", [
    ("", "question is empty"),
    ("   ", "question is empty"),
    ("大" * 100_000, "100,000 characters"),
])
def test_bad_questions_fail_with_one_line_and_touch_nothing(runner, small_corpus, tmp_path, question, message):
    result = runner.invoke(cli, ["ask", question, "--corpus", str(small_corpus), "--index", str(tmp_path / "idx")])
    assert result.exit_code == 1
    assert message in result.output and result.output.strip().count("\n") == 0
    assert not (tmp_path / "idx").exists()


def test_missing_and_empty_corpus_fail_with_one_line(runner, tmp_path):
    missing = runner.invoke(cli, ["index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "idx")])
    assert missing.exit_code == 1 and "corpus folder not found" in missing.output
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(cli, ["index", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "idx")])
    assert empty.exit_code == 1 and "no readable" in empty.output
    assert not (tmp_path / "idx").exists() or not any((tmp_path / "idx").iterdir())

    lost = runner.invoke(cli, ["ask", "问题", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "idx2")])
    assert lost.exit_code == 1 and "no corpus folder" in lost.output and "building" not in lost.output



def test_an_index_folder_that_cannot_be_written_is_a_one_line_error(runner, small_corpus, tmp_path):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(cli, ["index", "--corpus", str(small_corpus), "--index", str(tmp_path / "a-file" / "idx")])
    assert result.exit_code == 1 and "cannot write the index" in result.output
    assert "Traceback" not in result.output and (tmp_path / "a-file").read_text(encoding="utf-8") == "not a folder"

def test_corrupt_index_fails_with_one_line_naming_the_fix(runner, small_corpus, tmp_path):
    idx = tmp_path / "idx"
    assert runner.invoke(cli, ["index", "--corpus", str(small_corpus), "--index", str(idx)]).exit_code == 0
    version = idx / (idx / "CURRENT").read_text().strip()
    (version / "vectors.npy").write_bytes(b"\x93NUMPY broken")
    from rag.indexing.handle import forget

    forget()
    result = runner.invoke(cli, ["ask", "亚马逊?", "--corpus", str(small_corpus), "--index", str(idx)])
    assert result.exit_code == 1 and "corrupt" in result.output and "rag index" in result.output


def test_settings_layer_defaults_toml_env_flags(tmp_path, small_corpus):
    from rag.config import load_settings

    toml = tmp_path / "rag.toml"
    toml.write_text('top_k = 7\nchunk_size = 300\ncorpus = "from-toml"\n', encoding="utf-8")
    s = load_settings({}, config_file=toml, environ={"RAG_TOP_K": "9"})
    assert (s.top_k, s.chunk_size, s.corpus.name) == (9, 300, "from-toml")
    s = load_settings({"top_k": 3}, config_file=toml, environ={"RAG_TOP_K": "9"})
    assert s.top_k == 3
    assert load_settings({}, config_file=tmp_path / "none.toml", environ={}).index == Path.cwd() / "index"


def test_bad_settings_are_one_line_errors(runner, tmp_path):
    (tmp_path / "rag.toml").write_text("top_k = 'many'\n", encoding="utf-8")
    result = run_rag("ask", "问题", cwd=tmp_path)
    assert result.returncode == 1 and "top_k" in result.stderr and result.stderr.strip().count("\n") == 0


def test_console_script_help_is_instant_and_lists_commands():
    result = subprocess.run(["rag", "--help"], capture_output=True, text=True, env=isolated_env(), cwd=ROOT)
    assert result.returncode == 0
    for command in ("index", "ask", "eval"):
        assert command in result.stdout
