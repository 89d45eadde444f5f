"""Retrieval and answer quality on a question file (the format of eval/dev.jsonl).

Each line: ``{"id", "question", "doc", "evidence", "type"}``, optionally ``"golds"`` (every
annotated answer span); ``type == "unanswerable"`` items have no doc/evidence.  With golds,
the short answers are scored as CMRC 2018 scores spans (``short_em``, ``short_f1``: what is
shown first, the short answer or else the answer, against the best gold).  A passage is a hit when it comes from
``doc`` and contains ``evidence`` (compared without whitespace, since the corpus mixes
"10 亿" and "10亿").

With an LLM, each result also says what the claim check found (``unsupported_claims``,
``attached_citations``) and how the ``llm_unsupported`` policy decided
(``claim_check``: supported, warned, abstained or extractive); the summary counts them.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from rag.errors import QuestionRefused, RagError
from rag.records import Answer
from rag.text.markers import MARKER

EVAL_DEPTH = 10  # passages ranked per question by default: MRR@10 needs ten

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    doc: str | None
    evidence: str | None
    golds: tuple[str, ...] = ()  # every annotated answer span, when the file has them

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable" and bool(self.evidence)


def read_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise RagError(f"question file not found: {path}")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            golds = d.get("golds") or []
            if not isinstance(golds, list) or not all(isinstance(g, str) for g in golds):
                raise TypeError
            out.append(Question(str(d["id"]), d["question"], d.get("type", "fact"), d.get("doc"), d.get("evidence"),
                                tuple(g for g in golds if g.strip())))
        except (ValueError, KeyError, TypeError):
            raise RagError(f"{path}:{n}: not a question record (need id, question)") from None
    if not out:
        raise RagError(f"{path} holds no questions")
    return out


def _squash(text: str) -> str:
    return "".join(text.split())


def contains_evidence(q: Question, source: str, text: str) -> bool:
    if not q.answerable:
        return False
    same_doc = q.doc is None or source.rsplit("/", 1)[-1] == q.doc.rsplit("/", 1)[-1]
    return same_doc and _squash(q.evidence or "") in _squash(text)


def first_hit_rank(q: Question, passages: list[dict[str, Any]]) -> int | None:
    for rank, p in enumerate(passages, 1):
        if contains_evidence(q, p["source"], p["text"]):
            return rank
    return None


# CMRC 2018's scoring of a span: Chinese characters one by one, runs of other characters as
# words, punctuation dropped; F1 from the longest common substring; best over the golds.
_SCORE_PUNCT = set("-:_*^/\\~`+=，。：？！“”；’‘《》…·、「」（）－～『』,.;?!\"'()[]【】<>〈〉|")
_SCORE_TOKEN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]|[^\s\u4e00-\u9fff\u3400-\u4dbf]+")


def _score_tokens(text: str) -> list[str]:
    kept = "".join(" " if c in _SCORE_PUNCT else c for c in text.lower().strip())
    return _SCORE_TOKEN.findall(kept)


def _longest_common_run(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def span_f1(prediction: str, golds: list[str]) -> float:
    """CMRC 2018's F1 of ``prediction`` against the best of ``golds``."""
    pred = _score_tokens(prediction)
    best = 0.0
    for gold in golds:
        ref = _score_tokens(gold)
        common = _longest_common_run(ref, pred) if pred and ref else 0
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def span_em(prediction: str, golds: list[str]) -> float:
    """1.0 if ``prediction`` equals a gold answer with punctuation and spaces removed."""
    pred = "".join(_score_tokens(prediction))
    return float(any(pred == "".join(_score_tokens(g)) for g in golds))


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict[str, Any] = {"questions": len(rows), "answerable": len(answerable)}
    if answerable:
        n = len(answerable)
        ranks = [r["rank"] for r in answerable]
        for k in (1, 3, 5):
            out[f"hit@{k}"] = round(sum(1 for x in ranks if x and x <= k) / n, 4)
        out["mrr@10"] = round(sum(1 / x for x in ranks if x and x <= 10) / n, 4)
        out["cited_evidence"] = round(sum(r["cited_evidence"] for r in answerable) / n, 4)
        out["answered"] = round(sum(not r["abstained"] for r in answerable) / n, 4)
    if unanswerable:
        out["unanswerable"] = len(unanswerable)
        out["abstained_unanswerable"] = round(sum(r["abstained"] for r in unanswerable) / len(unanswerable), 4)
    scored = [r for r in answerable if "short_f1" in r]
    if scored:  # CMRC-style, on what is shown first: the short answer, else the answer (0 if abstained)
        out["short_em"] = round(sum(r["short_em"] for r in scored) / len(scored), 4)
        out["short_f1"] = round(sum(r["short_f1"] for r in scored) / len(scored), 4)
        out["short_answered"] = round(sum(r["short_answer"] is not None for r in scored) / len(scored), 4)
    checked = [r for r in rows if r.get("claim_check")]
    if checked:  # an LLM answered: what the claim check found, and what the policy did
        out["flagged"] = round(sum(bool(r["unsupported_claims"]) for r in checked) / len(checked), 4)
        out["unsupported_claims"] = sum(len(r["unsupported_claims"]) for r in checked)
        out["claim_check"] = dict(sorted(Counter(r["claim_check"] for r in checked).items()))
    return out


def _refused(q: Question, reason: str) -> dict[str, Any]:
    """A question the pipeline refused to ask, scored as an abstention (a miss when it is answerable)."""
    record: dict[str, Any] = {
        "id": q.id, "type": q.type, "question": q.question, "answerable": q.answerable,
        "rank": None, "cited_evidence": False, "abstained": True, "short_answer": None, "answer": "",
        "support": None, "citations": [], "passages": [], "unsupported_claims": [], "attached_citations": [],
        "claim_check": None, "llm_answer": None, "refused": reason,
    }
    if q.answerable and q.golds:
        record["short_em"], record["short_f1"] = 0.0, 0.0
    return record


def evaluate(questions: list[Question], answer_fn: Callable[[str], Answer]) -> dict[str, Any]:
    """Run every question through ``answer_fn`` and score retrieval, citations, abstention."""
    results = []
    for q in questions:
        try:
            answer = answer_fn(q.question)
        except QuestionRefused as err:  # one bad record (an empty question) must not end the whole run
            log.warning("question %s not asked: %s", q.id, err)
            results.append(_refused(q, str(err)))
            continue
        data = answer.to_dict()
        rank = first_hit_rank(q, data["passages"])
        cited = any(contains_evidence(q, c["source"], c["text"]) for c in data["citations"])
        results.append({
            "id": q.id, "type": q.type, "question": q.question, "answerable": q.answerable,
            "rank": rank, "cited_evidence": cited, "abstained": answer.abstained,
            "short_answer": data["short_answer"], "answer": answer.answer, "support": data["support"],
            "citations": data["citations"], "passages": data["passages"],
            "unsupported_claims": answer.unsupported_claims, "attached_citations": answer.attached_citations,
            "claim_check": answer.claim_check, "llm_answer": answer.llm_answer,
        })
        if q.answerable and q.golds:
            shown = "" if answer.abstained else (answer.short_answer or MARKER.sub("", answer.answer))
            results[-1]["short_em"] = span_em(shown, list(q.golds))
            results[-1]["short_f1"] = round(span_f1(shown, list(q.golds)), 4)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_type[r["type"]].append(r)
    metrics = {"overall": _summary(results), "by_type": {t: _summary(rs) for t, rs in sorted(by_type.items())}}
    return {"metrics": metrics, "results": results}
