"""Every word the browser chat shows, in English and Chinese, and which one a browser asks for.

Two kinds of text, one table:

* the page's own labels (buttons, headings, placeholders) are static: Gradio's
  ``gr.I18n`` translates them in the browser from :func:`gradio_translations`;
* what the server writes at run time (chat messages, sources, the corpus panel) is
  rendered in the language of the request's ``Accept-Language`` (:func:`language`),
  which is the same browser setting Gradio's front end reads.

Chinese when the browser prefers any Chinese; English otherwise.  Gradio-free.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]

# key → (English, Chinese).  Placeholders are str.format fields.
TEXT: dict[str, tuple[str, str]] = {
    # page labels (gr.I18n)
    "subtitle": ("ask your documents", "向文档提问"),
    "placeholder": ("### Ask the documents\nEvery sentence of an answer cites the passage it comes from: click a "
                    "**[n]** to jump to it. When the documents do not hold the answer, you are told so.",
                    "### 向文档提问\n回答的每一句都注明出处：点击 **[n]** 跳到对应段落。"
                    "文档里没有答案时，会直接告诉你。"),
    "question": ("Ask a question about the documents… (Enter to send)", "输入关于文档的问题…（回车发送）"),
    "ask": ("Ask", "提问"),
    "new_chat": ("New chat", "新对话"),
    "answering": ("#### Answering", "#### 回答设置"),
    "llm": ("LLM backend", "大模型后端"),
    "top_k": ("Passages (top-k)", "检索段落数（top-k）"),
    "corpus": ("#### Corpus", "#### 语料"),
    "rebuild": ("Rebuild index", "重建索引"),
    "close": ("Close", "关闭"),
    # chat turn
    "searching": ("Searching the corpus…", "正在检索语料…"),
    "writing": ("Writing the answer…", "正在生成回答…"),
    "error": ("Error", "错误"),
    "not_in_corpus": ("Not in the corpus", "语料中没有答案"),
    "ungrounded": ("This answer cites no passage: check it against the passages below.",
                   "这个回答没有引用任何段落：请对照下面的段落核实。"),
    "dropped": ("Removed citation markers that pointed to no passage: {markers}.",
                "已删除不对应任何段落的引用标记：{markers}。"),
    "source_n": ("source {n}", "来源 {n}"),
    "sources_title": ("Sources: {cited} cited of {k} retrieved · {llm} · {seconds:.1f} s",
                      "来源：引用 {cited} 段，共检索 {k} 段 · {llm} · {seconds:.1f} 秒"),
    "closest_title": ("Closest passages: {k} retrieved, none answers the question",
                      "最接近的段落：检索到 {k} 段，都不能回答这个问题"),
    "retrieved_title": ("Retrieved passages: {k}", "检索到的段落：{k} 段"),
    "retrieved_failed": (" (no answer: see the error above)", "（没有回答：见上面的错误）"),
    "more_passages": ("{k} more retrieved passages", "另外 {k} 段检索结果"),
    "more_passage": ("1 more retrieved passage", "另外 1 段检索结果"),
    "line": ("line {first}", "第 {first} 行"),
    "lines": ("lines {first}–{last}", "第 {first}–{last} 行"),
    "chars": ("chars {start}–{end}", "字符 {start}–{end}"),
    "show_all": ("show all", "展开"),
    "show_less": ("show less", "收起"),
    "whole_file": ("whole file", "查看全文"),
    "long_question": ("({n:,} characters)", "（共 {n:,} 字）"),
    # whole-file view
    "file_head": ("{source} · {lines} · the cited passage is highlighted",
                  "{source} · {lines} · 引用的段落已高亮"),
    "file_changed": ("The file changed since it was indexed: the passage is no longer at these offsets. "
                     "Rebuild the index.", "文件在建索引后改动过，段落已不在这个位置。请重建索引。"),
    "file_unknown": ("{source} is not a file of this index.", "{source} 不在这个索引里。"),
    "file_outside": ("{source} now leads outside the corpus folder: it is not shown.",
                     "{source} 现在指向语料文件夹之外：不予显示。"),
    "file_unreadable": ("Cannot read {source}: {reason}.", "无法读取 {source}：{reason}。"),
    "file_clipped": ("Showing {shown:,} of {total:,} characters around the passage.",
                     "文件较长，只显示段落附近的 {shown:,} 个字符（共 {total:,}）。"),
    # corpus panel and rebuild
    "no_index": ("No index at {index} yet.", "{index} 还没有索引。"),
    "file": ("file", "文件"),
    "chunks": ("chunks", "段数"),
    "corpus_summary": ("{files} files, {chunks} chunks · built {built}", "{files} 个文件，{chunks} 段 · 建于 {built}"),
    "status": ("corpus {corpus} · {files} files · {chunks} chunks · embedding {embedding}",
               "语料 {corpus} · {files} 个文件 · {chunks} 段 · 向量模型 {embedding}"),
    "status_unindexed": ("corpus {corpus} · not indexed yet", "语料 {corpus} · 尚未建索引"),
    "rebuild_progress": ("Rebuilding: embedded {done} of {total} new chunks… (answers still come from the current "
                         "index)", "正在重建：已向量化 {done}/{total} 个新段落…（回答仍来自当前索引）"),
    "rebuild_started": ("Rebuilding: reading the corpus… (answers still come from the current index)",
                        "正在重建：读取语料…（回答仍来自当前索引）"),
    "rebuild_up_to_date": ("Index already up to date: {files} files, {chunks} chunks ({seconds:.1f} s).",
                           "索引已是最新：{files} 个文件，{chunks} 段（{seconds:.1f} 秒）。"),
    "rebuild_done": ("Index rebuilt in {seconds:.1f} s: {files} files, {chunks} chunks. {changes}. Embedded "
                     "{embedded} chunks, reused {reused}. New questions use the new index.",
                     "索引重建完成，用时 {seconds:.1f} 秒：{files} 个文件，{chunks} 段。{changes}。新向量化 {embedded} 段，"
                     "复用 {reused} 段。新问题将使用新索引。"),
    "added": ("added", "新增"),
    "changed": ("changed", "修改"),
    "removed": ("removed", "删除"),
    "and_more": (" and {n} more", " 等 {n} 个"),
    "skipped": ("skipped {source}: {reason}", "已跳过 {source}：{reason}"),
    "rebuild_failed": ("Rebuild failed", "重建失败"),
    "rebuild_kept": ("The previous index is unchanged and still answers.", "原索引未改动，仍在回答问题。"),
    "rebuild_busy": ("A rebuild is already running; wait for it to finish.", "已有重建在进行，请等它完成。"),
}

# Static labels that Gradio translates in the browser.
PAGE_KEYS = ("subtitle", "placeholder", "question", "ask", "new_chat", "answering", "llm", "top_k", "corpus",
             "rebuild", "close")


def t(key: str, lang: Lang = "en", **fields: object) -> str:
    """The text ``key`` in ``lang``, with ``fields`` filled in."""
    english, chinese = TEXT[key]
    template = chinese if lang == "zh" else english
    return template.format(**fields) if fields else template


def language(accept_language: str | None) -> Lang:
    """``zh`` when the browser's ``Accept-Language`` ranks a Chinese variant above English.

    ``zh-CN,zh;q=0.9,en;q=0.8`` → zh; ``en-US,en;q=0.9,zh;q=0.5`` → en; nothing → en.
    """
    ranked: list[tuple[float, int, str]] = []
    for order, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            ranked.append((-weight, order, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag == "zh" or tag.startswith("zh-"):
            return "zh"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return "en"


def gradio_translations() -> dict[str, dict[str, str]]:
    """The page labels for ``gr.I18n``: English, and Chinese under the tags browsers send."""
    english = {key: TEXT[key][0] for key in PAGE_KEYS}
    chinese = {key: TEXT[key][1] for key in PAGE_KEYS}
    return {"en": english, "zh": chinese, "zh-CN": chinese, "zh-TW": chinese, "zh-HK": chinese}
