"""Check an LLM's citation markers against the passages it was given.

A model's ``[n]`` is a claim, not a fact: it may point past the last passage, or
come as ``[1,3]``, ``[1，2]``, ``【1】``.  :class:`CitationChecker` reads the answer
as it streams, drops markers that point to no passage (and reports them), renumbers
the rest in order of first use and writes them as ``[n]``.  Because "order of first
use" is known the moment a marker is read, the rewritten stream the user watches is
exactly the final answer text: no marker changes number after it was shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from rag.records import Citation, Hit
from rag.text.markers import MARKER as _MARKER
from rag.text.markers import OPENERS as _OPEN
from rag.text.markers import PARTIAL as _PARTIAL
from rag.text.markers import marker_numbers

_MAX_MARKER = 40  # longer bracketed text is prose, not a marker


@dataclass
class CheckedAnswer:
    text: str  # the answer with valid markers renumbered and invalid ones removed
    citations: list[Citation]
    dropped_markers: list[str]  # e.g. ["[7]"]: markers that pointed to no passage

    @property
    def ungrounded(self) -> bool:
        return not self.citations


@dataclass
class CitationChecker:
    """Feed answer text in pieces; get back the checked text to show, piece by piece."""

    passages: Sequence[Hit]
    _pending: str = ""
    _numbers: dict[int, int] = field(default_factory=dict)  # passage number → citation number
    _dropped: list[str] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)

    def feed(self, piece: str) -> str:
        """Checked text that is final so far; an unfinished marker is held back."""
        self._pending += piece
        shown = []
        while self._pending:
            at = min((i for i in (self._pending.find(c) for c in _OPEN) if i >= 0), default=-1)
            if at < 0:
                shown.append(self._pending)
                self._pending = ""
                break
            shown.append(self._pending[:at])
            rest = self._pending[at:]
            full = _MARKER.match(rest)
            if full:
                shown.append(self._rewrite(full.group(1)))
                self._pending = rest[full.end():]
            elif _PARTIAL.fullmatch(rest) and len(rest) < _MAX_MARKER:
                self._pending = rest  # wait for the rest of the marker
                break
            else:
                shown.append(rest[0])  # a bracket that opens prose, not a marker
                self._pending = rest[1:]
        out = "".join(shown)
        if not any(self._text):
            out = out.lstrip()  # models often open with blank lines
        self._text.append(out)
        return out

    def flush(self) -> str:
        """The text held back for a marker that never closed: it was prose after all."""
        tail, self._pending = self._pending, ""
        self._text.append(tail)
        return tail

    def finish(self) -> CheckedAnswer:
        """The checked answer (call after the last :meth:`feed`)."""
        self.flush()
        ordered = sorted(self._numbers.items(), key=lambda item: item[1])
        citations = []
        for passage, n in ordered:
            citations.append(Citation(n, self.passages[passage - 1].chunk))
        return CheckedAnswer("".join(self._text).rstrip(), citations, list(self._dropped))

    def _rewrite(self, numbers: str) -> str:
        out = []
        for raw in marker_numbers(numbers):
            passage = int(raw)
            if not 1 <= passage <= len(self.passages):
                if f"[{raw}]" not in self._dropped:
                    self._dropped.append(f"[{raw}]")
                continue
            n = self._numbers.setdefault(passage, len(self._numbers) + 1)
            if f"[{n}]" not in out:
                out.append(f"[{n}]")
        return "".join(out)


def check_citations(answer: str, passages: Sequence[Hit]) -> CheckedAnswer:
    """Check a whole answer at once (the same rules as streaming it)."""
    checker = CitationChecker(passages)
    checker.feed(answer)
    return checker.finish()
