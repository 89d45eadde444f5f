"""Read a corpus folder into documents whose text positions never move.

Citations point at ``(source, start, end)`` character offsets into a document's
``text``.  For ``.txt`` that is the decoded file and nothing else (no whitespace or
width normalisation), so offsets are positions in the file itself.  PDF, Word, HTML and
Markdown files are first turned into text by :mod:`rag.ingest.formats`; offsets then point
into that extracted text (:func:`load_document` reproduces it), and ``sections`` say
which PDF page or heading path each part of it belongs to.

The corpus folder is a boundary: a file whose real path lies outside it (a link to
``/etc/passwd``) is skipped with one line, links that stay inside are followed (each
folder once), and :func:`corpus_file` is what everything that later opens a file of the
index goes through, so a file swapped for such a link after indexing is not served
either.  What one file may cost to read is capped (:class:`rag.ingest.formats.Limits`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rag.config import Settings
from rag.errors import RagError
from rag.ingest.formats import (
    DEFAULT_LIMITS,
    Extracted,
    Limits,
    Section,
    Unreadable,
    declared_charset,
    extract_docx,
    extract_html,
    extract_markdown,
    extract_pdf,
    mb,
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


SKIP_RECORD = "rag_skipped"  # marks the log record of a skipped file


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


def extract(raw: bytes, suffix: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Extracted, str]:
    """The indexed text of a file's bytes, by its suffix, and its encoding.

    Raises ``ValueError`` (:class:`rag.ingest.formats.Unreadable` for the rich formats) with
    the one-line reason a file is skipped.
    """
    suffix = suffix.lower()
    if suffix == ".pdf":
        return extract_pdf(raw), "pdf"
    if suffix == ".docx":
        return extract_docx(raw, limits), "docx"
    if suffix in HTML_SUFFIXES and (charset := declared_charset(raw)):
        try:  # a page that names its encoding (<meta charset="big5">) is read in it
            return extract_html(raw.decode(charset), limits), charset
        except UnicodeDecodeError:
            raise Unreadable(f"not valid {charset} text, though the page says it is") from None
    text, encoding = decode(raw)
    if suffix in MARKDOWN_SUFFIXES:
        return extract_markdown(text), encoding
    if suffix in HTML_SUFFIXES:
        return extract_html(text, limits), encoding
    return Extracted(text), encoding


class OutsideCorpus(Unreadable):
    """The file's real path is not inside the corpus folder (a link out of it)."""


def read_inside(path: Path, root: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of ``path``, which must resolve to a regular file inside ``root``.

    The resolved path is opened with ``O_NOFOLLOW``, so a link put in its place after the
    check is refused rather than followed; FIFOs and devices are refused before opening
    (reading one would block).
    """
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):
        raise OutsideCorpus("a link to a file outside the corpus folder")
    info = real.stat()
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("not a regular file")
    if info.st_size > limits.max_file_mb << 20:
        raise Unreadable(f"{mb(info.st_size)}, over max_file_mb = {limits.max_file_mb}")
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise Unreadable("not a regular file")
        return fh.read(limits.max_file_mb * (1 << 20) + 1)


def corpus_file(corpus: Path, source: str) -> Path:
    """The file an index source names (``"docs/a.txt"``), checked to be inside ``corpus``.

    Raises :class:`OutsideCorpus` for a name that climbs out (``..``, an absolute path,
    another folder) or a file that now resolves outside the corpus (replaced by a link)."""
    parts = PurePosixPath(source).parts
    if not parts or parts[0] != corpus.name or ".." in parts or source.startswith("/") or "\\" in source:
        raise OutsideCorpus(f"{source} is not a file of the corpus")
    path = corpus.joinpath(*parts[1:])
    if not path.resolve().is_relative_to(corpus.resolve()):
        raise OutsideCorpus(f"{source} now links outside the corpus folder")
    return path


def load_document(path: Path, root: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """One file as the index holds it; raises ``OSError`` or ``ValueError`` (the reason)."""
    raw = read_inside(path, root, limits)
    if not raw.strip():
        raise Unreadable("empty file")
    extracted, encoding = extract(raw, path.suffix, limits)
    if not extracted.text.strip():
        raise Unreadable("empty file" if is_plain(path.name) else "no text in it")
    if len(extracted.text) > limits.max_text_chars:
        raise Unreadable(f"{len(extracted.text):,} characters of text, over max_text_chars = "
                         f"{limits.max_text_chars:,}")
    return Document(source_name(path, root), extracted.text, encoding, hashlib.sha256(raw).hexdigest(),
                    extracted.sections)


def source_name(path: Path, root: Path) -> str:
    """Name a file as the user sees it: relative to the corpus root's parent."""
    return path.relative_to(root.parent).as_posix()


def iter_files(root: Path) -> list[Path]:
    """The corpus's document files by the names they have in it (hidden ones left out).

    A link to a folder is followed when the folder lies inside the corpus and is not one
    the walk is already in (a link back up would loop), each such folder once; links to
    files are listed and checked when read (:func:`read_inside`), so one leading out of
    the corpus is reported, not skipped silently.
    """
    real_root = root.resolve()
    followed: set[Path] = set()
    found: list[Path] = []

    def walk(folder: Path, ancestors: tuple[Path, ...]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(path, (*ancestors, path.resolve()))
                elif entry.is_symlink() and entry.is_dir():
                    real = path.resolve()
                    if real.is_relative_to(real_root) and real not in ancestors and real not in followed:
                        followed.add(real)
                        walk(path, (*ancestors, real))
                elif entry.name.lower().endswith(SUFFIXES) and (entry.is_file() or entry.is_symlink()):
                    found.append(path)
            except OSError:
                continue

    walk(root, (real_root,))
    return sorted(found)


def load_corpus(root: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Document], list[Skipped]]:
    """Load every readable text file under ``root``; report the rest as skipped.

    Raises :class:`RagError` when the folder is missing or holds no readable text,
    since an index over nothing would only produce confusing abstentions later.
    """
    check_corpus_folder(root)
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in iter_files(root):
        source = source_name(path, root)
        try:
            doc = load_document(path, root, limits)
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
    for item in skipped:  # one line each; `rag index` prints them from its report instead
        log.warning("skipped %s: %s", item.source, item.reason, extra={SKIP_RECORD: True})
    if not docs:
        raise RagError(no_documents(root))
    return docs, skipped


def check_corpus_folder(root: Path) -> None:
    """A corpus folder that exists and is not empty, or the one line saying what it is instead."""
    if not root.exists():
        raise RagError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise RagError(f"corpus path is not a folder: {root}")
    try:
        with os.scandir(root) as entries:
            empty = next(entries, None) is None
    except OSError as err:
        raise RagError(f"cannot read the corpus folder {root} ({err.strerror or err})") from None
    if empty:
        raise RagError(no_documents(root))


def no_documents(root: Path) -> str:
    return f"no readable documents (.txt, .md, .pdf, .docx, .html) in {root}"


def limits_of(settings: Settings) -> Limits:
    """The reading caps the settings name."""
    return Limits(settings.max_file_mb, settings.max_unzipped_mb, settings.max_text_chars, settings.max_depth)
