"""Shared presentation helpers: where a passage sits in its file, as a person reads it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .loader import decode


def file_text(corpus: Path, source: str) -> str:
    """The decoded text of ``source`` (relative to the corpus folder's parent), whose
    character offsets are the ones passages and citations use; OSError/ValueError if unreadable."""
    text, _ = decode((corpus.parent / source).read_bytes())
    return text


@lru_cache(maxsize=64)
def _line_starts(path: str, mtime: float) -> tuple[int, ...]:
    text, _ = decode(Path(path).read_bytes())
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return tuple(starts)


def line_range(corpus: Path, source: str, start: int, end: int) -> tuple[int, int] | None:
    """1-based first and last line of ``[start, end)`` in ``source``; None if unreadable."""
    path = corpus.parent / source
    try:
        starts = _line_starts(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        return None
    from bisect import bisect_right

    return bisect_right(starts, start), bisect_right(starts, max(start, end - 1))


def snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
