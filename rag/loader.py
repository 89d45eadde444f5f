"""Read a corpus folder into documents whose text positions never move.

Citations point at ``(source, start, end)`` character offsets into the decoded file
text, so the loader decodes and nothing else: no whitespace or width normalisation.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import RagError

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown")


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the corpus root's parent, e.g. "seeds/003_x.txt"
    text: str
    encoding: str  # "utf-8", "utf-8-sig" or "gb18030"
    sha256: str  # of the raw bytes: decides whether a rebuild re-embeds the file


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def decode(raw: bytes) -> tuple[str, str]:
    """Decode UTF-8 (BOM or not), else GB18030; raise ``ValueError`` for binary data.

    GB18030 can decode almost any byte string, so it is accepted only when the result
    looks like text (no control characters other than whitespace), which rejects
    binary files instead of silently producing mojibake.
    """
    if b"\x00" in raw:
        raise ValueError("binary file (contains NUL bytes)")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ValueError("neither UTF-8 nor GB18030 text") from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > len(text) * 0.01:
        raise ValueError("binary file (control characters)")
    return text, "gb18030"


def source_name(path: Path, root: Path) -> str:
    """Name a file as the user sees it: relative to the corpus root's parent."""
    return path.relative_to(root.parent).as_posix()


def iter_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def load_corpus(root: Path) -> tuple[list[Document], list[Skipped]]:
    """Load every readable text file under ``root``; report the rest as skipped.

    Raises :class:`RagError` when the folder is missing or holds no readable text,
    since an index over nothing would only produce confusing abstentions later.
    """
    if not root.exists():
        raise RagError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise RagError(f"corpus path is not a folder: {root}")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in iter_files(root):
        source = source_name(path, root)
        try:
            raw = path.read_bytes()
        except OSError as err:
            skipped.append(Skipped(source, f"unreadable ({err.strerror or err})"))
            continue
        if not raw.strip():
            skipped.append(Skipped(source, "empty file"))
            continue
        try:
            text, encoding = decode(raw)
        except ValueError as err:
            skipped.append(Skipped(source, str(err)))
            continue
        if not text.strip():
            skipped.append(Skipped(source, "empty file"))
            continue
        log.info("read %s (%s)", source, encoding)
        docs.append(Document(source, text, encoding, hashlib.sha256(raw).hexdigest()))
    for item in skipped:
        log.warning("skipped %s: %s", item.source, item.reason)
    if not docs:
        raise RagError(f"no readable .txt or .md files in {root}")
    return docs, skipped
