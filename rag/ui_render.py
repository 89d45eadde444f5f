"""HTML for the browser chat: answers whose ``[n]`` markers link to their sources.

Pure functions, text in and HTML out, so they are tested without a browser.  Two
rules hold everywhere:

* every piece of corpus, user or model text goes through :func:`esc` (the Chatbot
  sanitises too, but escaping is what keeps ``<`` in a passage a ``<``);
* the HTML is one line.  The Chatbot renders Markdown, where a raw HTML block ends at
  a blank line and whatever follows would be read as Markdown (``*``, ``#``, ``$`` in
  a passage); newlines in text become ``<br>``.

Anchor ids (``rag-t{turn}-s{n}``) are unique per conversation turn, so ``[1]`` of
the third answer jumps to source 1 of the third answer.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterable, Sequence

from .answer import Answer
from .present import line_range
from .retriever import Hit
from .store import BuildReport, Manifest

# [1]  [1,3]  [1, 3]  【1】  【1，3】 — the forms an LLM writes and rag.citations accepts.
MARKER = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]")
USER_ECHO_CHARS = 600  # a pasted essay is not echoed back in full


_NEWLINES = re.compile(r"\s*\n\s*")


def esc(text: str) -> str:
    """Escape ``text`` for HTML; each run of line breaks becomes one ``<br>`` (no raw newlines)."""
    return _NEWLINES.sub("<br>", html.escape(text, quote=True))


def anchor_id(turn: int, n: int) -> str:
    return f"rag-t{turn}-s{n}"


def _marker_numbers(group: str) -> list[int]:
    return [int(part) for part in re.split(r"\s*[,，、]\s*", group.strip())]


def link_markers(text: str, turn: int, valid: Collection[int]) -> str:
    """Escape ``text``; markers whose numbers are all in ``valid`` become links to sources."""
    parts: list[str] = []
    pos = 0
    for match in MARKER.finditer(text):
        parts.append(esc(text[pos : match.start()]))
        numbers = _marker_numbers(match.group(1))
        if valid and all(n in valid for n in numbers):
            parts.extend(f'<a class="rag-cite" href="#{anchor_id(turn, n)}" title="source {n}">[{n}]</a>'
                         for n in numbers)
        else:
            parts.append(f'<span class="rag-marker">{esc(match.group(0))}</span>')
        pos = match.end()
    parts.append(esc(text[pos:]))
    return "".join(parts)


# ---------------------------------------------------------------- chat messages

def user_html(question: str) -> str:
    if len(question) <= USER_ECHO_CHARS:
        return f'<div class="rag-question">{esc(question)}</div>'
    return (f'<div class="rag-question">{esc(question[:USER_ECHO_CHARS])}…'
            f'<span class="rag-muted"> ({len(question):,} characters)</span></div>')


def pending_html(what: str) -> str:
    return f'<div class="rag-answer rag-pending">{esc(what)}</div>'


def streaming_html(text: str) -> str:
    """The answer while it streams in: markers shown, linked only once the answer is final."""
    return f'<div class="rag-answer rag-streaming">{link_markers(text, 0, ())}</div>'


def error_html(message: str) -> str:
    return f'<div class="rag-error"><span class="rag-label">Error</span>{esc(message)}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The final answer: linked markers, or a clear "not in the corpus" notice."""
    withheld = ""
    if answer.llm_answer and answer.unsupported_claims:  # the llm_unsupported policy replaced it
        withheld = (f'<div class="rag-warning">The LLM\'s answer was withheld: the passages do not hold '
                    f'{esc("、".join(answer.unsupported_claims))}. It said: {esc(answer.llm_answer)}</div>')
    if answer.abstained:
        return (f'<div class="rag-answer rag-abstained"><span class="rag-label">Not in the corpus</span>'
                f'{esc(answer.answer)}</div>{withheld}')
    body = link_markers(answer.answer, turn, {c.n for c in answer.citations})
    notes = []
    if answer.unsupported_claims and not withheld:
        notes.append("The cited passages do not hold: " + "、".join(answer.unsupported_claims)
                     + ". Check these before relying on the answer.")
    if answer.attached_citations:
        notes.append("Citations " + "".join(f"[{n}]" for n in answer.attached_citations)
                     + " were added by rag: the LLM did not cite those sentences.")
    if answer.ungrounded:
        notes.append("This answer cites no passage: check it against the passages below.")
    if answer.dropped_markers:
        notes.append("Removed citation markers that pointed to no passage: "
                     + ", ".join(answer.dropped_markers) + ".")
    warning = "".join(f'<div class="rag-warning">{esc(note)}</div>' for note in notes)
    return f'<div class="rag-answer">{body}</div>{warning}{withheld}'


# ---------------------------------------------------------------- sources

@dataclass(frozen=True)
class Passage:
    """One passage as the sources panel shows it."""

    source: str
    start: int
    end: int
    text: str
    quotes: tuple[tuple[int, int], ...] = ()


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif a < b:
            out.append((a, b))
    return out


def highlight(text: str, offset: int, quotes: Sequence[tuple[int, int]]) -> str:
    """Escape ``text`` (which starts at file offset ``offset``) with ``quotes`` in ``<mark>``."""
    relative = [(max(a - offset, 0), min(b - offset, len(text))) for a, b in quotes]
    parts: list[str] = []
    pos = 0
    for a, b in _merged(span for span in relative if span[0] < span[1]):
        parts += [esc(text[pos:a]), '<mark class="rag-quote">', esc(text[a:b]), "</mark>"]
        pos = b
    parts.append(esc(text[pos:]))
    return "".join(parts)


def where(corpus: Path, p: Passage) -> str:
    lines = line_range(corpus, p.source, p.start, p.end)
    if lines is None:
        return f"chars {p.start}–{p.end}"
    first, last = lines
    return f"line {first}" if first == last else f"lines {first}–{last}"


def passage_html(p: Passage, corpus: Path, label: str, element_id: str | None = None,
                 folded: bool = False) -> str:
    """One source: file, line range and text; ``folded`` clips the text until clicked open."""
    head = (f'<div class="rag-source-head"><span class="rag-n">{esc(label)}</span>'
            f'<span class="rag-file">{esc(p.source)}</span>'
            f'<span class="rag-lines">{esc(where(corpus, p))}</span>'
            f'<span class="rag-chars">chars {p.start}–{p.end}</span></div>'
            f'<div class="rag-passage">{highlight(p.text, p.start, p.quotes)}</div>')
    if folded:
        return f'<details class="rag-source rag-fold"><summary>{head}</summary></details>'
    ident = f' id="{element_id}"' if element_id else ""
    return f'<div class="rag-source"{ident}>{head}</div>'


def from_hit(hit: Hit) -> Passage:
    c = hit.chunk
    return Passage(c.source, c.start, c.end, c.text)


def passages_html(hits: Sequence[Hit], corpus: Path) -> str:
    """Retrieved passages in rank order (while answering, after an abstention or failure)."""
    body = "".join(passage_html(from_hit(h), corpus, f"#{rank}", folded=True) for rank, h in enumerate(hits, 1))
    return f'<div class="rag-sources">{body}</div>'


def sources_html(answer: Answer, corpus: Path, turn: int) -> str:
    """Cited passages with their quotes highlighted, then the other retrieved ones folded."""
    if answer.abstained or not answer.citations:
        return passages_html(answer.passages, corpus)
    cited = "".join(
        passage_html(Passage(c.source, c.start, c.end, c.text, tuple(map(tuple, c.quotes))),
                     corpus, f"[{c.n}]", anchor_id(turn, c.n))
        for c in answer.citations)
    used = {(c.source, c.start) for c in answer.citations}
    others = [h for h in answer.passages if (h.chunk.source, h.chunk.start) not in used]
    more = ""
    if others:
        items = "".join(passage_html(from_hit(h), corpus, "·", folded=True) for h in others)
        noun = "passage" if len(others) == 1 else "passages"
        more = f'<details class="rag-more"><summary>{len(others)} more retrieved {noun}</summary>{items}</details>'
    return f'<div class="rag-sources">{cited}{more}</div>'


def sources_title(answer: Answer, seconds: float) -> str:
    """The heading of the sources box (Markdown, so kept free of markup characters)."""
    k = len(answer.passages)
    if answer.abstained:
        return f"Closest passages: {k} retrieved, none answers the question"
    cited = len(answer.citations)
    return f"Sources: {cited} cited of {k} retrieved · {answer.llm} · {seconds:.1f} s"


def retrieved_title(hits: Sequence[Hit], failed: bool = False) -> str:
    suffix = " (no answer: see the error above)" if failed else ""
    return f"Retrieved passages: {len(hits)}{suffix}"


# ---------------------------------------------------------------- corpus and index

def corpus_html(manifest: Manifest | None, index_dir: Path) -> str:
    """The indexed files with their chunk counts, or how to get an index."""
    if manifest is None:
        return f'<div class="rag-corpus rag-muted">No index at {esc(str(index_dir))} yet.</div>'
    rows = "".join(f'<tr><td title="{esc(source)}">{esc(Path(source).name)}</td><td>{entry.chunks}</td></tr>'
                   for source, entry in sorted(manifest.files.items()))
    total = sum(entry.chunks for entry in manifest.files.values())
    files = len(manifest.files)
    return (f'<div class="rag-corpus"><table><thead><tr><th>file</th><th>chunks</th></tr></thead>'
            f'<tbody>{rows}</tbody></table><div class="rag-muted">{files} file{"s" if files != 1 else ""}, '
            f'{total} chunks · built {esc(manifest.built_at[:16].replace("T", " "))}</div></div>')


def status_line(corpus: Path, manifest: Manifest | None) -> str:
    """One line under the title: what is being asked."""
    if manifest is None:
        return f'<div class="rag-status">corpus <code title="{esc(str(corpus))}">{esc(corpus.name)}/</code> · not indexed yet</div>'
    chunks = sum(entry.chunks for entry in manifest.files.values())
    return (f'<div class="rag-status">corpus <code title="{esc(str(corpus))}">{esc(corpus.name)}/</code> · '
            f'{len(manifest.files)} files · {chunks} chunks · embedding {esc(manifest.embedding)}</div>')


def progress_html(done: int, total: int) -> str:
    share = 0 if total <= 0 else round(100 * done / total)
    return (f'<div class="rag-rebuild"><div class="rag-bar"><div style="width:{share}%"></div></div>'
            f'Rebuilding: embedded {done} of {total} new chunks… (answers still come from the current index)</div>')


def rebuild_started_html() -> str:
    return '<div class="rag-rebuild">Rebuilding: reading the corpus… (answers still come from the current index)</div>'


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(Path(s).name for s in items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def report_html(report: BuildReport) -> str:
    """What a finished rebuild did, in one short block."""
    skipped = "".join(f'<div class="rag-warning">skipped {esc(s.source)}: {esc(s.reason)}</div>'
                      for s in report.skipped)
    if report.up_to_date:
        return (f'<div class="rag-rebuild rag-ok">Index already up to date: {report.files} files, '
                f'{report.chunks} chunks ({report.seconds:.1f} s).</div>{skipped}')
    changes = [f"{label} {len(items)}" + (f" ({esc(_names(items))})" if items else "")
               for label, items in (("added", report.added), ("changed", report.changed),
                                    ("removed", report.removed))]
    reused = report.chunks - report.embedded_chunks
    return (f'<div class="rag-rebuild rag-ok">Index rebuilt in {report.seconds:.1f} s: {report.files} files, '
            f'{report.chunks} chunks. {"; ".join(changes)}. Embedded {report.embedded_chunks} chunks, '
            f'reused {reused}. New questions use the new index.</div>{skipped}')


def rebuild_failed_html(message: str) -> str:
    return (f'<div class="rag-rebuild rag-error"><span class="rag-label">Rebuild failed</span>{esc(message)}'
            f'<div class="rag-muted">The previous index is unchanged and still answers.</div></div>')


def rebuild_busy_html() -> str:
    return '<div class="rag-rebuild rag-warning">A rebuild is already running; wait for it to finish.</div>'


# ---------------------------------------------------------------- style

# The classes above, styled; light and dark (Gradio puts ``.dark`` on the page).
CSS = """
.gradio-container { max-width: 1400px !important; margin: 0 auto !important; }
#rag-header { align-items: baseline; gap: 1rem; margin-bottom: .25rem; }
#rag-header h1 { font-size: 1.6rem; font-weight: 700; margin: 0; }
#rag-header h1 span { font-size: 1rem; font-weight: 400; color: var(--body-text-color-subdued); margin-left: .4rem; }
.rag-status { text-align: right; font-size: .85rem; color: var(--body-text-color-subdued); }
.rag-status code { font-size: .8rem; }
#rag-side h4 { margin: .4rem 0 .1rem; }

#rag-chat .message-content { font-size: 1rem; line-height: 1.75; }
.rag-question { white-space: normal; }
.rag-answer { font-size: 1.02rem; }
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
details.rag-fold:not([open]) .rag-source-head::after { content: "show all"; font-size: .9em; color: var(--primary-600); }
details.rag-fold[open] .rag-source-head::after { content: "show less"; font-size: .9em; color: var(--primary-600); }
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
