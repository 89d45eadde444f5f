"""Precision and recall of the LLM claim check (``unsupported_claims``) on the dev set.

Run from the repository root:

    python -m benchmarks.claims

No instruction-tuned LLM can be run here, so the LLM answers are *replayed*: for each
dev question this script writes LLM-style replies from the dev set's own answers and
evidence, and the fake OpenAI-compatible server of the tests (loopback, reached
through the real langchain-openai client) sends them back when rag asks:

* ``cited`` — the dev answer, each sentence citing the passage that holds the evidence;
* ``uncited`` — the same answer without any marker (rag must attach the citations);
* ``swapped figure`` — the dev answer's figure replaced, when replayed, by one from
  another retrieved passage that the cited passage does not hold (a real figure in
  the wrong place: the mistake a model reading five passages makes);
* ``hallucinated`` — the dev answer with one figure, name or title altered (a value
  that occurs nowhere in the corpus), still citing the evidence passage; for a concept
  answer with nothing to alter, a sentence with an invented figure is appended; for an
  unanswerable question, a confident invented figure, date or name in place of the
  question word (as the small model of issue #14 did).

The altered strings are the ground truth.  A reported claim is a true positive when it
overlaps an altered string; every other reported claim is a false positive (listed in
the section, with its reason).  The replay set (a swapped figure as
it was replayed) is written to ``benchmarks/data/results/claims_replay.jsonl``, the results per
reply to ``benchmarks/data/results/claims_results.jsonl``; the section to ``benchmarks/sections/claims.md``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import dev_set  # noqa: E402
from tests.fake_openai_server import FakeLLMServer  # noqa: E402

SECTION = ROOT / "benchmarks" / "sections" / "claims.md"
REPLAY = ROOT / "benchmarks" / "data" / "results" / "claims_replay.jsonl"
EVIDENCE = "[E]"  # replaced, when replayed, by the number the evidence passage was given
SWAP = "[[SWAP]]"  # replaced, when replayed, by a figure of another retrieved passage
RESULTS = ROOT / "benchmarks" / "data" / "results" / "claims_results.jsonl"
FAKE_NAMES = ["张建国", "刘振华", "陈立新"]
FAKE_LATIN = ["Anthropic", "Cohere", "Netflix", "Zhipu"]
FAKE_TITLES = ["长期主义", "飞轮效应", "天工智脑"]


def squash(text: str) -> str:
    return "".join(text.split())


@dataclass
class Reply:
    id: str
    kind: str  # cited | uncited | hallucinated
    question: str
    text: str  # with [E] where the evidence passage is cited
    inserted: list[str] = field(default_factory=list)  # the altered claims (ground truth)
    evidence: str | None = None
    doc: str | None = None


class Inventor:
    """Values that occur nowhere in the corpus, so an altered claim is surely unsupported."""

    def __init__(self, corpus: str) -> None:
        self.corpus = squash(corpus)

    def absent(self, candidates: list[str]) -> str:
        return next(c for c in candidates if squash(c) not in self.corpus)

    def number(self, original: str) -> str:
        """A different number written like ``original`` (same decimals)."""
        value = float(original)
        decimals = len(original.split(".")[1]) if "." in original else 0
        options = [value * f + d for f in (0.5, 3, 7, 1.5, 11) for d in (7, 3, 1)]
        return self.absent([f"{v:.{decimals}f}" for v in options if v != value])


def marked(answer: str, marker: str) -> str:
    """``answer`` with ``marker`` before each sentence end (as models write: "…[1]。")."""
    parts = re.split(r"(?<=[。！？])", answer.strip())
    out = [re.sub(r"([。！？])$", rf"{marker}\1", p) if p.strip() else p for p in parts]
    text = "".join(out)
    return text if marker in text else text + marker


def hallucinate(q: dict[str, Any], inv: Inventor) -> tuple[str, list[str]]:
    """The dev answer with one claim altered, and the altered claim."""
    answer = q["answer"]
    month = re.search(r"(?<!个)(\d{1,2})月(\d{1,2}日)?", answer)
    if month:  # another month, still a date: 3月15日 → 7月15日
        tail = month.group(2) or ""
        new = inv.absent([f"{m}月{tail}" for m in (7, 8, 9, 10, 11, 2) if str(m) != month.group(1)])
        return answer[: month.start()] + new + answer[month.end() :], [new]
    number = re.search(r"\d+(?:\.\d+)?", answer)
    if number:
        new = inv.number(number.group())
        return answer[: number.start()] + new + answer[number.end() :], [new]
    cn = re.search(r"[两三四五六七八九](?=[个种位家次倍])", answer)
    if cn:
        new = "七" if cn.group() != "七" else "九"
        return answer[: cn.start()] + new + answer[cn.end() :], [new]
    latin = re.search(r"[A-Za-z][A-Za-z0-9\-]+", answer)
    if latin:
        new = inv.absent(FAKE_LATIN)
        return answer[: latin.start()] + new + answer[latin.end() :], [new]
    quoted = re.search(r"“([^”]+)”", answer)
    if quoted:
        new = inv.absent(FAKE_TITLES)
        return answer[: quoted.start(1)] + new + answer[quoted.end(1) :], [new]
    figure = inv.absent([f"{n}%" for n in (37.5, 62.5, 81.3)])
    return answer.rstrip("。") + f"。据统计，这一比例约为{figure}。", [figure]


def invent(q: dict[str, Any], inv: Inventor) -> tuple[str, list[str]]:
    """A confident invented answer to an unanswerable question."""
    stem = q["question"].rstrip("?？ ")
    if "哪一天" in stem or "哪天" in stem:
        day = inv.absent([f"{d}日" for d in (27, 29, 31, 26)])
        claim = f"2023年3月{day}"
        return re.sub(r"是在哪一?天", f"是在{claim}", stem) + "。", [claim]
    if "哪一年" in stem:
        year = inv.absent([f"{y}年" for y in (2011, 2009, 2007, 2013)])
        return re.sub(r"是?哪一年", f"是{year}", stem) + "。", [year]
    if "叫什么名字" in stem or "是谁" in stem:
        if "模型" in stem:
            name = inv.absent(FAKE_TITLES[2:] + FAKE_TITLES)
            return re.sub(r"叫什么名字", f"叫“{name}”", stem) + "。", [name]
        name = inv.absent(FAKE_NAMES)
        return re.sub(r"叫什么名字|是谁", f"是{name}", stem) + "。", [name]
    if "多少" in stem:
        staff = "员工" in stem
        figure = inv.absent(["2637", "4218"] if staff else [f"{n}亿" for n in (3476, 5120, 1750)])
        return stem.replace("多少", figure) + "。", [figure]
    name = inv.absent(FAKE_LATIN)
    return f"{stem.split('认为')[0]}认为表现最好的是{name}。", [name]


def build_replays(questions: list[dict[str, Any]], corpus: str) -> list[Reply]:
    inv = Inventor(corpus)
    out: list[Reply] = []
    for q in questions:
        base = dict(id=q["id"], question=q["question"], evidence=q.get("evidence"), doc=q.get("doc"))
        if q["type"] == "unanswerable":
            text, inserted = invent(q, inv)
            out.append(Reply(kind="hallucinated", text=marked(text, "[1]"), inserted=inserted, **base))
            continue
        out.append(Reply(kind="cited", text=marked(q["answer"], EVIDENCE), **base))
        out.append(Reply(kind="uncited", text=q["answer"], **base))
        text, inserted = hallucinate(q, inv)
        out.append(Reply(kind="hallucinated", text=marked(text, EVIDENCE), inserted=inserted, **base))
        out.append(Reply(kind="hallucinated, uncited", text=text, inserted=inserted, **base))
        number = re.search(r"\d+(?:\.\d+)?(?![\d.]*[年月日号])", q["answer"])
        if number:  # the harder mistake: a real figure, from the wrong passage (dates excepted)
            swapped = q["answer"][: number.start()] + SWAP + q["answer"][number.end() :]
            out.append(Reply(kind="swapped figure", text=marked(swapped, EVIDENCE), **base))
    return out


def replayer(reply: Reply):
    """The reply as the model sends it: [E] becomes the number of the evidence passage."""

    def text(passages: dict[int, str]) -> str:
        n = next((i for i, p in sorted(passages.items()) if reply.evidence and squash(reply.evidence) in squash(p)), 1)
        out = reply.text.replace(EVIDENCE, f"[{n}]")
        if SWAP in out:  # a figure another passage holds and the cited one does not
            cited = squash(passages[n])
            others = [f for i, p in sorted(passages.items()) if i != n
                      for f in re.findall(r"(?<![\d.])[1-9]\d*(?:\.\d+)?(?![\d.])", p)]
            figure = next((f for f in others if f not in cited and f not in reply.question), None)
            reply.inserted = [figure] if figure else []
            out = out.replace(SWAP, figure or "")
        return out

    return text


def overlaps(claim: str, inserted: list[str]) -> bool:
    a = squash(claim).lower()
    return any(a in squash(b).lower() or squash(b).lower() in a for b in inserted)


def run(replies: list[Reply], policy: str, index: Path) -> list[dict[str, Any]]:
    from rag.config import load_settings
    from rag.evaluate import Question, contains_evidence
    from rag.indexing.handle import open_handle, rebuild
    from rag.pipeline import ask

    rows = []
    with FakeLLMServer(piece_chars=64, piece_delay_s=0.0) as server:
        for k in [k for k in os.environ if k.startswith("RAG_")]:
            del os.environ[k]
        os.environ.update(OPENAI_API_KEY="sk-measure")
        settings = load_settings({"corpus": ROOT / "seeds", "index": index, "llm": "openai:replay",
                                  "llm_base_url": server.openai_url, "llm_unsupported": policy},
                                 config_file=Path("/nonexistent"), environ={})
        rebuild(settings)  # the second run finds it up to date
        handle = open_handle(settings)
        ask(handle, "预热", llm="extractive")
        for r in replies:
            server.replies = {r.question: replayer(r)}
            start = time.perf_counter()
            answer = ask(handle, r.question)
            seconds = time.perf_counter() - start
            q = Question(r.id, r.question, "fact" if r.evidence else "unanswerable", r.doc, r.evidence)
            retrieved = any(contains_evidence(q, h.chunk.source, h.chunk.text) for h in answer.passages)
            attached = [c for c in answer.citations if c.n in answer.attached_citations]
            # Right: the passage holds the evidence, or the sentence quoted from it is part of it.
            quoted = [squash(c.text[a - c.start : b - c.start]) for c in attached for a, b in c.quotes]
            right = any(contains_evidence(q, c.source, c.text) for c in attached) or any(
                r.evidence and (t in squash(r.evidence) or squash(r.evidence) in t) for t in quoted)
            rows.append({
                "id": r.id, "kind": r.kind, "evidence": bool(r.evidence), "policy": policy, "inserted": r.inserted,
                "reported": answer.unsupported_claims, "decision": answer.claim_check,
                "abstained": answer.abstained, "evidence_retrieved": retrieved,
                "attached": len(attached), "attached_right": bool(right),
                "answer": answer.answer, "claims_s": answer.timings.get("claims_s", 0.0), "total_s": seconds,
            })
    return rows


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp = sum(1 for r in rows for c in r["reported"] if overlaps(c, r["inserted"]))
    reported = sum(len(r["reported"]) for r in rows)
    inserted = [(r, c) for r in rows for c in r["inserted"]]
    found = sum(1 for r, c in inserted if any(overlaps(x, [c]) for x in r["reported"]))
    return {"tp": tp, "reported": reported, "precision": tp / reported if reported else float("nan"),
            "inserted": len(inserted), "found": found, "recall": found / len(inserted) if inserted else float("nan")}


def flagged(rows: list[dict[str, Any]]) -> str:
    n = sum(bool(r["reported"]) for r in rows)
    return f"{n}/{len(rows)}"


def render(rows: list[dict[str, Any]], abstain_rows: list[dict[str, Any]]) -> str:
    by = lambda kind, rs=rows: [r for r in rs if r["kind"] == kind]  # noqa: E731
    overall = score(rows)
    with_evidence = score([r for r in rows if r["evidence_retrieved"]])
    uncited = by("uncited")
    uncited_in = [r for r in uncited if r["evidence_retrieved"]]
    fps = [(r, c) for r in rows for c in r["reported"] if not overlaps(c, r["inserted"])]
    missed = [(r, c) for r in rows for c in r["inserted"] if not any(overlaps(x, [c]) for x in r["reported"])]
    unans = [r for r in abstain_rows if r["kind"] == "hallucinated" and r["id"] in UNANSWERABLE]
    lines = [
        "## LLM claim check (unsupported_claims)",
        "",
        f"`python -m benchmarks.claims`: the {len({r['id'] for r in rows})} dev questions, "
        f"{len(rows)} **replayed** LLM replies (no instruction-tuned model can be run here: no model hub, "
        "none on PyPI), built from the dev set's answers and evidence and sent back by the tests' fake "
        "OpenAI-compatible server through the real langchain-openai client, over the seeds index "
        "(hybrid, top 5). *cited*: the dev answer citing the evidence passage; *uncited*: the same without "
        "markers; *hallucinated* (cited, and uncited): one figure, name or title altered to a value the corpus does not hold (or, "
        "for a concept answer, an invented figure appended; for an unanswerable question, an invented "
        "figure, date or name); *swapped figure*: the answer's figure replaced, when replayed, by a figure of "
        "another retrieved passage that the cited one does not hold. Replies in `benchmarks/data/results/claims_replay.jsonl`, "
        "results per reply in `benchmarks/data/results/claims_results.jsonl`.",
        "",
        "| replies | n | flagged | claims reported | of them altered ones |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for kind in ("cited", "uncited", "hallucinated", "hallucinated, uncited", "swapped figure"):
        rs = by(kind)
        s = score(rs)
        lines.append(f"| {kind} | {len(rs)} | {flagged(rs)} | {s['reported']} | {s['tp']} |")
    lines += [
        "",
        f"- **Precision** of `unsupported_claims` (reported claims that are altered ones): "
        f"**{overall['precision']:.3f}** ({overall['tp']}/{overall['reported']}); on the replies whose "
        f"evidence was retrieved: {with_evidence['precision']:.3f} ({with_evidence['tp']}/{with_evidence['reported']}).",
        f"- **Recall** (altered claims reported): **{overall['recall']:.3f}** ({overall['found']}/{overall['inserted']}).",
        f"- Evidence in the top 5 for {sum(r['evidence_retrieved'] for r in by('cited'))}/{len(by('cited'))} "
        "answerable questions; a correct answer whose evidence was not retrieved is, rightly, not supported by "
        "what the model was given, and counts as a false positive here.",
        f"- Citations attached to uncited replies: {sum(r['attached'] > 0 for r in uncited)}/{len(uncited)} got one; "
        f"{sum(r['attached_right'] for r in uncited_in)}/{len(uncited_in)} of those whose evidence was retrieved "
        "got the evidence (a passage holding it, or the evidence sentence quoted; support ≥ 0.5 with the "
        "question, ≥ 0.25 alone); hallucinated uncited replies: "
        f"{sum(r['attached'] > 0 for r in by('hallucinated, uncited'))}/{len(by('hallucinated, uncited'))} got one "
        "(a sentence without the altered claim, e.g. the first of two, may rightly get one); wrong passages "
        f"attached in all: {sum(r['attached'] > 0 and not r['attached_right'] for r in rows if r['evidence'])}.",
        f"- `llm_unsupported = abstain` on the {len(unans)} unanswerable questions' invented answers: "
        f"{sum(r['decision'] == 'abstained' for r in unans)} abstained; on the cited replies: "
        f"{sum(r['decision'] == 'abstained' for r in abstain_rows if r['kind'] == 'cited')}/"
        f"{sum(1 for r in abstain_rows if r['kind'] == 'cited')} abstained (false alarms).",
        f"- Claim check time per answer (attach + verify, one warm process, 2 shared cores, noisy): median "
        f"{statistics.median(r['claims_s'] for r in rows[1:]) * 1000:.0f} ms, max "
        f"{max(r['claims_s'] for r in rows[1:]) * 1000:.0f} ms; the first answer of a process also loads "
        f"jieba's dictionary: {rows[0]['claims_s'] * 1000:.0f} ms.",
        "- Few-shot prompt examples: **not measured**. Replayed replies do not react to the prompt, and no real "
        "model was available, so whether examples of cited answers make small models cite more is open.",
        "",
        "False positives (claim reported but not altered):",
        "",
    ]
    lines += [f"- {r['id']} {r['kind']}: `{c}`{'' if r['evidence_retrieved'] else ' (evidence not retrieved)'}"
              for r, c in fps] or ["- none"]
    lines += ["", "Altered claims missed:", ""]
    lines += [f"- {r['id']} {r['kind']}: `{c}` in “{r['answer'][:60]}”" for r, c in missed] or ["- none"]
    return "\n".join(lines) + "\n"


UNANSWERABLE: set[str] = set()


def main() -> None:
    questions = [json.loads(line) for line in dev_set().read_text(encoding="utf-8").splitlines() if line.strip()]
    UNANSWERABLE.update(q["id"] for q in questions if q["type"] == "unanswerable")
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    replies = build_replays(questions, corpus)
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(replies, "warn", Path(tmp) / "index")
        abstain_rows = run([r for r in replies if r.kind in ("cited", "hallucinated")], "abstain", Path(tmp) / "index")
    REPLAY.write_text("".join(json.dumps(r.__dict__, ensure_ascii=False) + "\n" for r in replies), encoding="utf-8")
    RESULTS.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows + abstain_rows), encoding="utf-8")
    SECTION.parent.mkdir(parents=True, exist_ok=True)
    SECTION.write_text(render(rows, abstain_rows), encoding="utf-8")
    print(SECTION.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
