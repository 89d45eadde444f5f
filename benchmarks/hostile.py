"""The fault table of hostile input (issue 27): what each gives, and what reading it costs.

Run ``python -m benchmarks.hostile``; it writes ``benchmarks/sections/faults.md``.  Every
input is made here (nothing downloaded).  A file's row is measured by reading a folder
holding it and one ordinary file in a fresh interpreter (``rag.ingest.loader.load_corpus``,
what ``rag index`` does before embedding); a command's row runs ``rag.app.cli`` the same
way.  Peak RSS is the child's own ``VmHWM``, read as it exits (``ru_maxrss`` would also
count pages shared with this process between fork and exec).  The baseline, an
interpreter reading one small file, is in the first row.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .common import ROOT

SECTION = ROOT / "benchmarks" / "sections" / "faults.md"
FEE = "业界普遍认为进入大模型这个行业的入场门票是10亿元人民币。"
READ = """
import sys
from pathlib import Path
from rag.ingest.loader import load_corpus
docs, skipped = load_corpus(Path(sys.argv[1]))
for d in docs:  # each skipped file is one line of the loader's log on stderr, as in `rag index`
    if d.source != "docs/ok.txt":
        print(f"read: {len(d.text):,} characters")
"""


@dataclass
class Row:
    case: str
    outcome: str
    peak_mb: float
    seconds: float


# Runs the script or module named by argv[1:] and writes its VmHWM (kB) to $RAG_PEAK_FILE at exit.
LAUNCH = """
import atexit, os, re, runpy, sys
def peak():
    with open(os.environ["RAG_PEAK_FILE"], "w") as fh:
        fh.write(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1))
atexit.register(peak)
if sys.argv[1] == "-m":
    sys.argv = [sys.argv[2], *sys.argv[3:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    code, sys.argv = sys.argv[1], ["-c", *sys.argv[2:]]
    exec(compile(code, "<hostile>", "exec"), {"__name__": "__main__"})
"""


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """Output lines (stdout, then stderr), peak RSS in MB and wall seconds of ``python ARGS``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        environment.update({"PYTHONPATH": str(ROOT), "RAG_CONFIG": "", "RAG_PEAK_FILE": str(peak_file),
                            **(env or {})})
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", LAUNCH, *args], cwd=cwd, capture_output=True,
                              env=environment, timeout=1800)
        seconds = time.perf_counter() - started
        peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip()]
    return " / ".join(lines[:3]) + (f" (+{len(lines) - 3} lines)" if len(lines) > 3 else ""), peak, seconds


def reading(work: Path, name: str, make: Callable[[Path], None]) -> tuple[str, float, float]:
    corpus = work / name / "docs"
    corpus.mkdir(parents=True)
    (corpus / "ok.txt").write_text(FEE, encoding="utf-8")
    make(corpus)
    try:
        return run([READ, str(corpus)], work)
    finally:
        shutil.rmtree(work / name, ignore_errors=True)


def bomb(size: int) -> Callable[[Path], None]:
    def make(corpus: Path) -> None:
        from tests.doc_fixtures import make_docx_bomb

        make_docx_bomb(corpus / "bomb.docx", size)
    return make


def one_line_page(corpus: Path) -> None:
    sentence = "大模型的训练成本很高。"
    (corpus / "page.html").write_text("<html><body><p>" + sentence * (30_000_000 // len(sentence.encode()))
                                      + "</p></body></html>", encoding="utf-8")


def deep_page(corpus: Path) -> None:
    (corpus / "deep.html").write_text("<html><body>" + "<div>" * 50_000 + "深层嵌套的段落里也有文字。"
                                      + "</div>" * 50_000 + "</body></html>", encoding="utf-8")


def link_out(corpus: Path) -> None:
    outside = corpus.parent / "outside.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(outside)


def empty_files(corpus: Path) -> None:
    for n in range(10_000):
        (corpus / f"empty{n:05}.txt").touch()


def escapes(corpus: Path) -> None:
    (corpus / "esc.txt").write_text("\x1b[2J\x1b]0;title\x07" + FEE, encoding="utf-8")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="rag-hostile-"))
    rows: list[Row] = []
    try:
        files = [
            ("baseline: one ordinary .txt", lambda corpus: None),
            ("link to a file outside the corpus (`passwd.txt -> /…/outside.txt`)", link_out),
            ("zip-bomb .docx (~400 kB): 400 MB of `document.xml`", bomb(400 << 20)),
            ("zip-bomb .docx (~1 MB): 1 GB of `document.xml`", bomb(1 << 30)),
            (".docx whose XML unzips to 50 MB (under the 64 MB cap: read)", bomb(50 << 20)),
            ("30 MB one-line HTML (one 30 MB text node)", one_line_page),
            ("50,000 nested `<div>`", deep_page),
            ("10,000 empty files", empty_files),
            ("escape sequences in a .txt (`ESC[2J`, OSC title)", escapes),
        ]
        for case, make in files:
            outcome, peak, seconds = reading(work, f"c{len(rows)}", make)
            rows.append(Row(case, outcome, peak, seconds))
            print(rows[-1], flush=True)
        corpus = work / "cli" / "docs"
        corpus.mkdir(parents=True)
        (corpus / "ok.txt").write_text(FEE, encoding="utf-8")
        cli = ["-m", "rag.app.cli"]
        for folder in ("/proc/self", "/"):
            outcome, peak, seconds = run([*cli, "index", "--corpus", str(corpus), "--index", folder], work)
            rows.append(Row(f"`rag index --index {folder}`", outcome, peak, seconds))
        folder = work / "cli" / "home"
        (folder / "notes").mkdir(parents=True)
        (folder / "todo.md").write_text("- 买菜\n", encoding="utf-8")
        outcome, peak, seconds = run([*cli, "index", "--corpus", str(corpus), "--index", str(folder)], work)
        rows.append(Row("`--index` a folder of the user's (`notes/`, `todo.md`)",
                        outcome.replace(str(work), "…"), peak, seconds))
        index = work / "cli" / "index"
        run([*cli, "index", "--corpus", str(corpus), "--index", str(index), "--embedding", "use"], work)
        (index / "v-important").mkdir()
        outcome, peak, seconds = run([*cli, "index", "--corpus", str(corpus), "--index", str(index),
                                      "--embedding", "use"], work)
        assert (index / "v-important").is_dir()
        rows.append(Row("an index folder where a user's `v-important/` appeared", outcome.replace(str(work), "…"),
                        peak, seconds))
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        outcome, peak, seconds = run([*cli, "index", "--corpus", str(corpus), "--index", str(work / "cli" / "i")],
                                     work, {"RAG_VECTOR_STORE": "milvus",
                                            "RAG_MILVUS_URI": f"http://root:SECRET@127.0.0.1:{port}?token=SECRET"})
        assert "SECRET" not in outcome
        rows.append(Row("`milvus_uri = http://root:SECRET@…?token=SECRET` (nothing listening)", outcome, peak,
                        seconds))
        outcome, peak, seconds = run([*cli, "serve", "--auth-file", str(work / "missing")], work)
        rows.append(Row("`rag serve --auth-file` naming no file", outcome, peak, seconds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write(rows)


def write(rows: list[Row]) -> None:
    lines = [
        "## Hostile input: the fault table",
        "",
        "Generated by `python -m benchmarks.hostile` on "
        f"{time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores). Each file row reads a folder holding the input "
        "and one ordinary file in a fresh interpreter (`load_corpus`, what `rag index` does before embedding); "
        "peak RSS is the child's own (`VmHWM`). Command rows run `python -m rag.app.cli`. Before issue 27 the 1 GB "
        "bomb took 11 GB and ended the build with `internal error (MemoryError)`, the 400 MB one 7.4 GB; the "
        "one-line and deep pages were skipped as `no text in it` beside `WARNING discarding data: None`; "
        "`--index /proc/self` never returned.",
        "",
        "| input | what rag says | peak RSS | time |",
        "|---|---|---:|---:|",
    ]
    for row in rows:
        outcome = row.outcome.replace("|", "\\|").replace("\x1b", "␛")
        lines.append(f"| {row.case} | {outcome} | {row.peak_mb:,.0f} MB | {row.seconds:.1f} s |")
    lines += [
        "",
        "Not in the table, tested in `tests/test_hostile.py`: escape sequences reach no terminal in `rag ask` "
        "(`ESC` shown as `␛`); 200 wrong sign-ins check at most 8 passwords; malformed API values get one line "
        "and leave no traceback; a file swapped for a link after indexing is not served.",
        "",
    ]
    SECTION.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {SECTION}")


if __name__ == "__main__":
    main()
