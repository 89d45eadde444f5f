"""Shared presentation helpers: where a passage sits in its file, as a person reads it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .loader import decode, is_plain


@lru_cache(maxsize=64)
def _line_starts(path: str, mtime: float) -> tuple[int, ...]:
    text, _ = decode(Path(path).read_bytes())
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return tuple(starts)


def line_range(corpus: Path, source: str, start: int, end: int) -> tuple[int, int] | None:
    """1-based first and last line of ``[start, end)`` in ``source``; None if unreadable
    or not a plain-text file (the offsets of a PDF or web page are into its extracted
    text, whose lines are not the file's)."""
    if not is_plain(source):
        return None
    path = corpus.parent / source
    try:
        starts = _line_starts(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        return None
    from bisect import bisect_right

    return bisect_right(starts, start), bisect_right(starts, max(start, end - 1))


def where(corpus: Path, source: str, start: int, end: int, location: str | None) -> str:
    """``p. 3`` / the heading path where the format has one, else the line range, else chars."""
    if location:
        return location
    lines = line_range(corpus, source, start, end)
    if lines is None:
        return f"chars {start}–{end}"
    return f"line {lines[0]}" if lines[0] == lines[1] else f"lines {lines[0]}–{lines[1]}"


def snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
