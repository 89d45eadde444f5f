"""Shared presentation helpers: where a passage sits in its file, as a person reads it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rag.ingest.formats import DEFAULT_LIMITS, Limits
from rag.ingest.loader import corpus_file, decode, is_plain, load_document, read_inside


def file_text(corpus: Path, source: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of ``source`` (relative to the corpus folder's parent) whose character
    offsets are the ones passages and citations use: the decoded file, or for PDF, Word,
    HTML and Markdown the text extracted from it; OSError/ValueError if unreadable, and
    :class:`rag.ingest.loader.OutsideCorpus` (a ValueError) if it is not inside ``corpus``
    (a name that climbs out, or a file since replaced by a link out of the folder)."""
    path = corpus_file(corpus, source)
    if is_plain(source):
        text, _ = decode(read_inside(path, corpus, limits))
        return text
    return _extracted(str(path), str(corpus), path.stat().st_mtime, limits)


@lru_cache(maxsize=8)
def _extracted(path: str, corpus: str, mtime: float, limits: Limits) -> str:
    """Extraction takes a while for a long PDF: each file version is extracted once."""
    return load_document(Path(path), Path(corpus), limits).text


@lru_cache(maxsize=64)
def _line_starts(path: str, corpus: str, mtime: float) -> tuple[int, ...]:
    text, _ = decode(read_inside(Path(path), Path(corpus)))
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return tuple(starts)


def line_range(corpus: Path, source: str, start: int, end: int) -> tuple[int, int] | None:
    """1-based first and last line of ``[start, end)`` in ``source``; None if unreadable
    or not a plain-text file (the offsets of a PDF or web page are into its extracted
    text, whose lines are not the file's)."""
    if not is_plain(source):
        return None
    try:
        path = corpus_file(corpus, source)
        starts = _line_starts(str(path), str(corpus), path.stat().st_mtime)
    except (OSError, ValueError):
        return None
    from bisect import bisect_right

    return bisect_right(starts, start), bisect_right(starts, max(start, end - 1))


def snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
