"""With an LLM: the answer's first line 简答：… becomes the short answer, and the claim check covers it.

The fake LLM on loopback (``tests/fake_openai_server.py``) replays a reply built from the
passages it was sent, through the real langchain-openai client.
"""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from rag import pipeline as qa
from rag.indexing.handle import open_handle
from rag.pipeline import Delta, Done, Short

from .fake_openai_server import PASSAGE, absent_figure, unique_sentence
from .llm_fixtures import *  # noqa: F403 - fixtures

QUESTION = "业界认为做大模型的入场门票是多少钱?"
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*[亿万]")


@pytest.fixture
def replay(llm) -> Iterator[dict[str, object]]:
    yield llm.replies
    llm.replies.pop(QUESTION, None)


def run(settings) -> tuple[list[object], qa.Answer]:
    events = list(qa.stream(open_handle(settings), QUESTION, llm="openai:replay"))
    assert isinstance(events[-1], Done)
    return events, events[-1].answer


def _with_figure(passages: dict[int, str]) -> tuple[int, str]:
    n = next(n for n, text in sorted(passages.items()) if FIGURE.search(text))
    return n, FIGURE.search(passages[n]).group()  # type: ignore[union-attr]


def test_the_llms_short_answer_line_leads_the_answer_and_is_checked(llm, llm_settings, replay) -> None:
    def reply(passages: dict[int, str]) -> str:
        n, figure = _with_figure(passages)
        return f"简答：{figure}\n{unique_sentence(passages, n)}[{n}]"

    replay[QUESTION] = reply
    events, answer = run(llm_settings(llm_unsupported="abstain"))
    figure = _with_figure({int(n): t for n, _, t in PASSAGE.findall(llm.requests[-1].prompt)})[1]
    assert answer.short_answer == figure and answer.claim_check == "supported"
    assert not answer.answer.startswith("简答")
    held = [e for e in events if isinstance(e, (Short, Delta))]
    assert isinstance(held[0], Short) and held[0].text == figure, "checked, then shown first"
    assert answer.to_dict()["short_answer"] == figure


def test_a_short_answer_no_passage_holds_is_caught(llm, llm_settings, replay) -> None:
    def reply(passages: dict[int, str]) -> str:
        n, _ = _with_figure(passages)
        return f"简答：{absent_figure(chr(10).join(passages.values()))}\n{unique_sentence(passages, n)}[{n}]"

    replay[QUESTION] = reply
    _, warned = run(llm_settings())
    assert warned.short_answer and warned.unsupported_claims == [warned.short_answer]
    assert warned.claim_check == "warned"
    _, withheld = run(llm_settings(llm_unsupported="abstain"))
    assert withheld.abstained and withheld.short_answer is None
    assert withheld.to_dict()["short_answer"] is None
