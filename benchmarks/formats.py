"""`python -m benchmarks.formats`: which library reads Chinese documents best, and how fast
each format is ingested.  Writes benchmarks/sections/formats.md.

The documents are generated from the seed corpus (real Chinese prose, with Latin names
and numbers): every non-empty line of seeds/ becomes a paragraph of a PDF (fpdf2 with the
WenQuanYi Zen Hei TrueType font), a Word file (python-docx), a web page inside navigation,
scripts and a footer, and a Markdown file; a heading every 20 paragraphs.

* Quality: the share of source paragraphs found whole in the extracted text (whitespace
  ignored, so it measures characters and their order), and the share of their sentences
  found on one line (the chunker ends a sentence at a line break, so a wrap left in the text
  cuts it); for HTML, how many of the page's boilerplate strings leaked into the text.
* Speed: ``rag.ingest.loader.load_document`` per file, median of 3, in MB/s of extracted text
  (UTF-8 bytes of what is indexed).  Two cores shared with other work: timings are noisy.
"""

from __future__ import annotations

import html
import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from rag.ingest.chunker import split_sentences
from rag.ingest.loader import load_document

from .common import ROOT

sys.path.insert(0, str(ROOT))
from tests import doc_fixtures as fx  # noqa: E402

SECTION = ROOT / "benchmarks" / "sections" / "formats.md"
HEADING_EVERY = 20


def paragraphs() -> list[str]:
    lines = [" ".join(line.split()) for path in sorted((ROOT / "seeds").glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if len(line) >= 2]


def _font_safe(text: str, font: Path) -> str:
    """Drop characters the font has no glyph for (emoji), so the PDF's text is what we compare."""
    from fontTools.ttLib import TTCollection

    cmap = _cmap(str(font), TTCollection)
    return "".join(ch for ch in text if ord(ch) in cmap or ch == " ")


_CMAPS: dict[str, set[int]] = {}


def _cmap(font: str, collection: type) -> set[int]:
    if font not in _CMAPS:
        _CMAPS[font] = set(collection(font).fonts[0].getBestCmap())
    return _CMAPS[font]


def make_documents(folder: Path, paras: list[str]) -> dict[str, Path]:
    """The same paragraphs as .txt, .md, .html, .docx and .pdf; a heading every 20 paragraphs."""
    groups = [paras[i : i + HEADING_EVERY] for i in range(0, len(paras), HEADING_EVERY)]
    out = {"txt": folder / "doc.txt"}
    out["txt"].write_text("\n".join(paras), encoding="utf-8")
    md = "\n\n".join(f"## 第{n}节\n\n" + "\n\n".join(_md_escape(p) for p in g) for n, g in enumerate(groups, 1))
    out["md"] = folder / "doc.md"
    out["md"].write_text(md, encoding="utf-8")
    article = "".join(f"<h2>第{n}节</h2>" + "".join(f"<p>{html.escape(p)}</p>" for p in g)
                      for n, g in enumerate(groups, 1))
    out["html"] = folder / "doc.html"
    out["html"].write_text(fx.html_page("基准页面", article), encoding="utf-8")
    blocks: list[tuple[str, str | list[list[str]]]] = []
    for n, g in enumerate(groups, 1):
        blocks.append(("h1", f"第{n}节"))
        blocks.extend(("p", p) for p in g)
    out["docx"] = fx.make_docx(folder / "doc.docx", blocks)
    out["pdf"] = fx.make_pdf(folder / "doc.pdf", [[f"第{n}节", *g] for n, g in enumerate(groups, 1)])
    return out


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", text)


_WS = re.compile(r"\s+")


def whole_share(paras: list[str], text: str) -> float:
    """Share of paragraphs whose characters appear, in order, in ``text`` (whitespace ignored)."""
    flat = _WS.sub("", text)
    return sum(_WS.sub("", p) in flat for p in paras) / len(paras)


def sentences_share(paras: list[str], text: str) -> float:
    """Share of the paragraphs' sentences found within one line of ``text`` (whitespace
    ignored): the chunker ends a sentence at a line break, so a wrapped line left in the
    text cuts a sentence in two."""
    lines = [_WS.sub("", line) for line in text.splitlines()]
    sentences = [_WS.sub("", p[s.start : s.end]) for p in paras for s in split_sentences(p)]
    return sum(any(s in line for line in lines) for s in sentences) / len(sentences)


def timed(fn: Callable[[], object], runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def pdf_candidates(path: Path) -> dict[str, Callable[[], str]]:
    raw = path.read_bytes()

    def pypdf_raw() -> str:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)

    def pdfminer() -> str:
        from pdfminer.high_level import extract_text

        return extract_text(io.BytesIO(raw))

    def ours() -> str:
        return load_document(path, path.parent).text

    return {"pypdf 7 (BSD-3-Clause), raw text": pypdf_raw, "pdfminer.six (MIT)": pdfminer,
            "pypdf + our line unwrapping (used)": ours}


def html_candidates(path: Path) -> dict[str, Callable[[], str]]:
    raw = path.read_text(encoding="utf-8")

    def bs4_all() -> str:
        from bs4 import BeautifulSoup

        return BeautifulSoup(raw, "lxml").get_text("\n")

    def bs4_stripped() -> str:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(raw, "lxml")
        for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript"]):
            tag.decompose()
        return soup.get_text("\n")

    def ours() -> str:
        return load_document(path, path.parent).text

    return {"BeautifulSoup get_text (MIT)": bs4_all,
            "BeautifulSoup, script/style/nav/header/footer removed": bs4_stripped,
            "trafilatura (Apache-2.0, used)": ours}


def main() -> None:
    paras_all = paragraphs()
    font = fx.cjk_font()
    if font is None:
        raise SystemExit(fx.NO_FONT)
    paras = [p for p in (_font_safe(p, font).strip() for p in paras_all) if len(p) >= 2]
    with tempfile.TemporaryDirectory() as tmp:
        docs = make_documents(Path(tmp), paras)
        quality: list[str] = []
        for label, fn in pdf_candidates(docs["pdf"]).items():
            seconds, text = timed(fn)
            quality.append(f"| PDF | {label} | {whole_share(paras, str(text)):.1%} | "
                           f"{sentences_share(paras, str(text)):.1%} | – | {seconds * 1000:.0f} |")
        for label, fn in html_candidates(docs["html"]).items():
            seconds, text = timed(fn)
            leaked = sum(b in str(text) for b in fx.BOILERPLATE)
            quality.append(f"| HTML | {label} | {whole_share(paras, str(text)):.1%} | "
                           f"{sentences_share(paras, str(text)):.1%} | {leaked} of {len(fx.BOILERPLATE)} | "
                           f"{seconds * 1000:.0f} |")
        speed: list[str] = []
        for kind in ("txt", "md", "html", "docx", "pdf"):
            path = docs[kind]
            load_document(path, path.parent)  # warm: imports and caches are not ingestion
            seconds, doc = timed(lambda path=path: load_document(path, path.parent))
            text_mb = len(doc.text.encode("utf-8")) / 2**20
            sections = len(doc.sections)
            speed.append(f"| {kind} | {path.stat().st_size / 1024:.0f} KiB | {len(doc.text):,} | {sections} | "
                         f"{seconds * 1000:.1f} | {text_mb / seconds:.2f} | {whole_share(paras, doc.text):.1%} |")
    body = f"""## Document formats (PDF, Word, HTML, Markdown)

`python -m benchmarks.formats`. The same {len(paras)} paragraphs of Chinese prose (every line of
`seeds/`, characters the font lacks removed) written as each format, {HEADING_EVERY} paragraphs per
heading / PDF page. "Whole": share of paragraphs whose characters come out complete and in order
(whitespace ignored); "sentences on one line": share of their sentences not cut by a line break (the
chunker ends a sentence at one, so PDF line wraps must be rejoined). Median of 3 runs on 2 shared
cores: timings are noisy.

**Library choice** (Chinese text quality, licence):

| format | extractor | whole | sentences on one line | boilerplate leaked | ms |
|---|---|---|---|---|---|
{chr(10).join(quality)}

pypdf keeps every character of the Chinese text layer and is BSD-licensed; pdfminer.six drops a
few (and splits runs of numbers into boxes of their own); PyMuPDF is AGPL, so not in the default
install. Neither rejoins lines: our unwrapping (a line is a wrap unless it ends a sentence or is
under half the page's width) keeps most sentences whole; the rest are cut at page ends (a page is
a citation unit, so a paragraph running over a page is two) and before Latin words that the
generator (fpdf2) wraps at a space, leaving a short line. For HTML, trafilatura alone removes all
of navigation, sidebar, scripts and footer.

**Ingestion speed** (`rag.ingest.loader.load_document`, extracted text in MB/s of UTF-8):

| format | file | characters | sections (pages / headings) | ms | MB/s | whole |
|---|---|---|---|---|---|---|
{chr(10).join(speed)}
"""
    SECTION.parent.mkdir(parents=True, exist_ok=True)
    SECTION.write_text(body, encoding="utf-8")
    print(body)


if __name__ == "__main__":
    main()
