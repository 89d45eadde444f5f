"""An LLM's claims checked against what it cites, through the real langchain-openai client.

The fake LLM on loopback (``tests/fake_openai_server.py``) replies (a) with a figure
no passage holds, citing a real passage (``wrong-figure``), (b) with a sentence of
passage 2 and no marker (``uncited-copy``), (c) with sentences of passages 1 and 2,
each with its marker (``cited-copy``).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rag import pipeline as qa
from rag.answering.extractive import ABSTAIN_ZH
from rag.app.cli import cli
from rag.indexing.handle import open_handle
from rag.pipeline import Delta, Done, Retrieved

from .fake_openai_server import PASSAGE, absent_figure, unique_sentence
from .llm_fixtures import *  # noqa: F403 - fixtures

QUESTION = "业界认为做大模型的入场门票是多少钱?"


def run(settings, model: str) -> tuple[list[str], qa.Answer]:
    """The deltas shown and the final answer of one question."""
    events = list(qa.stream(open_handle(settings), QUESTION, llm=f"openai:{model}"))
    assert isinstance(events[0], Retrieved) and isinstance(events[-1], Done)
    return [e.text for e in events if isinstance(e, Delta)], events[-1].answer


def sent_passages(llm) -> dict[int, str]:
    return {int(n): text for n, _, text in PASSAGE.findall(llm.requests[-1].prompt)}


def test_a_figure_no_passage_holds_is_reported_though_its_marker_is_valid(llm, llm_settings):
    shown, answer = run(llm_settings(), "wrong-figure")
    figure = absent_figure(llm.requests[-1].prompt)
    assert answer.unsupported_claims == [figure]
    assert answer.claim_check == "warned" and not answer.abstained
    assert figure in answer.answer and "".join(shown).rstrip() == answer.answer  # warn: streamed as written
    assert [c.n for c in answer.citations] == [1] and answer.attached_citations == []


def test_under_abstain_the_unsupported_answer_is_withheld_and_never_shown(llm, llm_settings):
    shown, answer = run(llm_settings(llm_unsupported="abstain"), "wrong-figure")
    figure = absent_figure(llm.requests[-1].prompt)
    assert answer.abstained and answer.answer == ABSTAIN_ZH and answer.citations == []
    assert answer.claim_check == "abstained" and answer.unsupported_claims == [figure]
    assert figure in answer.llm_answer and len(answer.passages) == 5  # the closest passages are kept
    assert shown == [ABSTAIN_ZH] and not any(figure in piece for piece in shown)


def test_under_extractive_the_extractive_answer_replaces_it(llm, llm_settings):
    s = llm_settings(llm_unsupported="extractive")
    _, answer = run(s, "wrong-figure")
    extractive = qa.ask(open_handle(s), QUESTION)
    assert (answer.answer, answer.abstained) == (extractive.answer, extractive.abstained)
    assert answer.claim_check == "extractive" and answer.unsupported_claims and answer.llm_answer
    assert [(c.source, c.start) for c in answer.citations] == [(c.source, c.start) for c in extractive.citations]


def test_a_correct_answer_without_markers_gets_the_citation_of_the_passage_that_holds_it(llm, llm_settings):
    _, answer = run(llm_settings(), "uncited-copy")
    passages = sent_passages(llm)
    sentence = unique_sentence(passages, 2)
    hit = answer.passages[1].chunk
    (citation,) = answer.citations
    assert (citation.source, citation.start, citation.end) == (hit.source, hit.start, hit.end)
    assert answer.attached_citations == [1] and not answer.ungrounded and answer.unsupported_claims == []
    quoted = "".join(hit.text[a - hit.start : b - hit.start] for a, b in citation.quotes)
    assert quoted.replace(" ", "") == sentence.replace(" ", "")
    assert answer.answer.endswith("[1]") and answer.answer.replace("[1]", "") == sentence


def test_a_correct_cited_answer_has_no_unsupported_claims(llm, llm_settings):
    _, answer = run(llm_settings(llm_unsupported="abstain"), "cited-copy")
    assert answer.unsupported_claims == [] and answer.claim_check == "supported"
    assert not answer.abstained and answer.attached_citations == [] and answer.llm_answer is None
    assert [(c.source, c.start) for c in answer.citations] == \
        [(h.chunk.source, h.chunk.start) for h in answer.passages[:2]]


def test_an_answer_nothing_supports_stays_uncited_and_ungrounded(llm, llm_settings):
    llm.replies[QUESTION] = "天空是蓝色的，因为瑞利散射。"
    _, answer = run(llm_settings(), "replay")
    assert answer.citations == [] and answer.ungrounded and answer.attached_citations == []


def test_the_models_own_abstention_is_not_checked(llm_settings):
    _, answer = run(llm_settings(llm_unsupported="abstain"), "abstain")
    assert answer.abstained and answer.claim_check is None and answer.unsupported_claims == []


@pytest.fixture
def rag(seeds_settings, llm):
    def invoke(*args: str, **env: str):
        where = ["--corpus", str(seeds_settings.corpus), "--index", str(seeds_settings.index)]
        env = {"RAG_LLM_BASE_URL": llm.openai_url, "RAG_LLM_TIMEOUT": "2", "RAG_LLM_MAX_RETRIES": "0", **env}
        return CliRunner().invoke(cli, [*args, *where], env=env)

    return invoke


def test_rag_ask_json_lists_the_unsupported_claims_and_the_terminal_warns(rag, llm):
    data = json.loads(rag("ask", QUESTION, "--llm", "openai:wrong-figure", "--json").stdout)
    figure = absent_figure(llm.requests[-1].prompt)
    assert data["unsupported_claims"] == [figure] and data["claim_check"] == "warned"
    shown = rag("ask", QUESTION, "--llm", "openai:wrong-figure").stdout
    assert f"warning: the cited passages do not hold: {figure}" in shown
    withheld = rag("ask", QUESTION, "--llm", "openai:wrong-figure", RAG_LLM_UNSUPPORTED="abstain")
    assert withheld.stdout.startswith(ABSTAIN_ZH) and "the LLM's answer was withheld (it abstained)" in withheld.stdout
    assert "Closest passages:" in withheld.stdout


def test_rag_ask_says_which_citations_it_added(rag):
    result = rag("ask", QUESTION, "--llm", "openai:uncited-copy")
    assert "citations [1] were added by rag" in result.stdout and "ungrounded" not in result.stdout


def test_a_bad_policy_is_one_line_before_any_work(rag):
    result = rag("ask", QUESTION, "--llm", "openai:wrong-figure", RAG_LLM_UNSUPPORTED="ignore")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: setting 'llm_unsupported' must be one of warn, abstain, extractive; "
                                     "got 'ignore'")


def test_rag_eval_counts_unsupported_claims_and_reports_each_decision(rag, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "a", "question": QUESTION, "doc": "000_093b91aadbd42fdd.txt", "evidence": "入场门票是10 亿元人民币"},
        {"id": "b", "question": "GPT-4的参数量是多少?", "type": "unanswerable"},
    ]), encoding="utf-8")
    result = rag("eval", str(questions), "--llm", "openai:wrong-figure", "--llm-unsupported", "abstain", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["claim_check"] for r in report["results"]] == ["abstained", "abstained"]
    assert all(r["unsupported_claims"] and r["abstained"] for r in report["results"])
    overall = report["metrics"]["overall"]
    assert overall["flagged"] == 1.0 and overall["unsupported_claims"] == 2 and overall["claim_check"] == {"abstained": 2}
    table = rag("eval", str(questions), "--llm", "openai:cited-copy").stdout
    assert "flagged" in table and "llm_unsupported = warn: supported 2" in table
