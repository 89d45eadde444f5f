"""Read a corpus folder into documents whose text positions never move.

Citations point at ``(source, start, end)`` character offsets into a document's
``text``.  For ``.txt`` that is the decoded file and nothing else (no whitespace or
width normalisation), so offsets are positions in the file itself.  PDF, Word, HTML and
Markdown files are first turned into text by :mod:`rag.ingest.formats`; offsets then point
into that extracted text (:func:`load_document` reproduces it), and ``sections`` say
which PDF page or heading path each part of it belongs to.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError
from rag.ingest.formats import (
    Extracted,
    Section,
    Unreadable,
    declared_charset,
    extract_docx,
    extract_html,
    extract_markdown,
    extract_pdf,
    short_reason,
)

log = logging.getLogger(__name__)

PLAIN_SUFFIXES = (".txt",)  # the text is the decoded file: line numbers mean something
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = (*PLAIN_SUFFIXES, *MARKDOWN_SUFFIXES, *HTML_SUFFIXES, ".pdf", ".docx")


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the corpus root's parent, e.g. "seeds/003_x.txt"
    text: str  # the decoded file (.txt) or the text extracted from it
    encoding: str  # "utf-8", "utf-8-sig" or "gb18030"; "pdf" or "docx" for binary formats
    sha256: str  # of the raw bytes: decides whether a rebuild re-embeds the file
    sections: tuple[Section, ...] = ()  # where each PDF page / heading's text starts


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


def is_plain(source: str) -> bool:
    """Whether ``source``'s indexed text is its decoded bytes (so it has line numbers)."""
    return source.lower().endswith(PLAIN_SUFFIXES)


def extract(raw: bytes, suffix: str) -> tuple[Extracted, str]:
    """The indexed text of a file's bytes, by its suffix, and its encoding.

    Raises ``ValueError`` (:class:`rag.ingest.formats.Unreadable` for the rich formats) with
    the one-line reason a file is skipped.
    """
    suffix = suffix.lower()
    if suffix == ".pdf":
        return extract_pdf(raw), "pdf"
    if suffix == ".docx":
        return extract_docx(raw), "docx"
    if suffix in HTML_SUFFIXES and (charset := declared_charset(raw)):
        try:  # a page that names its encoding (<meta charset="big5">) is read in it
            return extract_html(raw.decode(charset)), charset
        except UnicodeDecodeError:
            raise Unreadable(f"not valid {charset} text, though the page says it is") from None
    text, encoding = decode(raw)
    if suffix in MARKDOWN_SUFFIXES:
        return extract_markdown(text), encoding
    if suffix in HTML_SUFFIXES:
        return extract_html(text), encoding
    return Extracted(text), encoding


def load_document(path: Path, root: Path) -> Document:
    """One file as the index holds it; raises ``OSError`` or ``ValueError`` (the reason)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise Unreadable("empty file")
    extracted, encoding = extract(raw, path.suffix)
    if not extracted.text.strip():
        raise Unreadable("empty file" if is_plain(path.name) else "no text in it")
    return Document(source_name(path, root), extracted.text, encoding, hashlib.sha256(raw).hexdigest(),
                    extracted.sections)


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
            doc = load_document(path, root)
        except OSError as err:
            skipped.append(Skipped(source, f"unreadable ({err.strerror or err})"))
            continue
        except ValueError as err:  # includes Unreadable: the reason is the message
            skipped.append(Skipped(source, str(err)))
            continue
        except Exception as err:  # noqa: BLE001 — a parser bug on one file must not stop the build
            log.debug("reading %s failed", source, exc_info=True)
            skipped.append(Skipped(source, f"could not be read ({type(err).__name__}: {short_reason(err)})"))
            continue
        log.info("read %s (%s)", source, doc.encoding)
        docs.append(doc)
    for item in skipped:
        log.warning("skipped %s: %s", item.source, item.reason)
    if not docs:
        raise RagError(f"no readable documents (.txt, .md, .pdf, .docx, .html) in {root}")
    return docs, skipped
