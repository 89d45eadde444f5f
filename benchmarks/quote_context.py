"""What the quote's context patterns buy: each switched off, on the three corpora.

The extractive answerer quotes, beside the sentence it chose, the neighbours that sentence
leans on (``rag.answering.extractive._with_context``).  Some of those choices are made by
patterns of opening words; they decide which sentences are quoted, never whether to
answer.  Each is switched off in turn (it then never matches), and all together, and the
reranker that picks the sentence cited first (rag/answering/rerank.py) is switched off too; the
answers are scored as ``rag eval`` scores them (:func:`rag.evaluate.evaluate`), plus what a
reader of the quote cares about: does the quoted text hold the gold evidence, does it hold
a gold answer, and how long is it.

``python -m benchmarks.quote_context`` replays the shipped answerer
(:class:`rag.answering.answerer.ExtractiveAnswerer`, short answer included) over the top
passages each question retrieved, as benchmarks/answer_data.py cached them: nothing is
retrieved or embedded again (each stored sentence cosine, along the question's cached
vector, stands in for the sentence's vector).  It writes
benchmarks/data/results/quote_context_results.json (about 3-10 minutes on 2 cores, one
corpus at a time); ``python -m benchmarks.answerer --render-only`` then puts its table in
benchmarks/sections/answerer.md.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rag.answering import extractive
from rag.answering.answerer import ExtractiveAnswerer, Query
from rag.evaluate import Question, contains_evidence, evaluate
from rag.records import Answer, Hit, Passage

from . import answer_data

RESULTS = Path(__file__).parent / "data" / "results" / "quote_context_results.json"
# The context patterns of rag/answering/extractive.py, by module attribute.
PATTERNS = {
    "_REFERS_BACK": "refers back (因此 …, 这 …): the sentence before is quoted",
    "_GIVES_REASON": "gives the reason (因为 …) after a why-question's claim",
    "_OPENS_LIST": "opens a list (首先 …, 第一 …): its next items are quoted",
    "_CONTINUES_LIST": "continues a list (其次 …, 最后 …)",
}
ALL_OFF = "all context patterns off"
_NEVER = re.compile(r"(?!)")
_GAP = "\x00"  # joins quotes that are not adjacent in the file, so no evidence runs across the gap


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@contextlib.contextmanager
def switched_off(names: tuple[str, ...]) -> Iterator[None]:
    """The answerer with the patterns ``names`` never matching (read at call time)."""
    saved = {n: getattr(extractive, n) for n in names}
    try:
        for n in names:
            setattr(extractive, n, _NEVER)
        yield
    finally:
        for n, v in saved.items():
            setattr(extractive, n, v)


@contextlib.contextmanager
def reranker(on: bool) -> Iterator[None]:
    """The answerer with its reranker, or without it (the scorer's best is cited first)."""
    saved = extractive.load_reranker
    try:
        if not on:
            extractive.load_reranker = lambda *a, **k: None  # type: ignore[assignment]
        yield
    finally:
        extractive.load_reranker = saved  # type: ignore[assignment]


def _hits(raw: list[dict[str, Any]], query: np.ndarray) -> list[Hit]:
    """Cached hits whose sentence "vectors" are the stored cosines times the (unit) query
    vector, so that the question's real vector gives the answerer exactly the cosines the
    index gave, and the asked-kind reader (rag/answering/asked.py) reads that vector."""
    q = np.asarray(query, np.float64)
    return [Hit(Passage(h["source"], h["start"], h["end"], h["text"]), h["score"], h["dense"], h["lexical"],
                tuple(tuple(s) for s in h["sentences"]),
                (np.asarray(h["cos"], np.float64).reshape(-1, 1) * q / (q @ q)).astype(np.float32))
            for h in raw]


def _question(rec: dict[str, Any]) -> Question:
    answerable = rec["kind"] == "answerable"
    return Question(rec["id"], rec["question"], rec["type"] if answerable else "unanswerable",
                    rec["doc"], rec["evidence"], tuple(g for g in rec.get("golds") or () if g.strip()))


def quoted_by_file(answer: dict[str, Any]) -> dict[str, str]:
    """The quoted text of an answer (rag eval's record of it), per file, in file order."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for c in answer["citations"]:
        for a, b in c["quotes"]:
            spans.setdefault(c["source"], []).append((a, b, c["text"][a - c["start"] : b - c["start"]]))
    out = {}
    for source, quotes in spans.items():
        quotes.sort()
        text = quotes[0][2]
        for (_, end, _), (start, _, t) in zip(quotes, quotes[1:]):
            text += ("" if 0 <= start - end <= 2 else _GAP) + t
        out[source] = text
    return out


def _squash(text: str) -> str:
    return "".join(text.split())


def measures(questions: list[Question], results: list[dict[str, Any]]) -> dict[str, Any]:
    """rag eval's figures plus the quote's: over the answered answerable questions, the share
    whose quote holds the gold evidence (in the gold file), holds a gold answer, and its length."""
    rows = [(q, r) for q, r in zip(questions, results) if q.answerable and not r["abstained"]]
    unanswerable = [r for q, r in zip(questions, results) if not q.answerable]
    quotes = [(q, quoted_by_file(r)) for q, r in rows]
    evidence = [any(contains_evidence(q, s, t) for s, t in by_file.items()) for q, by_file in quotes]
    golds = [any(_squash(g) in _squash(t) for g in (q.golds or (q.evidence or "",)) for t in by_file.values())
             for q, by_file in quotes]
    chars = [sum(len(t.replace(_GAP, "")) for t in by_file.values()) for _, by_file in quotes]
    sentences = [sum(len(c["quotes"]) for c in r["citations"]) for _, r in rows]
    answerable = [r for q, r in zip(questions, results) if q.answerable]
    scored = [r for r in answerable if "short_f1" in r]
    n = max(len(rows), 1)
    return {
        "answerable": len(answerable), "unanswerable": len(unanswerable),
        "answered": round(len(rows) / max(len(answerable), 1), 4),
        "abstained_unanswerable": round(sum(r["abstained"] for r in unanswerable) / max(len(unanswerable), 1), 4),
        "cited": round(sum(r["cited_evidence"] for r in answerable if not r["abstained"]) / n, 4),
        "quote_evidence": round(sum(evidence) / n, 4),
        "quote_gold": round(sum(golds) / n, 4),
        "short_f1": round(sum(r["short_f1"] for r in scored) / max(len(scored), 1), 4),
        "quote_chars": round(float(np.mean(chars)) if chars else 0.0, 1),
        "quote_chars_p90": round(float(np.percentile(chars, 90)) if chars else 0.0, 1),
        "sentences": round(float(np.mean(sentences)) if sentences else 0.0, 3),
    }


def _signature(r: dict[str, Any]) -> tuple[Any, ...]:
    return tuple((c["source"], tuple(map(tuple, c["quotes"]))) for c in r["citations"])


@dataclass(frozen=True)
class Variant:
    patterns: tuple[str, ...] = ()  # switched off
    echo: bool = True  # the sentence after one that only restates the question is quoted
    rerank: bool = True  # the reranker picks the sentence cited first (rag/answering/rerank.py)


def run_corpus(corpus: answer_data.Corpus, variants: dict[str, Variant]) -> dict[str, Any]:
    """Every variant on one corpus: its measures, and how many answers it changes."""
    handle = answer_data.open_corpus(corpus)
    # the corpus's own questions (translations and paraphrases are measured in the answerer section)
    records = [r for r in answer_data.load(corpus.name)
               if r["kind"] in ("answerable", "unanswerable") and r.get("set") != "offtopic"
               and not answer_data.derivation(corpus.name, r["id"])]
    questions = [_question(r) for r in records]
    vectors, embedder = answer_data.question_vectors(corpus)
    if embedder != handle.embedder.name:
        raise SystemExit(f"{corpus.name}: questions embedded with {embedder}, not {handle.embedder.name}")
    hits = {r["question"]: _hits(r["hits"][: handle.settings.top_k], vectors[r["question"]]) for r in records}
    out: dict[str, Any] = {}
    base: list[tuple[Any, ...]] = []
    for name, v in variants.items():
        t0 = time.perf_counter()
        settings = handle.settings
        if not v.echo:  # no sentence counts as restating the question (novelty is never below 0)
            settings = replace(settings, tuning=replace(settings.tuning, echo_novelty=0.0))
        answerer = ExtractiveAnswerer(handle.embedder, handle.index.stats, settings)

        def answer_fn(question: str, answerer: ExtractiveAnswerer = answerer) -> Answer:
            return answerer.final(Query(question, question, vectors[question], time.perf_counter()), hits[question])

        with switched_off(v.patterns), reranker(v.rerank):
            results = evaluate(questions, answer_fn)["results"]
        signatures = [_signature(r) for r in results]
        base = base or signatures
        out[name] = {**measures(questions, results), "changed": sum(a != b for a, b in zip(signatures, base))}
        log(f"{corpus.name} / {name}: {time.perf_counter() - t0:.0f}s {out[name]}")
    return out


ECHO_OFF = "off: the echo check (the sentence after one that only restates the question)"
RERANK_OFF = "off: the reranker (the scorer's best sentence is cited first)"


def variants() -> dict[str, Variant]:
    """As shipped; each pattern of :data:`PATTERNS` the answerer still has, off; all of them
    off; and the one context check that is no pattern, the echo, off."""
    present = tuple(n for n in PATTERNS if hasattr(extractive, n))
    together = {ALL_OFF: Variant(present)} if len(present) > 1 else {}
    return {"none (as shipped)": Variant(), **{f"off: {n}": Variant((n,)) for n in present}, **together,
            ECHO_OFF: Variant(echo=False), RERANK_OFF: Variant(rerank=False)}


# ------------------------------------------------------------ report

HEAD = ["switched off", "corpus", "answered", "near misses abstained", "cited (passage)", "quote holds the evidence",
        "quote holds a gold answer", "short answer F1", "quote chars (mean / p90)", "sentences quoted",
        "answers changed", "Δ quote holds evidence", "Δ chars"]


def _ordered(corpora: dict[str, Any]) -> list[tuple[str, Any]]:
    order = [c.name for c in answer_data.corpora()]
    return sorted(corpora.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def render(r: dict[str, Any]) -> list[str]:
    """The ablation table, for the answer layer's section."""
    counts = ", ".join(f"{c} {per[next(iter(per))]['answerable']}" for c, per in _ordered(r["corpora"]))
    lines = ["### Quote context patterns and the reranker, switched off (`python -m benchmarks.quote_context`)", "",
             "Which sentence is cited first and which neighbours are quoted beside it (never whether to answer), "
             "replayed with the "
             "shipped weights over each question's cached top-5 passages (so the fit's figures, in-sample for the "
             f"choice of sentence). Answerable questions: {counts} "
             "(off-topic excepted). *Quote holds the evidence* = of the answered, the quoted sentences of the gold "
             "file hold the gold evidence (rag eval's test, on the quote instead of the passage); *a gold answer* = "
             "any gold span anywhere in the quote; *cited (passage)* = rag eval's cited evidence, of the answered; "
             "*answers changed* = answers whose quoted spans differ from the shipped answerer's.", "",
             "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for name in r["variants"]:
        for c, per in _ordered(r["corpora"]):
            if name not in per:
                continue
            m, b = per[name], per[next(iter(per))]
            lines.append(f"| {name} | {c} | {m['answered']:.3f} | {m['abstained_unanswerable']:.3f} | {m['cited']:.3f} | "
                         f"{m['quote_evidence']:.3f} | {m['quote_gold']:.3f} | {m['short_f1']:.3f} | "
                         f"{m['quote_chars']:.0f} / {m['quote_chars_p90']:.0f} | {m['sentences']:.2f} | {m['changed']} | "
                         f"{m['quote_evidence'] - b['quote_evidence']:+.3f} | {m['quote_chars'] - b['quote_chars']:+.1f} |")
    lines += ["", *NOTES, ""]
    return lines


# What the table decided (figures of the run before the removal: the commit "benchmarks:
# the quote's context patterns ablated", whose `python -m benchmarks.quote_context`
# reproduces every row).
NOTES = [
    "- *Dropped: a why-question's reason (`_GIVES_REASON`: 因为, 由于, 首先 … after the claim)*. Off, it changed "
    "0 / 3 / 5 answers (seeds / CMRC / DRCD) and the quote's evidence share by +0.000 on each; what it did add on "
    "CMRC was a narrative sentence that opens with 首先 (首先击杀了武田家的先锋 …) beside a why-answer complete without it.",
    "- *Dropped: the list patterns (`_OPENS_LIST`, `_CONTINUES_LIST`: 首先 / 其次 …, with a list's next items)*. "
    "Each off: 1 / 1 / 1-2 answers changed, evidence −0.003 / +0.000 / +0.000, quotes 0.1 character shorter. The one "
    "answer they bought is seeds' dev:d41 (数据隔离, its two reasons open with 首先 and 其次), the question they were "
    "written for (BENCHMARKS.md, third session: cited 32 → 33 of 38, 'nothing else changed'); the test that pinned "
    "them paraphrased that wording. A check written for one wording: gone with its test and the one-item exception.",
    "- *Kept: a sentence that refers back brings the one before (`_REFERS_BACK`: 因此, 所以, 这/這, 其中, 他/她/它 …)*. "
    "Off, the quote's evidence falls on CMRC (0.728 → 0.719, 47 answers changed) and DRCD (0.862 → 0.854, 127); "
    "on seeds it changes 24 answers and no evidence (0.933 either way), but those quotes then open with 他 or 这 "
    "and lose whom they speak of (他称自己出资5千万美元做公司, without the sentence naming 王慧文). It costs 2-4 "
    "characters a quote on average (p90 +2 to +5). It does not pay on seeds by this measure, and stays because the "
    "tests that pin it (a conclusion cited with its reason; the reason past a passage boundary cited from the "
    "passage that holds both) specify what a user needs: a quote that can be read on its own.",
    "- *Kept (no pattern, a threshold on novelty): the sentence after one that only restates the question.* Off: "
    "evidence +0.000 / +0.000 / −0.002 (8 / 24 / 176 answers changed), quotes 1.0-2.6 characters shorter. It pays "
    "on DRCD only; it stays because its test (a restated claim is followed by the answer) specifies a quote that "
    "answers rather than one that repeats the question.",
    "- *Run to run (fixed)*: the judge's probability depended on PYTHONHASHSEED (`Question.read` sorted the "
    "question's rarest terms by IDF alone, and ties fell in set order), so answers moved by a question or two "
    "between processes (seeds near misses 0.688-0.702 over hash seeds 0-2). Ties are now broken by the term. The "
    "figures in the bullets above are from the run before the answer layer's third retrain; the table is current.",
]


def load() -> dict[str, Any] | None:
    return json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    names = argv or [c.name for c in answer_data.corpora()]
    t0 = time.perf_counter()
    vs = variants()
    kept = load() if argv else None  # one corpus at a time: keep the others' last figures
    result: dict[str, Any] = {"variants": list(vs), "corpora": kept["corpora"] if kept else {}}
    for corpus in answer_data.corpora():
        if corpus.name in names:
            result["corpora"][corpus.name] = run_corpus(corpus, vs)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    log(f"wrote {RESULTS}; python -m benchmarks.answerer --render-only puts it in the answer section")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
