"""Make the documents people keep, in Chinese, for tests and benchmarks: nothing is downloaded.

* a PDF with a real text layer (fpdf2 embedding a CJK TrueType font: WenQuanYi from
  Debian's ``fonts-wqy-zenhei``, installed by ``.ci/run``), one list of paragraphs per page;
* an encrypted PDF and a scanned one (a page that is only a picture), made with pypdf/fpdf2;
* a Word file (python-docx) with ``Heading N`` paragraphs and a table;
* an HTML page with navigation, a sidebar, scripts and a footer around the article.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
NO_FONT = ("no CJK TrueType font (install Debian's fonts-wqy-zenhei, as .ci/run does) "
           "to generate a Chinese PDF")


def cjk_font() -> Path | None:
    """A TrueType-outline CJK font fpdf2 can embed, or None."""
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).is_file()), None)


def make_pdf(path: Path, pages: Sequence[Sequence[str]], font: Path | None = None) -> Path:
    """A PDF whose page *i* holds the paragraphs ``pages[i]`` (wrapped as the page needs)."""
    from fpdf import FPDF

    font = font or cjk_font()
    if font is None:
        raise RuntimeError(NO_FONT)
    pdf = FPDF()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=12)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 8, paragraph)
            pdf.ln(3)
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, pages: Sequence[Sequence[str]], password: str = "secret") -> Path:
    """The same PDF, but opening it needs ``password``."""
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_suffix(".plain.tmp"), pages)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF as a scanner makes it: every page a picture, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    pdf = FPDF()
    for n in range(pages):
        image = Image.new("L", (600, 800), 255)
        draw = ImageDraw.Draw(image)
        for row in range(40, 760, 24):  # lines of "text" as a scan shows them: ink, not characters
            draw.rectangle((40, row, 560 - (row * 7 + n * 13) % 200, row + 10), fill=30)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=210)
    pdf.output(str(path))
    return path


def make_docx(path: Path, blocks: Sequence[tuple[str, str | list[list[str]]]]) -> Path:
    """A Word file from ``(kind, content)`` blocks: ``("h1".."h3", text)``, ``("title", text)``,
    ``("p", text)`` or ``("table", rows)``."""
    import docx

    document = docx.Document()
    for kind, content in blocks:
        if kind == "title":
            document.add_heading(str(content), level=0)
        elif kind.startswith("h"):
            document.add_heading(str(content), level=int(kind[1:]))
        elif kind == "table":
            rows = list(content)
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(str(content))
    document.save(str(path))
    return path


def html_page(title: str, article_html: str) -> str:
    """A web page as saved from a browser: the article inside navigation, a sidebar, scripts, a footer."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<script>window.dataLayer = []; var trackerNote = "统计脚本不应被索引";</script>
<style>.nav {{ color: #333 }} body::after {{ content: "样式表内容不应被索引" }}</style></head>
<body>
<header><nav class="nav"><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li>
<li><a href="/products">产品与服务</a></li><li><a href="/contact">联系我们</a></li></ul></nav></header>
<div id="sidebar" class="sidebar"><h3>热门推荐</h3><ul><li><a href="/hot/1">侧栏推荐链接甲</a></li>
<li><a href="/hot/2">侧栏推荐链接乙</a></li></ul></div>
<main><article>{article_html}</article></main>
<footer><p>版权所有 © 2025 示例网站 保留所有权利 | 沪ICP备00000000号</p><a href="/privacy">隐私政策</a></footer>
<script>document.addEventListener("load", function () {{ console.log("页面脚本不应被索引"); }});</script>
</body></html>
"""


BOILERPLATE = ("统计脚本不应被索引", "样式表内容不应被索引", "新闻中心", "侧栏推荐链接甲", "版权所有", "页面脚本不应被索引",
               "隐私政策")


def make_docx_bomb(path: Path, unzipped_bytes: int, paragraph: str = "压缩炸弹里的一段文字。") -> Path:
    """A Word file whose ``word/document.xml`` unzips to about ``unzipped_bytes`` (a zip bomb:
    the same paragraph repeated compresses ~1000:1).  Written as a stream, so making it costs
    little memory; every other part is a real python-docx document's."""
    import zipfile

    template = make_docx(path.with_suffix(".template.tmp"), [("p", paragraph)])
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                               compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, source.read(item.filename))
                continue
            head, _, tail = source.read(item.filename).decode("utf-8").partition("<w:body>")
            run = f"<w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p>".encode()
            with bomb.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(f"{head}<w:body>".encode())
                block = run * max(1, (1 << 20) // len(run))
                for _ in range(max(1, unzipped_bytes // len(block))):
                    out.write(block)
                out.write(b"</w:body></w:document>")
    template.unlink()
    return path
