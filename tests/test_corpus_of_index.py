"""An index answers only for the corpus folder it was built from.

``rag ask``, ``chat``, ``eval``, ``serve`` (and ``python ui.py``) and ``rag.open_index`` given a
corpus folder that is missing, a file, empty, or another folder than the index's say so in one
line, exit 1 and leave the index as it was, instead of answering from another folder's index.
An index moved or copied together with its corpus, or built before the folder was recorded,
is recognised by its files and keeps answering; ``rag index`` rebuilds it for a new folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import rag
from rag.app.chat import prepare
from rag.app.cli import cli
from rag.errors import RagError
from rag.indexing.handle import forget, open_handle, rebuild
from tests.conftest import ROOT, make_settings
from tests.test_cli import isolated_env, run_rag
from tests.uiapp import free_port

FEE = "业界普遍认为入场门票是多少钱？"
DOCS = {"a.txt": "大模型的训练成本很高。业界普遍认为入场门票是10亿元人民币。\n第二段讲别的事情。",
        "b.md": "# 标题\n\nHugging Face 上拥有超过 27 万的模型。开源社区很活跃！",
        "c.txt": "亚马逊占有 48.9% 的市场份额。微软紧随其后。"}
OTHER = {"park.txt": "青禾湖湿地公园的门票是每人 30 元，学生半价。公园每天早上八点开放。"}


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """base/docs and its index base/index, built once; base/other is another folder. Read only."""
    base = tmp_path_factory.mktemp("corpus-of-index")
    write_folder(base / "docs", DOCS)
    write_folder(base / "other", OTHER)
    rebuild(make_settings(base / "docs", base / "index"))
    return base


@pytest.fixture
def runner() -> CliRunner:
    forget()  # each test opens the index as a fresh process would
    return CliRunner()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def command(name: str, corpus: Path, index: Path, tmp_path: Path) -> list[str]:
    """``rag ask`` / ``chat`` / ``eval`` against ``index`` with ``--corpus corpus``."""
    where = ["--corpus", str(corpus), "--index", str(index)]
    if name == "ask":
        return ["ask", FEE, *where]
    if name == "chat":
        return ["chat", *where]
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "1", "question": FEE, "doc": "a.txt", "evidence": "10亿元"},
                                    ensure_ascii=False) + "\n", encoding="utf-8")
    return ["eval", str(questions), *where]


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and result.output.strip().count("\n") == 0, result.output
    return " ".join(result.output.split())


def run_rag_script(launcher: list[str], *args: str) -> subprocess.CompletedProcess:
    """``python -m rag.app.cli serve …`` or ``python ui.py …`` from the checkout, with no settings file."""
    return subprocess.run([sys.executable, *launcher, *args], cwd=ROOT, capture_output=True, text=True,
                          env=isolated_env(RAG_CONFIG=""), timeout=120)


# ---------------------------------------------------------------- no corpus folder to answer for

@pytest.mark.parametrize("name", ["ask", "chat", "eval"])
@pytest.mark.parametrize("given, message", [
    ("nope", "corpus folder not found"),
    ("a-file.txt", "corpus path is not a folder"),
    ("empty", "no readable documents"),
])
def test_a_missing_file_or_empty_corpus_is_one_line_and_the_index_is_left_as_it_was(
        runner, built, tmp_path, name, given, message):
    (tmp_path / "a-file.txt").write_text("不是文件夹", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    corpus = tmp_path / given
    before = snapshot(built / "index")
    result = runner.invoke(cli, command(name, corpus, built / "index", tmp_path), input="")
    assert message in one_line_error(result) and str(corpus) in result.output
    assert "10亿元" not in result.output, "no answer from the index of another folder"
    assert snapshot(built / "index") == before


# ---------------------------------------------------------------- another folder than the index's

@pytest.mark.parametrize("name", ["ask", "chat", "eval"])
def test_another_folder_is_refused_naming_both_folders_and_the_fix(runner, built, tmp_path, name):
    before = snapshot(built / "index")
    result = runner.invoke(cli, command(name, built / "other", built / "index", tmp_path), input="")
    line = one_line_error(result)
    assert f"index at {built / 'index'} was built from {built / 'docs'}, not from {built / 'other'}" in line
    assert "`rag index`" in line and "--index" in line
    assert snapshot(built / "index") == before


def test_the_library_refuses_another_folder_too_whatever_it_has_open(built):
    forget()
    with pytest.raises(RagError, match="was built from .*docs, not from .*other"):
        rag.open_index(built / "other", built / "index")
    with pytest.raises(RagError, match="was built from .*docs, not from .*other"):
        rag.open_index(built / "other", built / "index", build=False)
    docs = open_handle(make_settings(built / "docs", built / "index"))  # cached for this process
    assert "10亿元" in rag.ask(docs, FEE).answer
    with pytest.raises(RagError, match="not from .*other"):
        open_handle(make_settings(built / "other", built / "index"))
    with pytest.raises(RagError, match="corpus folder not found"):
        open_handle(make_settings(built / "nope", built / "index"))


def test_the_browser_app_refuses_another_folder_before_it_serves(built, tmp_path):
    forget()
    with pytest.raises(RagError, match="not from .*other"):
        prepare(make_settings(built / "other", built / "index"), say=lambda line: None)
    before = snapshot(built / "index")
    for launcher in (["-m", "rag.app.cli", "serve"], ["ui.py"]):
        run = run_rag_script(launcher, "--corpus", str(built / "other"), "--index", str(built / "index"),
                             "--port", str(free_port()))
        assert run.returncode == 1, run.stderr
        assert run.stderr.startswith("error: ") and run.stderr.strip().count("\n") == 0, run.stderr
        assert "was built from" in run.stderr and "serving" not in run.stderr
    assert snapshot(built / "index") == before


def test_rag_index_rebuilds_it_for_the_folder_asked_for(runner, built, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(built / "index", index)
    result = runner.invoke(cli, ["index", "--corpus", str(built / "other"), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["added"] == ["other/park.txt"] and report["removed"] == ["docs/a.txt", "docs/b.md", "docs/c.txt"]
    asked = runner.invoke(cli, ["ask", "公园的门票多少钱？", "--corpus", str(built / "other"), "--index", str(index),
                                "--json"])
    assert asked.exit_code == 0, asked.output
    assert {p["source"] for p in json.loads(asked.output)["passages"]} == {"other/park.txt"}
    refused = runner.invoke(cli, command("ask", built / "docs", index, tmp_path))
    assert f"was built from {built / 'other'}, not from {built / 'docs'}" in one_line_error(refused)


# ---------------------------------------------------------------- the index of this folder keeps answering

def test_an_index_moved_or_copied_with_its_corpus_still_answers(runner, built, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(built, moved)
    result = runner.invoke(cli, ["ask", FEE, "--corpus", str(moved / "docs"), "--index", str(moved / "index")])
    assert result.exit_code == 0, result.output
    assert "10亿元" in result.output and "docs/a.txt" in result.output
    again = runner.invoke(cli, ["index", "--corpus", str(moved / "docs"), "--index", str(moved / "index")])
    assert "up to date" in again.output, "the same files: nothing to rebuild"


def test_an_index_from_before_the_folder_was_recorded_is_known_by_its_files(runner, built, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(built, old)
    version = old / "index" / (old / "index" / "CURRENT").read_text(encoding="utf-8").strip()
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("corpus", None)  # as an index built before rag recorded its folder
    (version / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")

    answered = runner.invoke(cli, ["ask", FEE, "--corpus", str(old / "docs"), "--index", str(old / "index")])
    assert answered.exit_code == 0 and "10亿元" in answered.output, answered.output
    forget()
    refused = runner.invoke(cli, command("ask", old / "other", old / "index", tmp_path))
    assert (f"was built from another folder than {old / 'other'} (docs/a.txt is not in it)"
            in one_line_error(refused))


def test_a_default_run_in_a_folder_with_seeds_builds_once_then_answers(tmp_path):
    write_folder(tmp_path / "seeds", DOCS)
    first = run_rag("ask", FEE, cwd=tmp_path, RAG_CONFIG="")
    assert first.returncode == 0 and "building it from" in first.stderr, first.stderr
    assert "10亿元" in first.stdout
    (tmp_path / "seeds" / "c.txt").unlink()  # a file deleted since: a stale index, still this folder's
    second = run_rag("ask", FEE, cwd=tmp_path, RAG_CONFIG="")
    assert second.returncode == 0 and "building" not in second.stderr, second.stderr
    assert "10亿元" in second.stdout
    updated = run_rag("index", cwd=tmp_path, RAG_CONFIG="")
    assert updated.returncode == 0 and "removed" in updated.stdout and "seeds/c.txt" in updated.stdout
