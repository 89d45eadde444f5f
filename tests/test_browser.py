"""The chat in a real browser: Debian's Chromium driven by Playwright, against the app on loopback.

Screenshots land in tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from rag.config import Settings
from tests.conftest import ROOT
from tests.uiapp import serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "tests" / "artifacts"
ENTRY_FEE = "业界普遍认为进入大模型这个行业的入场门票是多少钱？"
EXAMPLE = "魔音工坊支持多少种语言和方言？"
ANSWER_TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM} "
                                                     "(apt-get install chromium fonts-noto-cjk)"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting'", "ignore:The copy keyword"),
]

# Set by a MutationObserver: proof that intermediate (streamed) states reached the page.
WATCH_STREAMING = """() => {
  window.ragSawProgress = false;
  new MutationObserver(() => {
    if (document.querySelector('#rag-chat .rag-pending, #rag-chat .rag-streaming')) window.ragSawProgress = true;
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
# n answers are complete and the chat has settled (the sources box slides open).
ANSWERED = """n => document.querySelectorAll('#rag-chat .rag-sources').length >= n
  && !document.querySelector('#rag-chat .rag-pending, #rag-chat .rag-streaming')
  && !document.getAnimations().some(a => a.effect?.target?.closest?.('#rag-chat'))"""


@pytest.fixture(scope="module")
def url(seeds_settings: Settings) -> Iterator[str]:
    with serving(seeds_settings) as address:
        yield address


def _open(url: str, locale: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=locale)
        page.goto(url)
        page.wait_for_selector("#rag-question textarea")
        yield page
        browser.close()


@pytest.fixture
def page(url: str):
    """A browser that asks for English."""
    yield from _open(url, "en-US")


@pytest.fixture
def zh_page(url: str):
    """A browser that asks for Chinese (navigator.language and Accept-Language zh-CN)."""
    yield from _open(url, "zh-CN")


def wait_for_answer(page, answers: int) -> None:
    page.wait_for_function(ANSWERED, arg=answers, timeout=ANSWER_TIMEOUT_MS)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_typed_question_streams_a_cited_answer_and_an_example_gets_one_too(page) -> None:
    from playwright.sync_api import expect

    page.evaluate(WATCH_STREAMING)
    box = page.locator("#rag-question textarea")
    box.fill(ENTRY_FEE)
    box.press("Enter")
    wait_for_answer(page, 1)
    assert page.evaluate("window.ragSawProgress"), "the answer should arrive in steps, not at once"

    answer = page.locator("#rag-chat .rag-answer").last
    expect(answer).to_contain_text("10 亿元人民币")
    cite = answer.locator("a.rag-cite").first
    expect(cite).to_have_text("[1]")
    target = cite.get_attribute("href")
    assert target == "#rag-t1-s1"
    source = page.locator(target)
    expect(source.locator(".rag-file")).to_have_text("seeds/000_093b91aadbd42fdd.txt")
    expect(source.locator(".rag-lines")).to_have_text(re.compile(r"^lines \d+–\d+$"))
    expect(source.locator("mark.rag-quote")).to_contain_text("10 亿元人民币")
    cite.click()
    page.wait_for_function("location.hash === '#rag-t1-s1'")
    expect(source).to_be_in_viewport()
    assert page.locator("#rag-question textarea").input_value() == ""
    expect(page.locator("#rag-send")).to_have_text("Ask")
    shot = screenshot(page, "chat-answer.png")
    assert shot.stat().st_size > 20_000

    page.locator("#rag-new").click()
    example = page.locator("#rag-chat button.example", has_text=EXAMPLE)
    expect(example).to_be_visible()
    example.click()
    wait_for_answer(page, 1)
    expect(page.locator("#rag-chat .rag-question").last).to_have_text(EXAMPLE)
    expect(page.locator("#rag-chat .rag-answer a.rag-cite").first).to_have_attribute("href", "#rag-t1-s1")
    expect(page.locator("#rag-t1-s1 mark.rag-quote")).to_contain_text("37 种语言")
    screenshot(page, "chat-example.png")


def test_a_factoid_answer_leads_with_its_short_answer_and_keeps_the_cited_sentence(page) -> None:
    from playwright.sync_api import expect

    box = page.locator("#rag-question textarea")
    box.fill(EXAMPLE)
    box.press("Enter")
    wait_for_answer(page, 1)
    answer = page.locator("#rag-chat .rag-answer").last
    short = answer.locator(".rag-short")
    expect(short).to_contain_text("37")
    first_line = answer.evaluate("a => a.firstElementChild && a.firstElementChild.className")
    assert first_line == "rag-short", "the short answer is the answer's first line"
    expect(answer).to_contain_text("37 种语言")  # the cited sentence follows it
    expect(answer.locator("mark.rag-span")).to_contain_text("37")
    expect(answer.locator("a.rag-cite").first).to_have_attribute("href", "#rag-t1-s1")
    expect(page.locator("#rag-t1-s1 mark.rag-quote")).to_contain_text("37 种语言")
    top = short.bounding_box()
    sentence = answer.locator("mark.rag-span").bounding_box()
    assert top and sentence and top["y"] < sentence["y"], "shown above the sentence"
    shot = screenshot(page, "chat-short-answer.png")
    assert shot.stat().st_size > 20_000


def test_corpus_view_and_rebuild_in_the_side_panel(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#rag-corpus td", has_text="000_093b91aadbd42fdd.txt")).to_be_visible()
    page.locator("#rag-rebuild").click()
    expect(page.locator("#rag-rebuild-status")).to_contain_text("Index already up to date", timeout=ANSWER_TIMEOUT_MS)


def test_abstention_is_clear_and_shows_the_closest_passages(page) -> None:
    from playwright.sync_api import expect

    box = page.locator("#rag-question textarea")
    box.fill("Who won the 2018 FIFA World Cup final?")
    box.press("Enter")
    wait_for_answer(page, 1)
    expect(page.locator("#rag-chat .rag-abstained")).to_contain_text("Not in the corpus")
    expect(page.locator("#rag-chat details.rag-fold")).to_have_count(5)
    screenshot(page, "chat-abstained.png")


def test_a_chinese_browser_gets_the_page_and_the_answer_in_chinese(zh_page) -> None:
    from playwright.sync_api import expect

    page = zh_page
    expect(page.locator("#rag-send")).to_have_text("提问")
    expect(page.locator("#rag-new")).to_have_text("新对话")
    expect(page.locator("#rag-rebuild")).to_have_text("重建索引")
    expect(page.locator("#rag-question textarea")).to_have_attribute("placeholder", re.compile("^输入关于文档的问题"))
    expect(page.locator("#rag-side")).to_contain_text("大模型后端")
    expect(page.locator("#rag-corpus th").first).to_have_text("文件")
    expect(page.locator("#rag-status")).to_contain_text("个文件")
    expect(page.locator("#rag-chat")).to_contain_text("回答的每一句都注明出处")  # the empty chat's placeholder
    screenshot(page, "zh-start.png")
    box = page.locator("#rag-question textarea")
    box.fill(ENTRY_FEE)
    box.press("Enter")
    wait_for_answer(page, 1)
    expect(page.locator("#rag-chat")).to_contain_text("来源：引用 1 段，共检索 5 段")
    expect(page.locator("#rag-t1-s1 .rag-lines")).to_have_text(re.compile(r"^第 \d+–\d+ 行$"))
    expect(page.locator("#rag-t1-s1 a.rag-open")).to_have_text("查看全文")
    expect(page.locator("#rag-chat details.rag-fold .rag-show").first).to_have_text("展开")
    screenshot(page, "zh-chat.png")


def test_whole_file_view_opens_the_cited_file_scrolled_to_the_passage(zh_page, seeds_settings: Settings) -> None:
    from playwright.sync_api import expect

    page = zh_page
    box = page.locator("#rag-question textarea")
    box.fill(ENTRY_FEE)
    box.press("Enter")
    wait_for_answer(page, 1)
    cited = page.locator("#rag-t1-s1 .rag-passage").inner_text()
    page.locator("#rag-t1-s1 a.rag-open").click()
    panel = page.locator("#rag-file-panel")
    expect(panel).to_be_visible()
    span = panel.locator("#rag-file-span")
    expect(span).to_contain_text("10 亿元人民币")
    expect(span.locator("mark.rag-quote")).to_contain_text("10 亿元人民币")
    expect(span).to_be_in_viewport()
    source = seeds_settings.corpus.parent / "seeds" / "000_093b91aadbd42fdd.txt"
    whole = source.read_text(encoding="utf-8")
    assert panel.locator(".rag-file-body").text_content() == whole, "the view is the whole file, unaltered"
    assert " ".join(span.inner_text().split()) == " ".join(cited.split())
    assert whole.index(span.text_content()) > 1000, "the passage is far down the file: the view had to scroll"
    expect(panel.locator(".rag-file-title")).to_contain_text("引用的段落已高亮")
    screenshot(page, "zh-whole-file.png")
    panel.locator("#rag-file-close").click()
    expect(panel).to_be_hidden()
    page.locator("#rag-t1-s1 a.rag-open").click()  # the same link opens it again
    expect(panel).to_be_visible()
