"""Extract the text of PDF, Word, HTML and Markdown files, with a map of where it came from.

Every extractor returns an :class:`Extracted`: the text the index will hold (citation
offsets point into exactly this string) and its :class:`Section` s, each saying from
which offset on the text belongs to a PDF page or to a heading path.  The chunker never
lets a chunk cross a section boundary, so every chunk (and every citation) has one
page or one heading path.

Libraries, chosen for Chinese text quality and licence (``python -m benchmarks.formats``
measures them): pypdf (BSD-3-Clause) for the PDF text layer, python-docx (MIT),
trafilatura (Apache-2.0) for the main text of a web page, markdown-it-py (MIT).  Each
is imported only when a file of its kind is read, so answering never loads them.

A file that cannot give text raises :class:`Unreadable` with a one-line reason; the
loader reports it as skipped and indexes the rest.  What one file may cost is capped
(:class:`Limits`, from the settings): a Word file is a zip whose XML can unzip to
gigabytes (a zip bomb), and lxml's tree of it takes about 14 bytes per byte of XML, so
its unzipped size is checked in the zip's directory before anything is inflated.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

HEADING_SEPARATOR = " > "
log = logging.getLogger(__name__)


class Unreadable(ValueError):
    """The file holds no text we can index; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost (settings of the same names; README "Hostile input")."""

    max_file_mb: int = 256  # larger files are skipped unread
    max_unzipped_mb: int = 64  # a .docx whose parts unzip to more is skipped (~14× this in memory)
    max_text_chars: int = 10_000_000  # a file giving more text is skipped
    max_depth: int = 256  # HTML nested deeper is read as flat text (no element tree)


DEFAULT_LIMITS = Limits()


def mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB" if size >= 1 << 20 else f"{size / 1024:,.0f} kB"


@dataclass(frozen=True)
class Section:
    """From ``start`` (an offset into the extracted text) to the next section's start,
    the text is on PDF ``page`` (1-based) or under ``heading`` ("第一章 > 背景")."""

    start: int
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class Extracted:
    text: str
    sections: tuple[Section, ...] = ()


# ---------------------------------------------------------------- shared text assembly

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_CHAR = re.compile(f"[{_CJK}]")
# Kangxi radicals and compatibility ideographs: PDF fonts often map 文 to ⽂ (U+2F42),
# which looks identical but never matches a query.  NFKC maps them back; applied to these
# characters only, because NFKC on all text would turn full-width ，：（ into , : (.
_CJK_COMPAT = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def fold_compat(text: str) -> str:
    return _CJK_COMPAT.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def joiner(left: str, right: str) -> str:
    """What joins two pieces of one line of text: nothing next to Chinese, a space between words."""
    if not left or not right or _CJK_CHAR.match(left[-1]) or _CJK_CHAR.match(right[0]):
        return ""
    return " "


@dataclass
class _Builder:
    """Append blocks (one per line) and headings; keep the offset of every section."""

    separator: str = "\n"
    parts: list[str] = field(default_factory=list)
    length: int = 0
    sections: list[Section] = field(default_factory=list)
    _path: list[tuple[int, str]] = field(default_factory=list)

    def block(self, text: str) -> None:
        text = _clean_block(text)
        if not text:
            return
        if self.parts:
            self.parts.append(self.separator)
            self.length += len(self.separator)
        self.parts.append(text)
        self.length += len(text)

    def _next_start(self) -> int:
        return self.length + (len(self.separator) if self.parts else 0)

    def section(self, page: int | None = None, heading: str | None = None) -> None:
        """The next block starts a new section (a PDF page, a heading)."""
        start = self._next_start()
        if self.sections and self.sections[-1].start == start:
            self.sections.pop()  # the previous section holds no text: the new one replaces it
        self.sections.append(Section(start, page, heading))

    def heading(self, level: int, text: str) -> None:
        text = _clean_block(text).replace("\n", " ")
        if not text:
            return
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))
        self.section(heading=HEADING_SEPARATOR.join(t for _, t in self._path))
        self.block(text)  # the heading stays in the text: it is context for its section

    def result(self) -> Extracted:
        return Extracted("".join(self.parts), tuple(self.sections))


def _clean_block(text: str) -> str:
    """One block's text: CJK compatibility forms folded, runs of spaces made one, lines trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in fold_compat(text).replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- PDF

# A line that ends like this ends its paragraph, however long it is.
_PARAGRAPH_END = re.compile(r"[。！？；：!?;:…”’」』）)】]$")


def unwrap_lines(lines: list[str]) -> list[str]:
    """Join the lines a PDF wrapped mid-sentence back into paragraphs.

    The text layer has a line break wherever the page did; the chunker reads a line
    break as a sentence end, so "同比增长\\n12%" would become two sentences.  A line is
    a wrap (joined to the next: without a space next to Chinese, with one between
    words) unless it ends a sentence or is under half as wide as the page's widest line
    (a heading, a paragraph's last line, a table row).
    """
    lines = [line for line in (_SPACES.sub(" ", raw).strip() for raw in lines) if line]
    if not lines:
        return []
    full = max(_width(line) for line in lines)
    out = [lines[0]]
    for prev, line in zip(lines, lines[1:]):
        ends = _PARAGRAPH_END.search(prev) or _width(prev) < 0.5 * full
        if ends:
            out.append(line)
        else:
            out[-1] += joiner(out[-1], line) + line
    return out


def _width(line: str) -> int:
    """Display width: a Chinese character is as wide as two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def extract_pdf(raw: bytes) -> Extracted:
    """The text layer of each page (pypdf), lines unwrapped; one section per page."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    # pypdf warns about every damage it recovers from (common in real PDFs); what the
    # user needs is the one-line skip reason below, not a screen of warnings.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):  # an owner-only password still opens
            raise Unreadable("encrypted PDF: it needs a password to open")
        pages = list(reader.pages)
    except Unreadable:
        raise
    except (FileNotDecryptedError, DependencyError) as err:
        raise Unreadable(f"encrypted PDF that cannot be opened ({err})") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError) as err:
        raise Unreadable(f"corrupt PDF ({type(err).__name__}: {short_reason(err)})") from None
    out = _Builder(separator="\n\n")
    bad_pages: list[int] = []
    for number, page in enumerate(pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception as err:  # noqa: BLE001 — one damaged page must not lose the others
            log.warning("page %d of a PDF could not be read (%s); indexing the other pages", number,
                        type(err).__name__)
            log.debug("page %d failed", number, exc_info=True)
            bad_pages.append(number)
            continue
        paragraphs = unwrap_lines(fold_compat(text).replace("\r", "\n").split("\n"))
        if paragraphs:
            out.section(page=number)
            out.block("\n".join(paragraphs))
    result = out.result()
    if not result.text.strip() and bad_pages:
        raise Unreadable(f"corrupt PDF ({len(bad_pages)} of {len(pages)} pages unreadable, no text in the others)")
    if not result.text.strip():
        raise Unreadable(f"no text layer in {len(pages)} page{'s' if len(pages) != 1 else ''} "
                         "(a scanned PDF? run OCR on it first)")
    return result


def short_reason(err: BaseException, limit: int = 80) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- Word (.docx)

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _heading_level(style_name: str) -> int | None:
    name = (style_name or "").strip()
    if name.lower() in ("title", "标题"):
        return 0
    match = _HEADING_STYLE.match(name)
    return int(match.group(1)) if match else None


def check_unzipped(raw: bytes, limits: Limits) -> None:
    """Refuse a zip whose parts unzip to more than ``max_unzipped_mb``, reading only its directory.

    The sizes there can lie, but :mod:`zipfile` never inflates a part past the size its
    directory entry declares, so the check bounds what python-docx can load.
    """
    from zipfile import BadZipFile, ZipFile

    try:
        with ZipFile(io.BytesIO(raw)) as archive:
            total = sum(item.file_size for item in archive.infolist())
    except (BadZipFile, ValueError, OSError, EOFError) as err:
        raise Unreadable(f"corrupt Word file ({type(err).__name__}: {short_reason(err)})") from None
    if total > limits.max_unzipped_mb << 20:
        raise Unreadable(f"unzips to {mb(total)}, over max_unzipped_mb = {limits.max_unzipped_mb} "
                         f"(a zip bomb? raise the setting to read it)")


def extract_docx(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """Paragraphs and table rows in document order; ``Heading N`` styles make the heading path."""
    from zipfile import BadZipFile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    check_unzipped(raw, limits)
    try:
        document = docx.Document(io.BytesIO(raw))
        items = list(document.iter_inner_content())
    except (PackageNotFoundError, BadZipFile, KeyError, ValueError, OSError) as err:
        raise Unreadable(f"corrupt Word file ({type(err).__name__}: {short_reason(err)})") from None
    except Exception as err:  # lxml's XMLSyntaxError and friends: a damaged document part
        if "depth" in str(err).lower():  # libxml2 refuses XML nested deeper than 256 levels
            raise Unreadable("Word XML nested deeper than 256 levels (libxml2's limit)") from None
        raise Unreadable(f"corrupt Word file ({type(err).__name__})") from None
    # Paragraph.style looks the style up by scanning styles.xml each time (2 s for 600
    # paragraphs); names by style id, read once, make it a dict lookup.
    names = {style.style_id: style.name or "" for style in document.styles}
    out = _Builder()
    for item in items:
        if isinstance(item, Table):
            for row in _table_rows(item):
                out.block(row)
            continue
        level = _heading_level(names.get(item._p.style or "", ""))
        if level is not None:
            out.heading(level, item.text)
        else:
            out.block(item.text)
    return out.result()


def _table_rows(table: Any) -> Iterable[str]:
    """A table as one line per row, cells joined by " | " (merged cells once)."""
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            yield " | ".join(cells)


# ---------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def declared_charset(raw: bytes) -> str | None:
    """The encoding a page declares in its first 4 KB, when it is one Python knows and not
    one that :func:`rag.ingest.loader.decode` already handles (UTF-8, GBK/GB2312/GB18030)."""
    import codecs

    match = _META_CHARSET.search(raw[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return None if name in ("utf-8", "gbk", "gb2312", "gb18030", "ascii") else name


# trafilatura works on an lxml tree of the whole page (~13 bytes a byte of HTML) and
# libxml2 refuses text nodes over 10 MB: a page larger than this is read as flat text.
TREE_MAX_CHARS = 8_000_000


def extract_html(html: str, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """The page's main text (trafilatura: no navigation, scripts, footers), headings kept.

    trafilatura gives the main content as XML (``<head rend="h2">``, ``<p>``, ``<list>``,
    ``<table>``); we walk it to keep the heading path.  A page with no recognisable main
    text, or one too large or too deeply nested for an element tree (libxml2 gives up
    on a 10 MB text node or 256 levels, and said only "discarding data: None"), is read
    as all its visible text by a streaming tokenizer, so it is not lost.
    """
    if len(html) > TREE_MAX_CHARS or nesting_depth(html) > limits.max_depth:
        return flat_html(html)
    import trafilatura
    from lxml import etree

    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # the fallback below is the message
    try:
        xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                                  include_links=False, include_images=False, favor_recall=True,
                                  deduplicate=False)
    except (ValueError, RecursionError, etree.LxmlError):
        xml = None
    out = _Builder()
    if xml:
        main = etree.fromstring(xml.encode("utf-8")).find("main")
        if main is not None:
            _walk_html_main(main, out)
    if not out.parts:
        return flat_html(html)
    return out.result()


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
# Elements that never nest (void) or whose end tag HTML lets a writer leave out.
_NO_DEPTH = frozenset("area base br col embed hr img input link meta param source track wbr "
                      "p li dt dd tr td th option thead tbody tfoot colgroup rp rt".split())


def nesting_depth(html: str) -> int:
    """How deep the page's elements nest, counted from its tags without building a tree."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match.group(3) or match.group(2).lower() in _NO_DEPTH:
            continue
        depth = max(depth - 1, 0) if match.group(1) else depth + 1
        deepest = max(deepest, depth)
    return deepest


_BLOCK_TAGS = frozenset("address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
                        "header hr li main nav ol p pre section table td th tr ul".split())
_HIDDEN_TAGS = frozenset(("script", "style", "noscript", "template", "head", "svg"))


def flat_html(html: str) -> Extracted:
    """All visible text of a page, one block per block element, ``<h1>``–``<h6>`` as headings.

    The standard library's tokenizer keeps no tree, so memory is linear in the page and
    nesting depth costs nothing."""
    from html.parser import HTMLParser

    out = _Builder()

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.hidden = 0
            self.heading: int | None = None
            self.text: list[str] = []

        def flush(self) -> None:
            text = "".join(self.text)
            self.text = []
            if self.heading is not None:
                out.heading(self.heading, text)
            else:
                out.block(text)

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag in _HIDDEN_TAGS:
                self.hidden += 1
            elif re.fullmatch(r"h[1-6]", tag):
                self.flush()
                self.heading = int(tag[1])
            elif tag in _BLOCK_TAGS:
                self.flush()

        def handle_endtag(self, tag: str) -> None:
            if tag in _HIDDEN_TAGS:
                self.hidden = max(self.hidden - 1, 0)
            elif re.fullmatch(r"h[1-6]", tag):
                self.flush()
                self.heading = None
            elif tag in _BLOCK_TAGS:
                self.flush()

        def handle_data(self, data: str) -> None:
            if not self.hidden:
                self.text.append(data)

    reader = Reader()
    reader.feed(html)
    reader.close()
    reader.flush()
    return out.result()


def _walk_html_main(element: Any, out: _Builder) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "head":
            level = re.match(r"h(\d)", child.get("rend") or "")
            out.heading(int(level.group(1)) if level else 2, "".join(child.itertext()))
        elif tag == "list":
            for item in child.iter("item"):
                out.block(" ".join("".join(item.itertext()).split()))
        elif tag == "table":
            for row in child.iter("row"):
                cells = [" ".join("".join(c.itertext()).split()) for c in row.iter("cell")]
                out.block(" | ".join(c for c in cells if c))
        elif tag in ("div", "main", "quote") and len(child):
            _walk_html_main(child, out)
        else:
            out.block("".join(child.itertext()))


# ---------------------------------------------------------------- Markdown

# YAML front matter (Hugo, Jekyll, Obsidian) is metadata; CommonMark would read its closing
# "---" as a heading underline.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def extract_markdown(source: str) -> Extracted:
    """Markdown rendered to plain text (markdown-it-py, CommonMark + tables): markup and
    link targets dropped, code kept, one block per line; ``#`` headings make the path."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_FRONT_MATTER.sub("", source, count=1))
    out = _Builder()
    row: list[str] | None = None
    heading_level: int | None = None
    number = ""  # an ordered list item's "3." is content ("第3条"), not markup: keep it
    for token in tokens:
        if token.type == "list_item_open" and token.info:
            number = f"{token.info}{token.markup} "
        elif token.type == "heading_open":
            heading_level = int(token.tag[1:])
        elif token.type == "heading_close":
            heading_level = None
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            out.block(" | ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline":
            text = number + _inline_text(token.children or [])
            number = ""
            if row is not None:
                row.append(" ".join(text.split()))
            elif heading_level is not None:
                out.heading(heading_level, text)
            else:
                out.block(text)
        elif token.type in ("fence", "code_block"):
            out.block(token.content)
        elif token.type == "html_block":
            out.block(re.sub(r"<[^>]*>", "", token.content))
    return out.result()


def _inline_text(children: list[Any]) -> str:
    text = ""
    for child in children:
        if child.type in ("text", "code_inline"):
            text += child.content
        elif child.type == "softbreak":  # a wrapped line: rejoin as the renderer would show it
            text += "\0"
        elif child.type == "hardbreak":
            text += "\n"
        elif child.type == "image":
            text += _inline_text(child.children or [])
    # Resolve soft breaks once both neighbours are known.
    pieces = text.split("\0")
    joined = pieces[0]
    for piece in pieces[1:]:
        joined += joiner(joined, piece) + piece
    return joined
