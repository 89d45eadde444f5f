"""Show :func:`rag.pipeline.stream` events in a terminal, as they arrive.

``rag ask`` and ``rag chat`` share this: the short answer in bold when there is one, the
answer printed token by token, then
what the citation and claim checks found (figures or names the passages do not hold,
citations rag added, ungrounded answer, dropped markers), then the cited
sources with file and line range.  If the answerer fails after retrieval, the
retrieved passages are printed before the error propagates, so the user still gets
the evidence.

Everything a document (or an LLM) wrote is passed through :func:`visible` before it
reaches the terminal: an ``ESC[2J`` in a file would otherwise clear the user's screen,
an OSC sequence retitle the window or plant a link.  Control characters become the
Unicode pictures of them (``␛[2J``), C1 controls and bidirectional overrides ``\\u009b``
escapes, and rich markup stays escaped as before.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

from rich.console import Console
from rich.markup import escape

from rag.app.present import line_range, snippet
from rag.config import Settings
from rag.errors import RagError
from rag.pipeline import Event, Reader
from rag.records import Answer, Citation, Hit, Passage, passage_dict

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides
# and isolates that reorder what a terminal shows ("Trojan Source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␛, ␇, ␍ …
    return "\u2421" if code == 0x7F else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` safe to write to a terminal: control characters and escape sequences shown, not obeyed."""
    return _UNSAFE.sub(_picture, text)


def shown(text: str) -> str:
    """Document text for a rich markup string: made visible, then markup-escaped."""
    return escape(visible(text))


def safe_json(data: Any) -> str:
    """Indented JSON whose every character is safe on a terminal: ``json`` escapes C0
    controls; DEL, C1 controls and bidi overrides are escaped here (still valid JSON)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def show_stream(s: Settings, events: Iterable[Event], out: Console) -> Answer:
    """Print the answer as it streams, then its sources; return it."""
    reader = Reader()
    led = False
    try:
        for step in reader.read(events):
            if step.short and not led:  # the words that answer, in bold, before the cited sentence
                out.print(visible(step.short), style="bold", markup=False, highlight=False)
                led = True
            if step.delta:
                out.print(visible(step.delta), end="", style=None if led else "bold", markup=False, highlight=False)
    except RagError:
        if reader.text:
            out.print()
        print_passages(s, reader.passages, out, "Retrieved passages (the answer failed):")
        raise
    assert reader.answer is not None  # read() raises otherwise
    out.print()
    out.print()
    print_checks(reader.answer, out)
    print_sources(s, reader.answer, out)
    return reader.answer


def drain(events: Iterable[Event]) -> tuple[Answer | None, list[Hit], RagError | None]:
    """Run the stream to the end: the answer, or the passages and the error that stopped it."""
    reader = Reader()
    try:
        return reader.final(events), reader.passages, None
    except RagError as failure:
        return None, reader.passages, failure


def failure_dict(question: str, llm: str, hits: list[Hit], failure: RagError) -> dict[str, Any]:
    """The ``--json`` output when the answerer failed: the error and the passages found."""
    return {"question": question, "llm": llm, "error": str(failure), "passages": [passage_dict(h) for h in hits]}


def print_checks(answer: Answer, out: Console) -> None:
    if answer.unsupported_claims:
        claims = shown("、".join(answer.unsupported_claims))
        if answer.claim_check == "warned":
            out.print(f"[bold yellow]warning:[/] the cited passages do not hold: {claims} — check before relying on it")
        else:
            given = "it abstained" if answer.claim_check == "abstained" else "this is the extractive answer"
            out.print(f"[yellow]the LLM's answer was withheld[/] ({given}): the passages do not hold {claims}")
            out.print(f"[dim]LLM answer:[/] {shown(answer.llm_answer or '')}", highlight=False)
    if answer.attached_citations:
        marks = escape("".join(f"[{n}]" for n in answer.attached_citations))
        out.print(f"[dim]citations {marks} were added by rag: the LLM did not cite those sentences[/]")
    if answer.ungrounded:
        out.print("[yellow]ungrounded:[/] the answer cites none of the passages; check it against them below")
    if answer.dropped_markers:
        out.print(f"[yellow]dropped citation markers pointing to no passage:[/] "
                  f"{shown(' '.join(answer.dropped_markers))}")


def _where(s: Settings, c: Passage | Citation) -> str:
    """``p. 3`` or the heading path where the format has one, else the line range."""
    if c.location:
        return c.location
    lines = line_range(s.corpus, c.source, c.start, c.end)
    return f"lines {lines[0]}–{lines[1]}" if lines else f"chars {c.start}–{c.end}"


def print_sources(s: Settings, answer: Answer, out: Console) -> None:
    """The cited passages (with the quoted sentences), then the other retrieved ones."""
    cited = {(c.source, c.start): c.n for c in answer.citations}
    if answer.citations:
        out.print("[dim]Sources:[/]")
        for c in answer.citations:
            quote = " … ".join(c.text[a - c.start : b - c.start] for a, b in c.quotes) or c.text
            out.print(f"  [cyan][{c.n}][/] {shown(c.source)}  {shown(_where(s, c))}  "
                      f"[dim](chars {c.start}–{c.end})[/]")
            out.print(f"      {shown(snippet(quote, 160))}")
    others = [h for h in answer.passages if (h.chunk.source, h.chunk.start) not in cited]
    if others:
        title = "Closest passages:" if answer.abstained or answer.ungrounded else "Also retrieved:"
        print_passages(s, others, out, title)


def print_passages(s: Settings, hits: list[Hit], out: Console, title: str) -> None:
    if not hits:
        return
    out.print(f"[dim]{escape(title)}[/]")
    for h in hits:
        c = h.chunk
        out.print(f"  [dim]-[/] {shown(c.source)}  {shown(_where(s, c))}  "
                  f"[dim]{shown(snippet(c.text, 80))}[/]")
