"""HTML for the browser chat: answers whose ``[n]`` markers link to their sources.

Pure functions, text in and HTML out, so they are tested without a browser.  Two
rules hold everywhere:

* every piece of corpus, user or model text goes through :func:`esc` (the Chatbot
  sanitises too, but escaping is what keeps ``<`` in a passage a ``<``);
* the HTML is one line.  The Chatbot renders Markdown, where a raw HTML block ends at
  a blank line and whatever follows would be read as Markdown (``*``, ``#``, ``$`` in
  a passage); newlines in text become ``<br>``.  (The whole-file view goes to a plain
  HTML box instead, and keeps the file's line breaks.)

Anchor ids (``rag-t{turn}-s{n}``) are unique per conversation turn, so ``[1]`` of
the third answer jumps to source 1 of the third answer.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable, Collection, Iterable, Sequence
from urllib.parse import parse_qs, urlencode

from rag.app.i18n import Lang, t
from rag.app.present import line_range
from rag.records import Answer, Hit, Passage
from rag.stores.manifest import BuildReport, Manifest
from rag.text.markers import MARKER, marker_numbers

USER_ECHO_CHARS = 600  # a pasted essay is not echoed back in full
FILE_LINK_PREFIX = "#rag-file?"
FILE_VIEW_CHARS = 200_000  # a longer file is shown around the passage: the browser stays responsive


_NEWLINES = re.compile(r"\s*\n\s*")


def esc(text: str) -> str:
    """Escape ``text`` for HTML; each run of line breaks becomes one ``<br>`` (no raw newlines)."""
    return _NEWLINES.sub("<br>", html.escape(text, quote=True))


def anchor_id(turn: int, n: int) -> str:
    return f"rag-t{turn}-s{n}"


def link_markers(text: str, turn: int, valid: Collection[int], lang: Lang = "en") -> str:
    """Escape ``text``; markers whose numbers are all in ``valid`` become links to sources."""
    parts: list[str] = []
    pos = 0
    for match in MARKER.finditer(text):
        parts.append(esc(text[pos : match.start()]))
        numbers = [int(n) for n in marker_numbers(match.group(1))]
        if valid and all(n in valid for n in numbers):
            parts.extend(f'<a class="rag-cite" href="#{anchor_id(turn, n)}" title="{esc(t("source_n", lang, n=n))}">'
                         f'[{n}]</a>' for n in numbers)
        else:
            parts.append(f'<span class="rag-marker">{esc(match.group(0))}</span>')
        pos = match.end()
    parts.append(esc(text[pos:]))
    return "".join(parts)


# ---------------------------------------------------------------- chat messages

def user_html(question: str, lang: Lang = "en") -> str:
    if len(question) <= USER_ECHO_CHARS:
        return f'<div class="rag-question">{esc(question)}</div>'
    return (f'<div class="rag-question">{esc(question[:USER_ECHO_CHARS])}…'
            f'<span class="rag-muted"> {esc(t("long_question", lang, n=len(question)))}</span></div>')


def pending_html(what: str) -> str:
    return f'<div class="rag-answer rag-pending">{esc(what)}</div>'


def streaming_html(text: str, short: str | None = None) -> str:
    """The answer while it streams in: markers shown, linked only once the answer is final."""
    return f'<div class="rag-answer rag-streaming">{short_html(short)}{link_markers(text, 0, ())}</div>'


def short_html(short: str | None) -> str:
    """The short answer, the answer's first line ("" when there is none)."""
    return f'<div class="rag-short">{esc(short)}</div>' if short else ""


def _marked_body(answer: Answer, turn: int, lang: Lang) -> str:
    """The answer with linked markers, and the short answer marked where the sentence says it."""
    valid = {c.n for c in answer.citations}
    short = answer.short_answer
    at = answer.answer.find(short) if short else -1
    if not short or at < 0:
        return link_markers(answer.answer, turn, valid, lang)
    end = at + len(short)
    return (link_markers(answer.answer[:at], turn, valid, lang) + f'<mark class="rag-span">{esc(short)}</mark>'
            + link_markers(answer.answer[end:], turn, valid, lang))


def error_html(message: str, lang: Lang = "en") -> str:
    return f'<div class="rag-error"><span class="rag-label">{esc(t("error", lang))}</span>{esc(message)}</div>'


def answer_html(answer: Answer, turn: int, lang: Lang = "en") -> str:
    """The final answer: linked markers, or a clear "not in the corpus" notice."""
    withheld = ""
    if answer.llm_answer and answer.unsupported_claims:  # the llm_unsupported policy replaced it
        withheld = (f'<div class="rag-warning">The LLM\'s answer was withheld: the passages do not hold '
                    f'{esc("、".join(answer.unsupported_claims))}. It said: {esc(answer.llm_answer)}</div>')
    if answer.abstained:
        return (f'<div class="rag-answer rag-abstained"><span class="rag-label">{esc(t("not_in_corpus", lang))}'
                f'</span>{esc(answer.answer)}</div>{withheld}')
    body = short_html(answer.short_answer) + _marked_body(answer, turn, lang)
    notes = []
    if answer.unsupported_claims and not withheld:
        notes.append("The cited passages do not hold: " + "、".join(answer.unsupported_claims)
                     + ". Check these before relying on the answer.")
    if answer.attached_citations:
        notes.append("Citations " + "".join(f"[{n}]" for n in answer.attached_citations)
                     + " were added by rag: the LLM did not cite those sentences.")
    if answer.ungrounded:
        notes.append(t("ungrounded", lang))
    if answer.dropped_markers:
        notes.append(t("dropped", lang, markers=", ".join(answer.dropped_markers)))
    warning = "".join(f'<div class="rag-warning">{esc(note)}</div>' for note in notes)
    return f'<div class="rag-answer">{body}</div>{warning}{withheld}'


# ---------------------------------------------------------------- sources

def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif a < b:
            out.append((a, b))
    return out


def highlight(text: str, offset: int, quotes: Sequence[tuple[int, int]],
              escape: Callable[[str], str] = esc) -> str:
    """Escape ``text`` (which starts at file offset ``offset``) with ``quotes`` in ``<mark>``."""
    relative = [(max(a - offset, 0), min(b - offset, len(text))) for a, b in quotes]
    parts: list[str] = []
    pos = 0
    for a, b in _merged(span for span in relative if span[0] < span[1]):
        parts += [escape(text[pos:a]), '<mark class="rag-quote">', escape(text[a:b]), "</mark>"]
        pos = b
    parts.append(escape(text[pos:]))
    return "".join(parts)


def where(corpus: Path, p: Passage, lang: Lang = "en") -> str:
    """The PDF page or heading path, else the line range (plain text), else the offsets."""
    if p.location:
        return p.location
    lines = line_range(corpus, p.source, p.start, p.end)
    if lines is None:
        return t("chars", lang, start=p.start, end=p.end)
    first, last = lines
    return t("line", lang, first=first) if first == last else t("lines", lang, first=first, last=last)


def file_link(p: Passage, quotes: Sequence[tuple[int, int]] = ()) -> str:
    """The target of a "whole file" link: the page's script hands it to the file view.

    A fragment, not a URL: the file is served through the app's own (authenticated)
    event, never as a path anyone could fetch.
    """
    query = {"source": p.source, "start": p.start, "end": p.end}
    if quotes:
        query["quotes"] = ",".join(f"{a}-{b}" for a, b in quotes)
    return FILE_LINK_PREFIX + urlencode(query)


def parse_file_link(link: str) -> tuple[str, int, int, list[tuple[int, int]]]:
    """(source, start, end, quotes) from :func:`file_link`'s fragment; ValueError if malformed."""
    fields = parse_qs(link.removeprefix(FILE_LINK_PREFIX), strict_parsing=True)
    quotes = []
    for span in (fields.get("quotes") or [""])[0].split(","):
        if span:
            a, _, b = span.partition("-")
            quotes.append((int(a), int(b)))
    return fields["source"][0], int(fields["start"][0]), int(fields["end"][0]), quotes


def passage_html(p: Passage, corpus: Path, label: str, element_id: str | None = None,
                 folded: bool = False, quotes: Sequence[tuple[int, int]] = (), lang: Lang = "en") -> str:
    """One source: file, line range, a link to the whole file, and the text with ``quotes``
    highlighted; ``folded`` clips the text until clicked open."""
    toggle = (f'<span class="rag-toggle rag-show">{esc(t("show_all", lang))}</span>'
              f'<span class="rag-toggle rag-hide">{esc(t("show_less", lang))}</span>') if folded else ""
    head = (f'<div class="rag-source-head"><span class="rag-n">{esc(label)}</span>'
            f'<span class="rag-file">{esc(p.source)}</span>'
            f'<span class="rag-lines">{esc(where(corpus, p, lang))}</span>'
            f'<a class="rag-open" href="{esc(file_link(p, quotes))}">{esc(t("whole_file", lang))}</a>'
            f'<span class="rag-chars">{esc(t("chars", lang, start=p.start, end=p.end))}</span>{toggle}</div>'
            f'<div class="rag-passage">{highlight(p.text, p.start, quotes)}</div>')
    if folded:
        return f'<details class="rag-source rag-fold"><summary>{head}</summary></details>'
    ident = f' id="{element_id}"' if element_id else ""
    return f'<div class="rag-source"{ident}>{head}</div>'


def passages_html(hits: Sequence[Hit], corpus: Path, lang: Lang = "en") -> str:
    """Retrieved passages in rank order (while answering, after an abstention or failure)."""
    body = "".join(passage_html(h.chunk, corpus, f"#{rank}", folded=True, lang=lang)
                   for rank, h in enumerate(hits, 1))
    return f'<div class="rag-sources">{body}</div>'


def sources_html(answer: Answer, corpus: Path, turn: int, lang: Lang = "en") -> str:
    """Cited passages with their quotes highlighted, then the other retrieved ones folded."""
    if answer.abstained or not answer.citations:
        return passages_html(answer.passages, corpus, lang)
    cited = "".join(
        passage_html(c.passage, corpus, f"[{c.n}]", anchor_id(turn, c.n), quotes=c.quotes, lang=lang)
        for c in answer.citations)
    used = {(c.source, c.start) for c in answer.citations}
    others = [h for h in answer.passages if (h.chunk.source, h.chunk.start) not in used]
    more = ""
    if others:
        items = "".join(passage_html(h.chunk, corpus, "·", folded=True, lang=lang) for h in others)
        summary = t("more_passage", lang) if len(others) == 1 else t("more_passages", lang, k=len(others))
        more = f'<details class="rag-more"><summary>{esc(summary)}</summary>{items}</details>'
    return f'<div class="rag-sources">{cited}{more}</div>'


def sources_title(answer: Answer, seconds: float, lang: Lang = "en") -> str:
    """The heading of the sources box (Markdown, so kept free of markup characters)."""
    k = len(answer.passages)
    if answer.abstained:
        return t("closest_title", lang, k=k)
    return t("sources_title", lang, cited=len(answer.citations), k=k, llm=answer.llm, seconds=seconds)


def retrieved_title(hits: Sequence[Hit], failed: bool = False, lang: Lang = "en") -> str:
    return t("retrieved_title", lang, k=len(hits)) + (t("retrieved_failed", lang) if failed else "")


# ---------------------------------------------------------------- the whole file

def file_html(source: str, text: str, start: int, end: int, quotes: Sequence[tuple[int, int]],
              corpus: Path, lang: Lang = "en") -> str:
    """The whole file ``source`` with the passage ``[start, end)`` (id ``rag-file-span``) and
    its quotes highlighted; line breaks kept (this goes to an HTML box, not the Chatbot)."""
    notes = []
    found = 0 <= start < end <= len(text)
    if not found:
        notes.append(t("file_changed", lang))
        start = end = 0
    total = len(text)
    lo, hi = 0, total
    if total > FILE_VIEW_CHARS:  # a huge file: the part around the passage
        lo = max(0, min(start - FILE_VIEW_CHARS // 2, total - FILE_VIEW_CHARS))
        hi = lo + FILE_VIEW_CHARS
        notes.append(t("file_clipped", lang, shown=hi - lo, total=total))
    plain = html.escape
    body = (plain(text[lo:start]) + '<span id="rag-file-span" class="rag-file-span">'
            + highlight(text[start:end], start, quotes, escape=plain) + "</span>" + plain(text[end:hi]))
    lines = where(corpus, Passage(source, start, end, text[start:end]), lang) if found else ""
    head = esc(t("file_head", lang, source=source, lines=lines)) if found else esc(source)
    warning = "".join(f'<div class="rag-warning">{esc(note)}</div>' for note in notes)
    return (f'<div class="rag-file-view"><div class="rag-file-title">{head}</div>{warning}'
            f'<div class="rag-file-body">{body}</div></div>')


# ---------------------------------------------------------------- corpus and index

def corpus_html(manifest: Manifest | None, index_dir: Path, lang: Lang = "en") -> str:
    """The indexed files with their chunk counts, or how to get an index."""
    if manifest is None:
        return f'<div class="rag-corpus rag-muted">{esc(t("no_index", lang, index=index_dir))}</div>'
    rows = "".join(f'<tr><td title="{esc(source)}">{esc(Path(source).name)}</td><td>{entry.chunks}</td></tr>'
                   for source, entry in sorted(manifest.files.items()))
    total = sum(entry.chunks for entry in manifest.files.values())
    summary = t("corpus_summary", lang, files=len(manifest.files), chunks=total,
                built=manifest.built_at[:16].replace("T", " "))
    return (f'<div class="rag-corpus"><table><thead><tr><th>{esc(t("file", lang))}</th>'
            f'<th>{esc(t("chunks", lang))}</th></tr></thead>'
            f'<tbody>{rows}</tbody></table><div class="rag-muted">{esc(summary)}</div></div>')


def status_line(corpus: Path, manifest: Manifest | None, lang: Lang = "en") -> str:
    """One line under the title: what is being asked."""
    name = f'<code title="{esc(str(corpus))}">{esc(corpus.name)}/</code>'
    if manifest is None:
        line = esc(t("status_unindexed", lang, corpus="{corpus}"))
        return f'<div class="rag-status">{line.replace("{corpus}", name)}</div>'
    chunks = sum(entry.chunks for entry in manifest.files.values())
    line = esc(t("status", lang, corpus="{corpus}", files=len(manifest.files), chunks=chunks,
                 embedding=manifest.embedding))
    return f'<div class="rag-status">{line.replace("{corpus}", name)}</div>'


def progress_html(done: int, total: int, lang: Lang = "en") -> str:
    share = 0 if total <= 0 else round(100 * done / total)
    return (f'<div class="rag-rebuild"><div class="rag-bar"><div style="width:{share}%"></div></div>'
            f'{esc(t("rebuild_progress", lang, done=done, total=total))}</div>')


def rebuild_started_html(lang: Lang = "en") -> str:
    return f'<div class="rag-rebuild">{esc(t("rebuild_started", lang))}</div>'


def _names(items: Sequence[str], lang: Lang) -> str:
    shown = ", ".join(Path(s).name for s in items[:3])
    return shown + (t("and_more", lang, n=len(items) - 3) if len(items) > 3 else "")


def report_html(report: BuildReport, lang: Lang = "en") -> str:
    """What a finished rebuild did, in one short block."""
    skipped = "".join(f'<div class="rag-warning">{esc(t("skipped", lang, source=s.source, reason=s.reason))}</div>'
                      for s in report.skipped)
    if report.up_to_date:
        done = t("rebuild_up_to_date", lang, files=report.files, chunks=report.chunks, seconds=report.seconds)
        return f'<div class="rag-rebuild rag-ok">{esc(done)}</div>{skipped}'
    changes = [f"{t(label, lang)} {len(items)}" + (f" ({_names(items, lang)})" if items else "")
               for label, items in (("added", report.added), ("changed", report.changed),
                                    ("removed", report.removed))]
    done = t("rebuild_done", lang, seconds=report.seconds, files=report.files, chunks=report.chunks,
             changes="; ".join(changes), embedded=report.embedded_chunks,
             reused=report.chunks - report.embedded_chunks)
    return f'<div class="rag-rebuild rag-ok">{esc(done)}</div>{skipped}'


def rebuild_failed_html(message: str, lang: Lang = "en") -> str:
    return (f'<div class="rag-rebuild rag-error"><span class="rag-label">{esc(t("rebuild_failed", lang))}</span>'
            f'{esc(message)}<div class="rag-muted">{esc(t("rebuild_kept", lang))}</div></div>')


def rebuild_busy_html(lang: Lang = "en") -> str:
    return f'<div class="rag-rebuild rag-warning">{esc(t("rebuild_busy", lang))}</div>'


# ---------------------------------------------------------------- style

# The classes above, styled; light and dark (Gradio puts ``.dark`` on the page).
CSS = """
.gradio-container { width: 100% !important; max-width: 1400px !important; margin: 0 auto !important; }
#rag-header { align-items: baseline; gap: 1rem; margin-bottom: .25rem; }
#rag-header h1 { font-size: 1.6rem; font-weight: 700; margin: 0; }
#rag-header > * { flex: 0 0 auto !important; min-width: 0 !important; width: auto !important; }
#rag-header > #rag-status { flex: 1 1 auto !important; }
#rag-subtitle p { font-size: 1rem; margin: 0; color: var(--body-text-color-subdued); }
.rag-status { text-align: right; font-size: .85rem; color: var(--body-text-color-subdued); }
.rag-status code { font-size: .8rem; }
#rag-side h4 { margin: .4rem 0 .1rem; }

#rag-chat .message-content { font-size: 1rem; line-height: 1.75; }
.rag-question { white-space: normal; }
.rag-answer { font-size: 1.02rem; }
.rag-short { font-size: 1.3rem; font-weight: 700; line-height: 1.5; margin-bottom: .2em; }
mark.rag-span { background: var(--primary-100); color: inherit; padding: 0 .1em; border-radius: 3px; }
a.rag-cite {
  display: inline-block; margin: 0 .08em; padding: 0 .38em; border-radius: .7em;
  background: var(--primary-100); color: var(--primary-700) !important; font-size: .78em;
  font-weight: 700; line-height: 1.45; text-decoration: none !important; vertical-align: .35em;
}
a.rag-cite:hover { background: var(--primary-600); color: white !important; }
.rag-marker { color: var(--body-text-color-subdued); font-size: .78em; vertical-align: .35em; }
.rag-muted { color: var(--body-text-color-subdued); font-size: .85em; }
.rag-label {
  display: inline-block; margin-right: .6em; padding: .05em .5em; border-radius: 4px;
  font-size: .72em; font-weight: 700; letter-spacing: .04em; text-transform: uppercase;
  vertical-align: .12em; color: white; background: #d97706;
}
.rag-abstained { border-left: 4px solid #f59e0b; background: #fffbeb; padding: .5em .8em; border-radius: 6px; }
.rag-error { border-left: 4px solid #dc2626; background: #fef2f2; color: #7f1d1d; padding: .5em .8em; border-radius: 6px; }
.rag-error .rag-label { background: #dc2626; }
.rag-warning { margin-top: .4em; padding: .3em .7em; border-radius: 6px; font-size: .85em; background: #fffbeb; color: #92400e; }
.rag-pending { color: var(--body-text-color-subdued); }
.rag-pending::before {
  content: ""; display: inline-block; width: .85em; height: .85em; margin-right: .55em; vertical-align: -.1em;
  border-width: 2px; border-style: solid; border-color: var(--primary-500); border-top-color: transparent;
  border-radius: 50%;
  animation: rag-spin .8s linear infinite;
}
.rag-streaming::after { content: ""; display: inline-block; width: .45em; height: 1.05em; margin-left: .1em; vertical-align: -.15em;
  background: var(--primary-400); animation: rag-blink 1s steps(2) infinite; }
@keyframes rag-spin { to { transform: rotate(360deg); } }
@keyframes rag-blink { 50% { opacity: 0; } }

.rag-sources { display: flex; flex-direction: column; gap: .55em; }
.rag-source {
  padding: .45em .75em; border-radius: 6px; border-left: 3px solid var(--neutral-300);
  background: var(--background-fill-secondary); scroll-margin: 1.5em;
}
.rag-source[id] { border-left-color: var(--primary-500); }
.rag-source:target { outline: 2px solid var(--primary-500); animation: rag-flash 1.6s ease-out; }
@keyframes rag-flash { from { background: var(--primary-100); } }
.rag-source-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .2em .7em; font-size: .8rem;
  color: var(--body-text-color-subdued); margin-bottom: .2em; }
.rag-n { font-weight: 700; color: var(--primary-600); }
.rag-file { font-family: var(--font-mono); color: var(--body-text-color); font-weight: 600; word-break: break-all; }
.rag-chars { margin-left: auto; opacity: .75; }
.rag-passage { font-size: .95rem; line-height: 1.7; color: var(--body-text-color); }
details.rag-fold > summary { list-style: none; cursor: pointer; }
details.rag-fold > summary::-webkit-details-marker { display: none; }
details.rag-fold:not([open]) .rag-passage { display: -webkit-box; -webkit-box-orient: vertical;
  -webkit-line-clamp: 2; overflow: hidden; color: var(--body-text-color-subdued); }
.rag-toggle { font-size: .9em; color: var(--primary-600); }
details.rag-fold:not([open]) .rag-hide, details.rag-fold[open] .rag-show { display: none; }
a.rag-open { font-size: .9em; color: var(--primary-600) !important; text-decoration: none !important;
  border: 1px solid var(--primary-200); border-radius: 4px; padding: 0 .4em; }
a.rag-open:hover { background: var(--primary-50); }

/* The whole-file view: a panel over the right part of the page. */
#rag-file-panel { position: fixed; top: 2vh; right: 2vw; width: min(760px, 94vw); height: 94vh; z-index: 1000;
  background: var(--background-fill-primary); border: 1px solid var(--border-color-primary); border-radius: 10px;
  box-shadow: 0 12px 40px rgba(0, 0, 0, .25); padding: .8rem 1rem; display: flex; flex-direction: column;
  overflow: hidden; }
#rag-file-panel.hidden, #rag-file-panel[hidden] { display: none !important; }
#rag-file { flex: 1; min-height: 0; overflow: hidden; }
.rag-file-view { display: flex; flex-direction: column; height: 100%; }
.rag-file-title { font-family: var(--font-mono); font-size: .85rem; font-weight: 600; margin-bottom: .4em;
  word-break: break-all; }
.rag-file-body { height: calc(94vh - 8.5rem); overflow-y: auto; white-space: pre-wrap; font-size: .95rem;
  line-height: 1.75; padding-right: .5em; }
.rag-file-span { background: var(--primary-100); border-bottom: 2px solid var(--primary-400); padding: .1em 0;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
#rag-file-close { align-self: flex-end; }
mark.rag-quote { background: #fde68a; color: inherit; font-size: inherit; padding: .05em .1em; border-radius: 3px;
  box-shadow: inset 0 -2px 0 #f59e0b; }
details.rag-more > summary { cursor: pointer; color: var(--primary-600); font-size: .85rem; margin: .2em 0; }
details.rag-more .rag-source { margin-top: .45em; }

.rag-corpus table { width: 100%; border-collapse: collapse; font-size: .85em; margin-bottom: .35em; border: none !important; }
.rag-corpus tr { border: none !important; }
.rag-corpus th, .rag-corpus td { border-left: none !important; border-right: none !important; border-top: none !important; }
.rag-corpus th { text-align: left; font-weight: 600; color: var(--body-text-color-subdued);
  border-bottom: 1px solid var(--border-color-primary); padding: .2em .3em; }
.rag-corpus td { padding: .2em .3em; border-bottom: 1px solid var(--border-color-primary);
  font-family: var(--font-mono); font-size: .95em; word-break: break-all; }
.rag-corpus th:last-child, .rag-corpus td:last-child { text-align: right; white-space: nowrap; }
.rag-rebuild { font-size: .85em; padding: .45em .7em; border-radius: 6px; background: var(--background-fill-secondary); }
.rag-rebuild.rag-ok { background: #ecfdf5; color: #065f46; border-left: 3px solid #10b981; }
.rag-bar { height: 6px; border-radius: 3px; background: var(--neutral-200); overflow: hidden; margin-bottom: .35em; }
.rag-bar > div { height: 100%; background: var(--primary-500); transition: width .3s; }

.dark .rag-abstained, .dark .rag-warning { background: #422006; color: #fde68a; }
.dark .rag-error { background: #450a0a; color: #fecaca; }
.dark .rag-rebuild.rag-ok { background: #052e16; color: #a7f3d0; }
.dark mark.rag-quote { background: #854d0e; color: #fef9c3; }
.dark a.rag-cite { background: var(--primary-800); color: var(--primary-100) !important; }
"""
