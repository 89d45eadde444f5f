"""What the browser chat does, without the widgets: answer a turn, rebuild, describe the corpus.

:mod:`rag.app.webapp` lays out the Gradio page and wires its events to these functions; they call
the same library as the CLI (:func:`rag.pipeline.stream`, :func:`rag.indexing.handle.rebuild`) and
return plain values (chat messages in Gradio's "messages" format are plain dicts), so
nothing here imports gradio and everything here is testable without a browser.

Heavy objects are shared: every request asks :func:`rag.indexing.handle.open_handle` for the
process-wide cached handle, which a successful rebuild swaps atomically, so answers
keep coming from the old index while a rebuild runs and from the new one afterwards.
"""

from __future__ import annotations

import hmac
import inspect
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from rag import pipeline as qa
from rag.app.html import (
    answer_html,
    corpus_html,
    error_html,
    file_html,
    parse_file_link,
    passages_html,
    pending_html,
    progress_html,
    rebuild_busy_html,
    rebuild_failed_html,
    rebuild_started_html,
    report_html,
    retrieved_title,
    sources_html,
    sources_title,
    status_line,
    streaming_html,
    user_html,
)
from rag.app.i18n import Lang, t
from rag.app.present import file_text
from rag.config import Settings
from rag.errors import RagError
from rag.indexing.handle import Handle, open_handle, rebuild
from rag.ingest.loader import OutsideCorpus, limits_of
from rag.pipeline import Turn, check_question
from rag.records import Hit
from rag.redact import redact_url
from rag.stores.manifest import Manifest
from rag.stores.registry import store_manifest

log = logging.getLogger(__name__)

Message = dict[str, Any]
StreamFn = Callable[..., Iterator[qa.Event]]

# Questions the seeds/ corpus answers, keyed by the file that holds the answer; a file
# that is not indexed (another corpus) hides its questions.
SEED_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("000_093b91aadbd42fdd.txt", "业界普遍认为进入大模型这个行业的入场门票是多少钱？"),
    ("001_bc6feda196b70a46.txt", "魔音工坊支持多少种语言和方言？"),
    ("004_d6384b67ad84fc0c.txt", "OpenAI是在北京时间几月几日宣告GPT-4诞生的？"),
    ("004_d6384b67ad84fc0c.txt", "What price did OpenAI set when it opened the ChatGPT API on March 2?"),
)


@dataclass
class Conversation:
    """One browser session's chat: what the Chatbot shows, and the plain turns for follow-ups."""

    messages: list[Message] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)


def user_message(question: str, lang: Lang = "en") -> Message:
    return {"role": "user", "content": user_html(question, lang)}


def bot_message(html: str, title: str | None = None) -> Message:
    """An assistant message; with a title, Gradio shows it as an open, collapsible box."""
    message: Message = {"role": "assistant", "content": html}
    if title:
        message["metadata"] = {"title": title}
    return message


def supports_llm_switch(stream: StreamFn = qa.stream) -> bool:
    """Whether the library's stream() takes an ``llm=`` choice per call."""
    return "llm" in inspect.signature(stream).parameters


def llm_choices(settings: Settings) -> list[str]:
    """The configured LLM first, then the extra choices, then the always-available extractive one."""
    choices: list[str] = []
    for spec in (settings.llm, *settings.llm_choices, "extractive"):
        if spec and spec not in choices:
            choices.append(spec)
    return choices


def example_questions(manifest: Manifest | None) -> list[str]:
    """Example questions whose answering file is in the index."""
    if manifest is None:
        return []
    indexed = {Path(source).name for source in manifest.files}
    return [question for name, question in SEED_EXAMPLES if name in indexed]


def prepare(settings: Settings, say: Callable[[str], None] = print) -> Handle:
    """Load (or first build) the index and warm the embedder, once, before serving."""
    handle = open_handle(settings, build_if_missing=True,
                         on_build=lambda: say(f"no index at {settings.index} yet: building it from "
                                              f"{settings.corpus} (once; this takes a few seconds) …"))
    handle.embedder.embed(["warm-up"])  # loads the model now, not on the first question
    return handle


class ChatEngine:
    """Answers chat turns for every session of one app (stateless; sessions carry a Conversation)."""

    def __init__(self, settings: Settings, stream: StreamFn = qa.stream) -> None:
        self.settings = settings
        self.stream = stream

    def _stream_options(self, llm: str | None) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if llm and supports_llm_switch(self.stream):
            options["llm"] = llm
        elif llm and llm != self.settings.llm:
            raise RagError(f"this version of rag cannot switch the LLM per question; "
                           f"set llm = {llm!r} in rag.toml and restart")
        return options

    def respond(self, message: str | None, conv: Conversation, llm: str | None = None,
                top_k: float | None = None, lang: Lang = "en") -> Iterator[Conversation]:
        """Yield the conversation as it grows: question, retrieved passages, streamed answer, sources.

        User errors (empty or over-long question, failing LLM) end the turn with a one-line
        error message in the chat; the conversation before it is kept and stays usable.
        ``lang`` is the language of what the app writes (the answer's is the question's).
        """
        text = message or ""
        try:
            question = check_question(text, self.settings.max_question_chars)
        except RagError as err:
            shown = [user_message(text, lang)] if text.strip() else []
            yield Conversation([*conv.messages, *shown, bot_message(error_html(str(err), lang))], conv.turns)
            return
        turn = 1 + sum(m["role"] == "user" for m in conv.messages)
        asked = [*conv.messages, user_message(question, lang)]
        yield Conversation([*asked, bot_message(pending_html(t("searching", lang)))], conv.turns)
        reader = qa.Reader()
        started = time.perf_counter()
        try:
            options = self._stream_options(llm)
            handle = open_handle(self.settings)
            if top_k:  # the slider
                handle = handle.with_settings(top_k=int(top_k))
            for step in reader.read(self.stream(handle, question, history=list(conv.turns), **options)):
                if step.answer is None:
                    body = (streaming_html(step.text, step.short) if step.text or step.short
                            else pending_html(t("writing", lang)))
                    yield Conversation([*asked, bot_message(body), self._retrieved(step.passages, lang)],
                                       conv.turns)
            answer = reader.answer
            assert answer is not None  # read() raises otherwise
            title = sources_title(answer, time.perf_counter() - started, lang)
            sources = bot_message(sources_html(answer, self.settings.corpus, turn, lang), title)
            yield Conversation([*asked, bot_message(answer_html(answer, turn, lang)), sources],
                               [*conv.turns, Turn(question, answer.answer)])
        except RagError as err:
            yield self._failed(asked, conv.turns, str(err), reader.passages, lang)
        except Exception as err:  # a bug must not leave the chat stuck on "Searching…"
            log.exception("chat turn failed")
            yield self._failed(asked, conv.turns, f"internal error ({type(err).__name__}: {err})",
                               reader.passages, lang)

    def _retrieved(self, hits: list[Hit], lang: Lang, failed: bool = False) -> Message:
        return bot_message(passages_html(hits, self.settings.corpus, lang), retrieved_title(hits, failed, lang))

    def _failed(self, asked: list[Message], turns: list[Turn], message: str, hits: list[Hit],
                lang: Lang) -> Conversation:
        shown = [bot_message(error_html(redact_url(message), lang))]
        if hits:  # the passages were found: show them so the user is not left with nothing
            shown.append(self._retrieved(hits, lang, failed=True))
        return Conversation([*asked, *shown], turns)


class IndexPanel:
    """The corpus view and the rebuild action, shared by all sessions of one app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._busy = threading.Lock()

    def manifest(self) -> Manifest | None:
        try:
            return store_manifest(self.settings)
        except RagError:
            return None

    def corpus(self, lang: Lang = "en") -> str:
        return corpus_html(self.manifest(), self.settings.index, lang)

    def status(self, lang: Lang = "en") -> str:
        return status_line(self.settings.corpus, self.manifest(), lang)

    def whole_file(self, link: str, lang: Lang = "en") -> str:
        """The file a "whole file" link names, with its passage highlighted.

        Only files of the index are shown: the link comes from the browser, so its
        source is checked against the manifest, never used as a path on its own.
        """
        try:
            source, start, end, quotes = parse_file_link(link)
        except (KeyError, ValueError, TypeError, AttributeError):
            return error_html("not a whole-file link", lang)
        manifest = self.manifest()
        if manifest is None or source not in manifest.files:
            return error_html(t("file_unknown", lang, source=source), lang)
        try:
            text = file_text(self.settings.corpus, source, limits_of(self.settings))
        except OutsideCorpus:  # indexed, but now a link out of the corpus: never followed
            return error_html(t("file_outside", lang, source=source), lang)
        except (OSError, ValueError) as err:
            return error_html(t("file_unreadable", lang, source=source, reason=err.__class__.__name__), lang)
        return file_html(source, text, start, end, quotes, self.settings.corpus, lang)

    def rebuild(self, lang: Lang = "en") -> Iterator[tuple[str, str, str]]:
        """Rebuild in a worker thread; yield (progress or result, corpus view, status line)."""
        if not self._busy.acquire(blocking=False):
            yield rebuild_busy_html(lang), self.corpus(lang), self.status(lang)
            return
        try:
            yield from self._rebuild_locked(lang)
        finally:
            self._busy.release()

    def _rebuild_locked(self, lang: Lang) -> Iterator[tuple[str, str, str]]:
        updates: queue.Queue[tuple[int, int] | None] = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["report"], _ = rebuild(self.settings, progress=lambda d, t: updates.put((d, t)))
            except RagError as err:
                outcome["error"] = str(err)
            except Exception as err:  # keep serving; the old handle stays cached
                log.exception("rebuild failed")
                outcome["error"] = f"internal error ({type(err).__name__}: {err})"
            finally:
                updates.put(None)

        threading.Thread(target=work, name="rag-rebuild", daemon=True).start()
        corpus, status = self.corpus(lang), self.status(lang)
        yield rebuild_started_html(lang), corpus, status
        while (update := updates.get()) is not None:
            yield progress_html(*update, lang=lang), corpus, status
        if "error" in outcome:
            yield rebuild_failed_html(redact_url(outcome["error"]), lang), self.corpus(lang), self.status(lang)
        else:
            yield report_html(outcome["report"], lang), self.corpus(lang), self.status(lang)


class SignIn:
    """The browser sign-in check, with failed attempts rate-limited.

    After ``free`` failures in a row, sign-ins are refused without looking at the
    password for 1 s, then 2, 4 … up to ``max_wait`` s after each further failure: a
    guesser gets a handful of tries a minute instead of ~100 a second.  Attempts made
    while refused do not extend the wait, so the right password works once it is over.
    Gradio gives the check no client address, so the count is shared by all clients (a
    guesser also delays the real user: the price of not being guessable).
    """

    def __init__(self, user: str, password: str, free: int = 5, max_wait: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._user, self._password = user.encode("utf-8"), password.encode("utf-8")
        self.free, self.max_wait, self.clock = free, max_wait, clock
        self.failures = 0
        self.checked = 0  # passwords actually compared (what a guesser gets)
        self.refused_until = 0.0
        self._lock = threading.Lock()

    def __call__(self, user: str, password: str) -> bool:
        with self._lock:
            if self.clock() < self.refused_until:
                return False
            self.checked += 1
        # Both compared in constant time, whatever matched: timing tells nothing.
        good = hmac.compare_digest(str(user).encode("utf-8", "surrogatepass"), self._user)
        good = hmac.compare_digest(str(password).encode("utf-8", "surrogatepass"), self._password) and good
        with self._lock:
            if good:
                self.failures = 0
                return True
            self.failures += 1
            if self.failures >= self.free:
                wait = min(2.0 ** (self.failures - self.free), self.max_wait)
                self.refused_until = self.clock() + wait
                log.warning("sign-in failed %d times in a row: refusing sign-ins for %g s", self.failures, wait)
            return False
