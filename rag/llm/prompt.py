"""The words we send to an LLM, in one readable place.

Two prompts: :data:`ANSWER_PROMPT` (answer from numbered passages, cite each claim)
and :data:`CONDENSE_PROMPT` (rewrite a chat follow-up into a standalone question
before retrieving).  They are Chinese because the corpus mostly is, and they ask the
model to answer in the question's language.  The answer prompt can be replaced by a
UTF-8 file named in the ``prompt_file`` setting that keeps the ``{passages}`` and
``{question}`` placeholders; placeholders are substituted literally (not with
``str.format``), so other braces in the file are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from rag.errors import RagError
from rag.records import Hit
from rag.text.markers import MARKER

# The model is told to answer with exactly one of these when the passages do not
# hold the answer; :func:`is_abstention` recognises them.
NO_ANSWER_ZH = "语料中没有这个问题的答案。"
NO_ANSWER_EN = "The corpus does not contain the answer."
# The line the model is asked to lead with for a factoid question; :func:`split_short_answer` reads it.
SHORT_LABEL_ZH = "简答："
SHORT_LABEL_EN = "Short answer:"
SHORT_MAX_CHARS = 60  # a longer "short answer" is an answer, left in the text
_SHORT_LINE = re.compile(r"^\s*(?:\*\*)?(?:简答|简短回答|short answer)(?:\*\*)?\s*[:：]\s*(?:\*\*)?(.*?)(?:\*\*)?\s*$",
                         re.I)

ANSWER_PROMPT = f"""你是一个严谨的问答助手，只根据下面编号的资料段落回答问题。

规则：
1. 只使用资料段落中的信息，不要使用你自己的知识，也不要猜测。
2. 每一句陈述后面用方括号标注它依据的段落编号，例如 [1]；依据多个段落时写 [1][3]。
3. 如果资料段落不足以回答问题，只回答这一句：{NO_ANSWER_ZH}（英文问题则回答：{NO_ANSWER_EN}）
4. 用问题所用的语言回答（中文问题用中文，英文问题用英文），简洁，不要重复问题。
5. 如果问题问的是人名、名称、数量、日期或地点这类事实，第一行先写“{SHORT_LABEL_ZH}”
   和回答问题的那几个词（只写答案本身，不加引用），再另起一行写带引用的完整回答
   （英文问题的第一行写“{SHORT_LABEL_EN} ”）。问原因、方法或解释的问题不写这一行。

资料段落：
{{passages}}

问题：{{question}}

回答："""

CONDENSE_PROMPT = """下面是一段对话和用户的后续问题。请把后续问题改写成一个独立、完整的问题，
让不看对话的人也能理解：补全代词和省略的主语、对象、时间等。保持后续问题所用的语言。
只输出改写后的问题本身，不要回答它，不要加任何解释或前缀。

对话：
{history}

后续问题：{question}

独立问题："""

PLACEHOLDERS = ("{passages}", "{question}")
HISTORY_TURNS = 3  # older turns rarely matter for resolving "it" or "that year"
HISTORY_ANSWER_CHARS = 300
_LABEL = re.compile(r"^\s*(独立问题|改写后的问题|问题|standalone question|question)\s*[:：]\s*", re.I)


def load_template(prompt_file: Path | None) -> str:
    """The answer prompt: the built-in one, or the user's file (checked for both placeholders)."""
    if prompt_file is None:
        return ANSWER_PROMPT
    try:
        template = prompt_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RagError(f"prompt_file {prompt_file}: cannot read it ({err.__class__.__name__})") from None
    missing = [p for p in PLACEHOLDERS if p not in template]
    if missing:
        raise RagError(f"prompt_file {prompt_file}: missing placeholder(s) {', '.join(missing)}")
    return template


def format_passages(hits: Sequence[Hit]) -> str:
    """Passages numbered [1]..[k] with their source, as the model must cite them."""
    return "\n\n".join(f"[{i}] 来源：{h.chunk.source}{_at(h.chunk.location)}\n{h.chunk.text.strip()}"
                       for i, h in enumerate(hits, 1))


def _at(location: str | None) -> str:
    return f"（{location}）" if location else ""


def answer_prompt(question: str, hits: Sequence[Hit], template: str = ANSWER_PROMPT) -> str:
    # Substitute the question last so that a "{passages}" typed in it stays literal.
    return template.replace("{passages}", format_passages(hits)).replace("{question}", question)


def condense_prompt(question: str, history: Sequence[tuple[str, str]]) -> str:
    """Ask for a standalone form of ``question``; ``history`` is (question, answer) pairs."""
    lines = []
    for asked, answered in history[-HISTORY_TURNS:]:
        answered = " ".join(MARKER.sub("", answered).split())
        if len(answered) > HISTORY_ANSWER_CHARS:
            answered = answered[:HISTORY_ANSWER_CHARS] + "…"
        lines += [f"用户：{asked}", f"助手：{answered}"]
    return CONDENSE_PROMPT.replace("{history}", "\n".join(lines)).replace("{question}", question)


def clean_condensed(text: str) -> str:
    """The rewritten question without the labels or quotes models like to add."""
    first = next((line for line in text.strip().splitlines() if line.strip()), "")
    return _LABEL.sub("", first).strip().strip("\"'“”「」").strip()


def is_abstention(answer: str) -> bool:
    """Whether the model said the corpus does not hold the answer (in our words)."""
    flat = " ".join(answer.split()).lower()
    return NO_ANSWER_ZH.rstrip("。") in flat or NO_ANSWER_EN.rstrip(".").lower() in flat


def split_short_answer(text: str) -> tuple[str | None, str]:
    """The short answer the model led with (our label's line), and the rest of the answer.

    Without that line, or with one too long to be a short answer, the text is returned whole.
    """
    lines = text.strip().split("\n")
    match = _SHORT_LINE.match(lines[0]) if lines else None
    if not match:
        return None, text
    short = MARKER.sub("", match.group(1)).strip().rstrip("。.").strip()
    rest = "\n".join(lines[1:]).strip()
    if not short or len(short) > SHORT_MAX_CHARS or not rest:
        return None, text
    return short, rest
