"""The ``rag`` command: a thin shell over the library (``rag.indexing.handle``, ``rag.pipeline``).

Heavy modules are imported inside commands, so ``rag --help`` is instant and
``rag ask`` loads only what the configured backends need.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import click
from rich.console import Console
from rich.markup import escape

from rag.app.auth import PS_WARNING, resolve_auth
from rag.config import Settings, load_settings
from rag.errors import RagError

# emoji=False: a document's ":warning:" is printed as written.  What documents hold goes
# through rag.app.terminal.visible() first (no escape sequence reaches the terminal).
out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command accepts; each maps onto a Settings field."""
    options = [
        click.option("--corpus", type=click.Path(path_type=Path), help="Corpus folder [env RAG_CORPUS; default seeds/]."),
        click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [env RAG_INDEX; default index/]."),
        click.option("--embedding", help="'e5' (offline default), 'use', 'use+e5', 'st:MODEL' "
                                          "(sentence-transformers id or path), or a server's: 'openai:MODEL', "
                                          "'ollama:MODEL' (see embedding_base_url)."),
        click.option("-v", "--verbose", is_flag=True, help="Log details (file encodings, timings)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def settings_from(**flags: Any) -> Settings:
    flags["index"] = flags.pop("index_dir", None)
    return load_settings(flags)


def fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user errors into one line on stderr and a non-zero exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RagError as e:
            err.print(f"[bold red]error:[/] {safe(str(e))}")
            sys.exit(1)
        except KeyboardInterrupt:
            err.print("interrupted; the previous index is unchanged")
            sys.exit(130)
        except OSError as e:  # e.g. a full disk while writing something other than the index
            err.print(f"[bold red]error:[/] {safe(os_error_line(e))}")
            sys.exit(1)
        except Exception as e:  # a bug: one line for the user, the traceback in the -v log
            logging.getLogger("rag").info("unexpected error", exc_info=True)
            err.print(f"[bold red]error:[/] internal error ({type(e).__name__}: {safe(one_line(str(e)))}); "
                      "run with -v for details")
            sys.exit(1)

    return wrapper


def safe(text: str) -> str:
    """Text from outside (a message naming a file, a URL) for a markup line: secrets in URLs
    masked, control characters made visible, markup escaped."""
    from rag.app.terminal import shown
    from rag.redact import redact_url

    return shown(redact_url(text))


def one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def os_error_line(e: OSError) -> str:
    from rag.indexing.build import write_error

    if e.filename:
        return write_error(Path(e.filename), e).replace("cannot write the index at", "cannot write")
    return one_line(e.strerror or str(e))


def _setup_logging(verbose: bool) -> None:
    from rag.redact import install

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(message)s", stream=sys.stderr)
    install()  # secrets in URLs are masked in every log line


@click.group()
@click.version_option(package_name="rag")
def cli() -> None:
    """Ask questions of a folder of documents; every answer cites its passages."""


@cli.command("index")
@common_options
@click.option("--chunk-size", type=int, help="Chunk size in characters.")
@click.option("--index-type", type=click.Choice(["auto", "flat", "hnsw", "ivf"]), help="FAISS index type.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@fail_cleanly
def index_cmd(corpus: Path | None, index_dir: Path | None, embedding: str | None, verbose: bool,
              chunk_size: int | None, index_type: str | None, as_json: bool) -> None:
    """Build or update the index (only changed files are re-embedded)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from rag.indexing.estimate import Estimate
    from rag.indexing.handle import rebuild

    _setup_logging(verbose)
    s = settings_from(corpus=corpus, index_dir=index_dir, embedding=embedding, chunk_size=chunk_size,
                      index_type=index_type)
    rate = TextColumn("{task.fields[rate]}")
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), rate,
                  TimeElapsedColumn(), "ETA", TimeRemainingColumn(), console=err, transient=True,
                  disable=as_json) as bar:
        task = bar.add_task("embedding chunks", total=None, rate="")

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f} chunks/s" if speed else "")

        def estimated(found: Estimate) -> None:  # before a big build starts: how long, and what is faster
            bar.console.print(f"[yellow]{safe(found.line())}[/]" if found.long else safe(found.line()))

        with skips_unlogged():  # listed from the report below: one line per skipped file
            report, _ = rebuild(s, progress=show, on_estimate=estimated)
    if report.repaired:
        err.print(f"[yellow]the index at {safe(str(s.index))} failed verification "
                  f"({safe(report.repaired)}): rebuilt it from scratch[/]")
    if as_json:
        print_json(report.as_dict())
        return
    for item in report.skipped:
        err.print(f"[yellow]skipped[/] {safe(item.source)}: {safe(item.reason)}")
    if report.up_to_date:
        out.print(f"index up to date: {report.files} files, {report.chunks} chunks ({report.seconds:.2f} s) → {s.index}")
        return
    out.print(f"indexed {report.files} files, {report.chunks} chunks in {report.seconds:.1f} s → {s.index}")
    for label, items in (("added", report.added), ("changed", report.changed),
                         ("removed", report.removed), ("unchanged", report.unchanged)):
        if items:
            out.print(f"  {label:9} {len(items):3}  {safe(', '.join(items[:4]))}{' …' if len(items) > 4 else ''}")
    out.print(f"  embedded {report.embedded_chunks} chunks, reused {report.chunks - report.embedded_chunks}"
              + (f" ({report.cached_sentences} sentence vectors reused from the embedding cache: an"
                    " interrupted build, or text repeated in the corpus)"
                 if report.cached_sentences else ""))
    if s.vector_store == "milvus":
        from rag.stores.milvus import LEXICAL_NOTE, milvus_uri

        out.print(f"  vectors and texts in Milvus at {safe(milvus_uri(s))}; {LEXICAL_NOTE}")


def print_json(data: Any) -> None:
    """JSON on stdout, every character of it safe on a terminal (rag.app.terminal.safe_json)."""
    from rag.app.terminal import safe_json

    click.echo(safe_json(data))


@contextlib.contextmanager
def skips_unlogged() -> Iterator[None]:
    """Drop the loader's per-file "skipped" log lines while the caller lists them itself."""
    from rag.ingest.loader import SKIP_RECORD

    def keep(record: logging.LogRecord) -> bool:
        return not getattr(record, SKIP_RECORD, False)

    loader = logging.getLogger("rag.ingest.loader")
    loader.addFilter(keep)
    try:
        yield
    finally:
        loader.removeFilter(keep)


def open_or_build(s: Settings):
    from rag.indexing.handle import open_handle

    return open_handle(s, build_if_missing=True,
                       on_build=lambda: err.print(f"no index at {safe(str(s.index))} yet: building it from {safe(str(s.corpus))} …"))


UNSUPPORTED_HELP = ("What to do with an LLM answer whose figures, dates or names the passages do not hold: "
                    "warn (default), abstain, or extractive [env RAG_LLM_UNSUPPORTED].")
LLM_HELP = ("Answerer: 'extractive' (default, no LLM) or a LangChain chat model 'provider:model', "
            "e.g. openai:gpt-4o-mini, ollama:qwen2.5:7b [env RAG_LLM].")


@cli.command("ask")
@click.argument("question")
@common_options
@click.option("-k", "--top-k", type=int, help="How many passages to retrieve.")
@click.option("--llm", help=LLM_HELP)
@click.option("--llm-unsupported", type=click.Choice(["warn", "abstain", "extractive"]), help=UNSUPPORTED_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (see README).")
@fail_cleanly
def ask_cmd(question: str, corpus: Path | None, index_dir: Path | None, embedding: str | None,
            verbose: bool, top_k: int | None, llm: str | None, llm_unsupported: str | None, as_json: bool) -> None:
    """Answer QUESTION from the corpus, citing the passages used (an LLM's answer streams)."""
    from rag.app.terminal import drain, failure_dict, show_stream
    from rag.pipeline import check_answerer, check_question, stream

    _setup_logging(verbose)
    s = settings_from(corpus=corpus, index_dir=index_dir, embedding=embedding, top_k=top_k, llm=llm,
                      llm_unsupported=llm_unsupported)
    check_question(question, s.max_question_chars)  # fail before loading anything
    spec = check_answerer(s)
    events = stream(open_or_build(s), question)
    if not as_json:
        show_stream(s, events, out)
        return
    answer, hits, failure = drain(events)
    result = answer.to_dict() if answer else failure_dict(question, spec, hits, failure)  # type: ignore[arg-type]
    print_json(result)
    if failure:
        raise failure


@cli.command("chat")
@common_options
@click.option("-k", "--top-k", type=int, help="How many passages to retrieve per question.")
@click.option("--llm", help=LLM_HELP)
@fail_cleanly
def chat_cmd(corpus: Path | None, index_dir: Path | None, embedding: str | None, verbose: bool,
             top_k: int | None, llm: str | None) -> None:
    """Ask questions in turn; follow-ups may refer to earlier ones. /new forgets, /exit or Ctrl-D quits."""
    from rag.app.terminal import show_stream
    from rag.pipeline import Turn, check_answerer, stream

    _setup_logging(verbose)
    s = settings_from(corpus=corpus, index_dir=index_dir, embedding=embedding, top_k=top_k, llm=llm)
    spec = check_answerer(s)
    handle = open_or_build(s)
    err.print(f"[dim]rag chat: answering from {safe(str(s.corpus))} with {safe(spec)}; "
              f"/new forgets the conversation, /exit or Ctrl-D quits[/]")
    history: list[Turn] = []
    if hasattr(sys.stdin, "reconfigure"):  # undecodable input becomes a clear error per line, not a crash
        sys.stdin.reconfigure(errors="surrogateescape")
    while True:
        try:
            question = out.input("[bold cyan]?[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if question in ("/exit", "/quit"):
            return
        if question == "/new":
            history = []
            err.print("[dim]conversation forgotten[/]")
            continue
        if not question:
            continue
        try:
            answer = show_stream(s, stream(handle, question, history=history), out)
        except RagError as e:
            err.print(f"[bold red]error:[/] {safe(str(e))}")
            continue
        except KeyboardInterrupt:
            err.print("\n[dim]stopped[/]")
            continue
        except Exception as e:  # a bug in one turn must not end the session
            logging.getLogger("rag").info("chat turn failed", exc_info=True)
            err.print(f"[bold red]error:[/] internal error ({type(e).__name__}: {safe(one_line(str(e)))})")
            continue
        history.append(Turn(question, answer.answer))
        out.print()


@cli.command("eval")
@click.argument("file", type=click.Path(path_type=Path))
@common_options
@click.option("-k", "--top-k", type=int, help="Passages retrieved per question [default: 10, or top_k if larger: MRR@10 needs ten].")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True)
@click.option("--llm", help=LLM_HELP)
@click.option("--llm-unsupported", type=click.Choice(["warn", "abstain", "extractive"]), help=UNSUPPORTED_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print metrics and per-question results as JSON.")
@fail_cleanly
def eval_cmd(file: Path, corpus: Path | None, index_dir: Path | None, embedding: str | None,
             verbose: bool, top_k: int | None, mode: str, llm: str | None, llm_unsupported: str | None,
             as_json: bool) -> None:
    """Score retrieval (hit@1/3/5, MRR@10), citations and abstention on FILE."""
    from rich import box
    from rich.table import Table

    from rag.api import evaluate_questions
    from rag.evaluate import EVAL_DEPTH, read_questions
    from rag.pipeline import check_answerer

    _setup_logging(verbose)
    s = settings_from(corpus=corpus, index_dir=index_dir, embedding=embedding, top_k=top_k, llm=llm,
                      llm_unsupported=llm_unsupported)
    check_answerer(s)
    questions = read_questions(file)
    handle = open_or_build(s)
    if top_k is None:  # MRR@10 needs ten ranked passages
        handle = handle.with_settings(top_k=max(EVAL_DEPTH, s.top_k))
    report = evaluate_questions(handle, questions, mode=mode)  # type: ignore[arg-type]
    if as_json:
        print_json(report)
        return
    # Short headers so the table fits 80 columns; the line under it says what they mean.
    columns = {"hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "mrr@10": "MRR@10", "cited_evidence": "cited",
               "answered": "answered", "abstained_unanswerable": "abstained", "flagged": "flagged",
               "short_em": "EM", "short_f1": "F1"}
    table = Table(title=f"{file} ({mode})", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    if "flagged" not in report["metrics"]["overall"]:  # the extractive answerer: no claim check
        del columns["flagged"]
    if "short_f1" not in report["metrics"]["overall"]:  # no gold answer spans in the file
        del columns["short_em"], columns["short_f1"]
    table.add_column("type", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    for header in columns.values():
        table.add_column(header, justify="right", no_wrap=True)
    rows = [("overall", report["metrics"]["overall"])] + list(report["metrics"]["by_type"].items())
    for name, m in rows:
        table.add_row(name, str(m["questions"]), *(f"{m[c]:.3f}" if c in m else "" for c in columns))
    out.print(table)
    out.print("[dim]cited: the cited passages hold the evidence · answered: answerable questions not abstained "
              "on · abstained: unanswerable questions abstained on"
              + (" · flagged: LLM answers with claims the passages do not hold" if "flagged" in columns else "")
              + (" · EM/F1: the short answer (else the answer) against the gold spans, CMRC-style"
                 if "short_f1" in columns else "")
              + "[/dim]")
    decisions = report["metrics"]["overall"].get("claim_check")
    if decisions:
        out.print(f"[dim]llm_unsupported = {s.llm_unsupported}: "
                  + ", ".join(f"{name} {n}" for name, n in decisions.items()) + "[/dim]")


@cli.command("serve")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; keep loopback unless you set --auth.")
@click.option("--port", type=int, default=7860, show_default=True, help="Port to listen on.")
@click.option("--auth", metavar="USER:PASSWORD",
              help="Require this sign-in in the browser (visible in ps: prefer RAG_AUTH or --auth-file).")
@click.option("--auth-file", type=click.Path(path_type=Path), help="Read the sign-in USER:PASSWORD from this file.")
@fail_cleanly
def serve_cmd(corpus: Path | None, index_dir: Path | None, embedding: str | None, verbose: bool,
              host: str, port: int, auth: str | None, auth_file: Path | None) -> None:
    """Chat with the corpus in the browser (builds the index if missing); sign-in from
    RAG_AUTH=USER:PASSWORD, --auth-file or --auth."""
    _setup_logging(verbose)
    s = settings_from(corpus=corpus, index_dir=index_dir, embedding=embedding)
    sign_in = resolve_auth(auth, auth_file)  # what the user typed first, then what the machine has
    check_port(host, port)  # before loading anything or printing "serving"
    from rag.app.webapp import serve  # gradio is imported only here

    if auth:
        err.print(f"[yellow]{escape(PS_WARNING)}[/]")
    serve(s, host, port, sign_in)


def check_port(host: str, port: int) -> None:
    """A port in range that nothing else listens on, or a one-line error."""
    import socket

    if not 1 <= port <= 65535:
        raise RagError(f"--port must be between 1 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise RagError(f"--host {host!r} is not an address of this machine ({e})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            raise RagError(f"cannot serve on {host}:{port} ({e.strerror or e}): pass another --port") from None


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
