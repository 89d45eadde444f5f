"""Hostile folders and values, as a careful attacker would bring them (issue 27): every file is
made by the test, every command runs as the user runs it (``python -m rag.app.cli`` in a child
process), and memory is measured in a child process too.

The rows: links out of the corpus (2), a zip bomb (3), secrets in a Milvus URL (5), the
sign-in (6), escape sequences in documents (7), a huge one-line page and 50,000 nested
``<div>`` (8), malformed API values (9), ``--index /proc/self`` (10), 10,000 empty files (11).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.ingest.formats import nesting_depth
from rag.ingest.loader import OutsideCorpus, load_corpus

from .conftest import ROOT, make_settings
from .doc_fixtures import make_docx, make_docx_bomb
from .test_faults import ENV, one_line_failure, rag

pytestmark = pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting'", "ignore:The copy keyword")

FEE = "业界普遍认为进入大模型这个行业的入场门票是10亿元人民币。训练一次的成本也很高。"
SECRET = "机密口令是ZEBRA-42，只写在语料之外的文件里。"


PEAK = """
import re
print('PEAK', int(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)) / 1024)
"""


def peak_rss_mb(code: str, cwd: Path) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its peak resident memory (MB) and its stdout.

    The peak is the process's own (``VmHWM``): ``ru_maxrss`` would count the pages it
    shared with this big test process between fork and exec."""
    probe = code + PEAK
    run = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=600,
                         env={**ENV, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    return float(lines[-1].split()[1]), "\n".join(lines[:-1]) + "\n" + run.stderr


# ---------------------------------------------------------------- 2. the corpus boundary

@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A corpus with a link out of it, links inside it, and a link that loops."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    corpus = tmp_path / "docs"
    (corpus / "real").mkdir(parents=True)
    (corpus / "fee.txt").write_text(FEE, encoding="utf-8")
    (corpus / "real" / "cloud.txt").write_text("亚马逊占有 48.9% 的云市场份额。", encoding="utf-8")
    (corpus / "secret.txt").symlink_to(outside / "secret.txt")  # out: skipped
    (corpus / "outdir").symlink_to(outside, target_is_directory=True)  # a folder out: not walked
    (corpus / "alias.txt").symlink_to(corpus / "fee.txt")  # in: followed
    (corpus / "mirror").symlink_to(corpus / "real", target_is_directory=True)  # in: followed, once
    (corpus / "real" / "loop").symlink_to(corpus, target_is_directory=True)  # back up: no endless walk
    return corpus


def test_a_link_out_of_the_corpus_is_skipped_in_one_line_and_links_inside_are_followed(linked: Path) -> None:
    index = rag("index", "--corpus", str(linked), "--index", str(linked.parent / "index"), cwd=linked.parent)
    assert index.returncode == 0, index.stderr
    skipped = [line for line in index.stderr.splitlines() if line.strip()]
    assert skipped == ["skipped docs/secret.txt: a link to a file outside the corpus folder"]
    docs, _ = load_corpus(linked)
    assert sorted(d.source for d in docs) == ["docs/alias.txt", "docs/fee.txt", "docs/mirror/cloud.txt",
                                              "docs/real/cloud.txt"]
    asked = rag("ask", "机密口令是什么？", "--json", "--corpus", str(linked), "--index",
                str(linked.parent / "index"), cwd=linked.parent)
    assert "ZEBRA" not in asked.stdout and "secret.txt" not in asked.stdout


def test_a_file_swapped_for_a_link_after_indexing_is_served_nowhere(linked: Path) -> None:
    from rag.app.chat import IndexPanel
    from rag.app.html import file_link
    from rag.app.present import file_text, line_range
    from rag.indexing.handle import rebuild
    from rag.records import Passage

    settings = make_settings(linked, linked.parent / "index")
    rebuild(settings)
    panel = IndexPanel(settings)
    link = file_link(Passage("docs/fee.txt", 0, 10, FEE[:10]), [])
    assert "10亿元" in panel.whole_file(link)

    (linked / "fee.txt").unlink()  # swapped for a link to the secret, after indexing
    (linked / "fee.txt").symlink_to(linked.parent / "outside" / "secret.txt")
    view = panel.whole_file(link)
    assert "ZEBRA" not in view and "rag-error" in view and "outside the corpus" in view
    with pytest.raises(OutsideCorpus):
        file_text(linked, "docs/fee.txt")
    assert line_range(linked, "docs/fee.txt", 0, 10) is None
    for name in ("docs/../outside/secret.txt", "/etc/passwd", "outside/secret.txt", "docs/outdir/secret.txt"):
        with pytest.raises((OutsideCorpus, OSError)):
            file_text(linked, name)


# ---------------------------------------------------------------- 3. a zip bomb

def test_a_zip_bomb_docx_is_skipped_by_name_with_memory_bounded(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    bomb = make_docx_bomb(corpus / "bomb.docx", 400 << 20)  # 400 MB of XML in a few hundred kB
    assert bomb.stat().st_size < 4 << 20
    make_docx(corpus / "ok.docx", [("h1", "第一章"), ("p", FEE)])
    peak, said = peak_rss_mb(textwrap.dedent(f"""
        from pathlib import Path
        from rag.ingest.loader import load_corpus
        docs, skipped = load_corpus(Path({str(corpus)!r}))
        print([d.source for d in docs]); print([(s.source, s.reason) for s in skipped])
        """), tmp_path)
    assert "['docs/ok.docx']" in said
    assert "skipped docs/bomb.docx: unzips to 401 MB, over max_unzipped_mb = 64 (a zip bomb? raise the setting " \
           "to read it)\n" in said  # the parts other than the bomb's 400 MB make up the 401st
    assert peak < 250, f"peak RSS {peak:.0f} MB"  # the bomb fully parsed took gigabytes


def test_each_cap_is_a_setting_and_names_itself(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    make_docx(corpus / "ok.docx", [("p", FEE)])
    (corpus / "long.txt").write_text(FEE * 400, encoding="utf-8")  # 16,000 characters, 48 kB
    (corpus / "fee.txt").write_text(FEE, encoding="utf-8")
    s = make_settings(corpus, tmp_path / "i", max_text_chars=10_000, max_file_mb=1, max_unzipped_mb=1)
    from rag.ingest.loader import limits_of

    docs, skipped = load_corpus(corpus, limits_of(s))
    assert {s.source: s.reason for s in skipped} == {
        "docs/long.txt": "16,000 characters of text, over max_text_chars = 10,000"}
    assert sorted(d.source for d in docs) == ["docs/fee.txt", "docs/ok.docx"]
    with pytest.raises(RagError, match="max_unzipped_mb"):
        make_settings(corpus, tmp_path / "i", max_unzipped_mb=0)
    big = corpus / "big.txt"
    big.write_bytes(FEE.encode() * (3 * (1 << 20) // len(FEE.encode())))
    docs, skipped = load_corpus(corpus, limits_of(s))
    assert ("docs/big.txt", "3 MB, over max_file_mb = 1") in {(s.source, s.reason) for s in skipped}


# ---------------------------------------------------------------- 8. huge and deep HTML

def test_a_30_mb_one_line_page_and_50000_nested_divs_are_read_in_bounded_memory(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    sentence = "大模型的训练成本很高。"
    (corpus / "oneline.html").write_text(  # one text node of 30 MB: libxml2 stops at 10 MB
        "<html><body><p>" + sentence * (30_000_000 // len(sentence.encode())) + "</p></body></html>",
        encoding="utf-8")
    (corpus / "deep.html").write_text(
        "<html><body>" + "<div>" * 50_000 + "<h2>深处的标题</h2>深层嵌套的段落里也有文字。" + "</div>" * 50_000
        + "</body></html>", encoding="utf-8")
    peak, said = peak_rss_mb(textwrap.dedent(f"""
        import logging; logging.basicConfig(level=logging.INFO)
        from pathlib import Path
        from rag.ingest.loader import load_corpus
        docs, skipped = load_corpus(Path({str(corpus)!r}))
        for d in docs: print(d.source, len(d.text), d.text[:20], [s.heading for s in d.sections])
        print("SKIPPED", skipped)
        """), tmp_path)
    assert "docs/oneline.html 9999990 大模型的训练成本很高" in said
    assert "docs/deep.html 19 深处的标题\n深层嵌套的段落里也有文字。 ['深处的标题']" in said
    assert "SKIPPED []" in said and "discarding data" not in said
    assert peak < 600, f"peak RSS {peak:.0f} MB"


def test_nesting_is_counted_from_tags_and_the_setting_decides_the_reader() -> None:
    from rag.ingest.formats import Limits, extract_html

    page = "<html><body>" + "<div>" * 40 + "<p>段落一<p>段落二<br><img src=x>" + "</div>" * 40 + "</body></html>"
    assert nesting_depth(page) == 42  # <p>, <br>, <img> never nest
    tree = extract_html(page, Limits(max_depth=256))
    flat = extract_html(page, Limits(max_depth=16))
    assert tree.text == flat.text == "段落一\n段落二"


# ---------------------------------------------------------------- 11. one line per skipped file

def test_ten_thousand_empty_files_are_one_line_each(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "fee.txt").write_text(FEE, encoding="utf-8")
    for n in range(10_000):
        (corpus / f"empty{n:05}.txt").touch()
    run = rag("index", "--corpus", str(corpus), "--index", str(tmp_path / "index"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 10_000 and all(line.endswith(": empty file") for line in lines)
    assert len({line for line in lines}) == 10_000
    assert "indexed 1 files" in run.stdout


# ---------------------------------------------------------------- 7. escape sequences in documents

ESCAPES = ("\x1b[2J\x1b[H\x1b]0;pwned\x07" + FEE + "\x1b]8;;http://evil.example/\x1b\\点这里\x1b]8;;\x1b\\"
           "\x9b31m[bold red]不是标记[/]\u202e")


def test_escape_sequences_in_a_document_reach_no_terminal(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "fee.txt").write_text(ESCAPES, encoding="utf-8")
    (corpus / "x\x1b[31m[bold]name.txt").write_text("文件名里有转义序列。", encoding="utf-8")
    args = ("--corpus", str(corpus), "--index", str(tmp_path / "index"))
    pretty = rag("ask", "业界认为入场门票是多少钱？", *args, cwd=tmp_path)
    as_json = rag("ask", "业界认为入场门票是多少钱？", "--json", *args, cwd=tmp_path)
    indexed = rag("index", *args, "--json", cwd=tmp_path)
    for run in (pretty, as_json, indexed):
        assert run.returncode == 0, run.stderr
        for raw in ("\x1b", "\x9b", "\x07", "\u202e"):
            assert raw not in run.stdout + run.stderr, (raw, run.stdout)
    assert "10亿元" in pretty.stdout and "pwned␇" in pretty.stdout  # shown, not obeyed
    assert "docs/x␛[31m[bold]name.txt" in pretty.stdout  # and markup stays text
    answer = json.loads(as_json.stdout)
    assert answer["passages"][0]["text"].startswith("\x1b[2J")  # the JSON still holds the real text
    assert "docs/x\x1b[31m[bold]name.txt" in json.loads(indexed.stdout)["unchanged"]


# ---------------------------------------------------------------- 5. secrets in URLs

def test_credentials_in_the_milvus_uri_are_never_printed_or_logged(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "fee.txt").write_text(FEE, encoding="utf-8")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens once it is closed
    uri = f"http://root:SECRET-PW@127.0.0.1:{port}/?token=SECRET-TOKEN"
    run = rag("index", "-v", "--corpus", str(corpus), "--index", str(tmp_path / "index"), cwd=tmp_path,
              env={"RAG_VECTOR_STORE": "milvus", "RAG_MILVUS_URI": uri})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "SECRET" not in run.stdout + run.stderr
    assert f"127.0.0.1:{port}" in run.stderr


def test_redaction_masks_userinfo_and_secret_query_values_in_log_tracebacks_too() -> None:
    from rag.redact import RedactingFilter, redact_url

    assert redact_url("http://root:pw@h:19530/x?db=a&token=t0k&sig=s1") == "http://h:19530/x?db=a&token=***&sig=***"
    try:
        raise ConnectionError("cannot reach https://u:hunter2@milvus.example:443")
    except ConnectionError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    RedactingFilter().filter(record)
    assert "hunter2" not in logging.Formatter().format(record) and "milvus.example" in record.exc_text


# ---------------------------------------------------------------- 10. system folders

@pytest.mark.parametrize("folder", ["/proc/self", "/", "/etc", "/sys/kernel", "/dev"])
def test_an_index_in_a_system_folder_fails_fast_in_one_line(tmp_path: Path, folder: str) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "fee.txt").write_text(FEE, encoding="utf-8")
    started = time.monotonic()
    run = rag("index", "--corpus", str(tmp_path / "docs"), "--index", folder, cwd=tmp_path)
    one_line_failure(run, f"index folder {folder} is a system folder")
    assert time.monotonic() - started < 30
    assert not Path(folder, "CURRENT").exists() or folder != "/"


# ---------------------------------------------------------------- 6. the sign-in

def test_the_sign_in_comes_from_rag_auth_or_a_file_and_a_bad_one_is_one_line(tmp_path: Path) -> None:
    from rag.app.auth import resolve_auth

    secret = tmp_path / "auth"
    secret.write_text("\nalice:s3cret:x\n", encoding="utf-8")
    assert resolve_auth(None, None, {"RAG_AUTH": "bob:pw"}) == "bob:pw"
    assert resolve_auth(None, secret, {"RAG_AUTH": "bob:pw"}) == "alice:s3cret:x"
    assert resolve_auth("carol:pw", secret, {}) == "carol:pw"
    assert resolve_auth(None, None, {}) is None
    with pytest.raises(RagError, match="RAG_AUTH must look like USER:PASSWORD"):
        resolve_auth(None, None, {"RAG_AUTH": "nopassword"})
    with pytest.raises(RagError, match="cannot read --auth-file"):
        resolve_auth(None, tmp_path / "missing", {})
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(RagError, match="is empty"):
        resolve_auth(None, tmp_path / "empty", {})
    run = subprocess.run([sys.executable, "-m", "rag.app.cli", "serve", "--auth-file", str(tmp_path / "missing"),
                          "--port", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**ENV, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 1  # --port 1 needs root, the file is missing: either way one line
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def login(url: str, user: str, password: str) -> int:
    data = urllib.parse.urlencode({"username": user, "password": password}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url.rstrip("/") + "/login", data), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


def test_failed_sign_ins_are_rate_limited_and_the_right_one_works_after_the_wait(seeds_settings) -> None:
    from rag.app import webapp
    from rag.app.chat import SignIn, prepare
    from tests.uiapp import free_port

    prepare(seeds_settings, say=lambda line: None)
    app = webapp.build_app(seeds_settings)
    sign_in = SignIn("alice", "s3cret")
    url = webapp.launch(app, "127.0.0.1", free_port(), auth="alice:s3cret", block=False, quiet=True,
                        sign_in=sign_in)
    try:
        started = time.monotonic()
        codes = [login(url, "alice", f"guess{n}") for n in range(200)]
        assert all(code >= 400 for code in codes)
        assert sign_in.checked <= 8, sign_in.checked  # of 200 guesses (was: every one)
        assert login(url, "alice", "s3cret") >= 400  # refused unchecked while the wait lasts
        time.sleep(max(0.0, sign_in.refused_until - time.monotonic()) + 0.1)
        assert login(url, "alice", "s3cret") == 200
        assert time.monotonic() - started < 120
    finally:
        app.close()


# ---------------------------------------------------------------- 9. malformed API values

def test_malformed_api_values_get_one_line_and_leave_no_traceback(linked: Path, capfd) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from tests.uiapp import serving

    settings = make_settings(linked, linked.parent / "index")
    with serving(settings) as url:
        client = Client(url, verbose=False)
        capfd.readouterr()
        for link in (None, 123, ["#rag-file?source=docs/fee.txt"], {"source": "docs/fee.txt"}, "#rag-file?x"):
            assert "not a whole-file link" in client.predict(link, api_name="/open_file")
        for k in ("abc", None, [5], {"k": 5}):
            with pytest.raises(AppError, match=r"^top_k: not a valid value \(\w+\)$"):
                client.predict("问题", "extractive", k, api_name="/chat")
        with pytest.raises(AppError, match="not in the list of choices"):
            client.predict("问题", 7, 5, api_name="/chat")
        messages, _ = client.predict(None, "extractive", 5, api_name="/chat")  # no question: its one line
        assert "rag-error" in str(messages[-1])
        # the whole-file view over HTTP: a file swapped for a link out of the corpus is refused
        (linked / "fee.txt").unlink()
        (linked / "fee.txt").symlink_to(linked.parent / "outside" / "secret.txt")
        view = client.predict("#rag-file?source=docs/fee.txt&start=0&end=5", api_name="/open_file")
        assert "ZEBRA" not in view and "outside the corpus" in view
        for path in (linked / "fee.txt", linked.parent / "outside" / "secret.txt", Path("/etc/passwd")):
            try:  # nor does Gradio's own file route serve them
                with urllib.request.urlopen(f"{url.rstrip('/')}/gradio_api/file={path}", timeout=10) as got:
                    body = got.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as refused:
                body = str(refused.code)
            assert "ZEBRA" not in body and "root:" not in body
        logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err
    assert os.environ.get("RAG_AUTH") is None  # nothing here leaked a sign-in into the environment


# ---------------------------------------------------------------- 4. the index folder is the index's own

def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"/" for p in sorted(folder.rglob("*"))}


def test_a_folder_of_other_things_is_refused_before_anything_is_written(small_corpus: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    (home / "notes" / "plan.txt").write_text("我的计划。", encoding="utf-8")
    (home / "todo.md").write_text("- 买菜", encoding="utf-8")
    before = snapshot(home)
    run = rag("index", "--corpus", str(small_corpus), "--index", str(home), cwd=tmp_path)
    one_line_failure(run, f"index folder {home} is not a rag index (notes/, todo.md)", "a folder of its own")
    assert snapshot(home) == before  # not even the build lock


def test_a_fresh_clones_index_folder_with_its_gitkeep_is_the_indexs_own(small_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / ".gitkeep").write_text("", encoding="utf-8")  # as the repo's index/ is committed
    assert rag("index", "--corpus", str(small_corpus), "--index", str(index), cwd=tmp_path).returncode == 0
    assert (index / "CURRENT").exists() and (index / ".gitkeep").exists()  # built, and the placeholder kept
    assert rag("index", "--corpus", str(small_corpus), "--index", str(index), cwd=tmp_path).returncode == 0


def test_a_users_folder_inside_an_index_is_never_deleted(small_corpus: Path, tmp_path: Path) -> None:
    from rag.indexing.build import check_index_folder
    from rag.stores.faiss import live_version
    from rag.stores.manifest import is_version_folder

    index = tmp_path / "index"
    assert rag("index", "--corpus", str(small_corpus), "--index", str(index), cwd=tmp_path).returncode == 0
    (small_corpus / "a.txt").write_text("第二版。业界普遍认为入场门票是20亿元人民币。", encoding="utf-8")
    assert rag("index", "--corpus", str(small_corpus), "--index", str(index), cwd=tmp_path).returncode == 0
    check_index_folder(index)  # only what two builds made: accepted
    live = live_version(index)
    assert live is not None and is_version_folder(live)

    mine = index / "v-important"
    mine.mkdir()
    (mine / "thesis.txt").write_text("不能丢的文件。", encoding="utf-8")
    (small_corpus / "a.txt").write_text("第三版。", encoding="utf-8")
    run = rag("index", "--corpus", str(small_corpus), "--index", str(index), cwd=tmp_path)
    one_line_failure(run, "holds things the index did not make (v-important/)", "move them out")
    assert (mine / "thesis.txt").read_text(encoding="utf-8") == "不能丢的文件。"
    assert not is_version_folder(mine) and live_version(index) == live  # the old index is untouched
    asked = rag("ask", "业界认为入场门票是多少钱？", "--json", "--corpus", str(small_corpus), "--index", str(index),
                cwd=tmp_path)
    assert asked.returncode == 0 and any("20亿元" in p["text"] for p in json.loads(asked.stdout)["passages"])

    from rag.stores.faiss_writer import _commit

    (index / ".building-x").mkdir()
    _commit(index, index / ".building-x")  # the cleanup after a commit: a user's v-* is not its to delete
    assert (mine / "thesis.txt").exists()


@pytest.mark.parametrize("folder", ["home", "file"])
def test_the_home_folder_and_a_file_are_no_index_folders(small_corpus: Path, tmp_path: Path, folder: str) -> None:
    target = Path.home() if folder == "home" else tmp_path / "index"
    if folder == "file":
        target.write_text("x", encoding="utf-8")
    run = rag("index", "--corpus", str(small_corpus), "--index", str(target), cwd=tmp_path)
    one_line_failure(run, f"index folder {target} is a")
