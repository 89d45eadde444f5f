"""Training data for the learned answer layer: every question of three corpora, retrieved.

``python -m benchmarks.answer_data`` builds (or reuses) one index per corpus under the
cache folder (``RAG_ANSWER_CACHE``, default ``../cache/answer``), retrieves the top
:data:`DEPTH` passages of every question, and writes one JSON line per question with the
passages, their sentence spans and each sentence's e5 cosine with the question (from the
vectors the index stores: nothing is embedded again but the question).

Corpora: ``seeds`` (seeds/ with ../shared/eval/dev.jsonl and benchmarks/data/*.jsonl),
``cmrc`` (CMRC 2018 trial, simplified) and ``drcd`` (DRCD dev, traditional), both from
../shared/eval/ext.  Besides the sets' own unanswerable questions, near misses are made
from answerable ones (benchmarks/train_answerer.py):

- *drop the answer*: the sentences of the gold passage holding the answer are removed,
  so the entity is there but not the attribute (made at training time from these lines);
- *drop the document*: every passage of the gold file is removed, so only other
  entities of the same kind remain (also made at training time: :data:`DEPTH` > top_k);
- *swap the entity*: the article title the question names is replaced by the most
  similar other title of the corpus (by e5), and the question is retrieved again
  (records of kind ``swap``, written here).

*Foreign* questions are off-topic ones of the kind users ask in every language: the
questions written for one corpus asked of another, retrieved there (``data-<corpus>-
foreign.jsonl``, kind ``foreign``).  seeds/ holds the only English questions, so these
are the only English questions the Wikipedia corpora get.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
CACHE = Path(os.environ.get("RAG_ANSWER_CACHE", ROOT.parent / "cache" / "answer"))
DEPTH = 10  # passages kept per question: top_k plus room to drop the gold file's
SWAPS = 400  # entity-swapped questions per corpus
FOREIGN = 600  # questions of one corpus asked of another, at most (a sample): every one of seeds/
# Which corpus's questions are asked of which: not CMRC's of DRCD's, as both are Wikipedia
# and an article of one may well be in the other (in the other script).
FOREIGN_SOURCES = {"seeds": ("cmrc", "drcd"), "cmrc": ("seeds",), "drcd": ("seeds",)}
SEED = 25


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: Path
    question_files: tuple[Path, ...]
    index_name: str


def corpora() -> list[Corpus]:
    seeds_sets = (SHARED / "dev.jsonl", *sorted((ROOT / "benchmarks" / "data").glob("*.jsonl")))
    return [Corpus("seeds", ROOT / "seeds", seeds_sets, "idx-seeds"),
            Corpus("cmrc", SHARED / "ext" / "cmrc_trial" / "corpus", (SHARED / "ext" / "cmrc_trial" / "questions.jsonl",),
                   "idx-cmrc_trial"),
            Corpus("drcd", SHARED / "ext" / "drcd_dev" / "corpus", (SHARED / "ext" / "drcd_dev" / "questions.jsonl",),
                   "idx-drcd_dev")]


def read_questions(corpus: Corpus) -> list[dict[str, Any]]:
    """Every question of the corpus's files, once (the seeds sets repeat a few)."""
    seen: set[str] = set()
    out = []
    for path in corpus.question_files:
        for line in path.read_text(encoding="utf-8").splitlines():  # offtopic too: train_answerer skips them
            if not line.strip():
                continue
            d = json.loads(line)
            if d["question"] in seen:
                continue
            seen.add(d["question"])
            answerable = d.get("type") != "unanswerable" and bool(d.get("evidence"))
            out.append({"id": f"{path.stem}:{d['id']}", "question": d["question"], "type": d.get("type", "fact"),
                        "doc": d.get("doc") if answerable else None, "evidence": d.get("evidence") if answerable else None,
                        "golds": d.get("golds") or ([d["evidence"]] if answerable else []),
                        "kind": "answerable" if answerable else "unanswerable", "set": path.stem})
    return out


def open_corpus(corpus: Corpus) -> Any:
    from rag.config import load_settings
    from rag.indexing.handle import open_handle

    settings = load_settings({"corpus": corpus.folder, "index": CACHE / corpus.index_name},
                             config_file=Path("/nonexistent"), environ={})
    return open_handle(settings, build_if_missing=True)


def retrieved(handle: Any, question: str, query_vector: np.ndarray | None = None) -> dict[str, Any]:
    """The top :data:`DEPTH` passages of ``question``, with sentence spans and cosines."""
    from rag.embeddings import embed_query
    from rag.retrieve.retriever import retrieve

    qv = embed_query(handle.embedder, question) if query_vector is None else query_vector
    hits = retrieve(handle.index, handle.embedder, question, replace(handle.settings, top_k=DEPTH), "hybrid", qv)
    out = []
    for h in hits:
        cos = (np.asarray(h.sentence_vectors, np.float32) @ np.asarray(qv, np.float32)
               if h.sentence_vectors is not None and len(h.sentence_vectors) else np.zeros(0))
        c = h.chunk
        out.append({"source": c.source, "start": c.start, "end": c.end, "text": c.text, "score": h.score,
                    "dense": h.dense, "lexical": h.lexical, "sentences": [list(s) for s in h.sentences],
                    "cos": [round(float(x), 5) for x in cos]})
    return {"hits": out}


def _titles(folder: Path) -> dict[str, str]:
    """file name -> article title (the first line of a passage file)."""
    return {p.name: p.read_text(encoding="utf-8").split("\n", 1)[0].strip() for p in sorted(folder.glob("*.txt"))}


def swapped(corpus: Corpus, handle: Any, questions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Answerable questions naming their article's title, with the title replaced by the
    most similar other title (e5 cosine of the titles): a near miss about a similar entity."""
    if corpus.name == "seeds":
        return
    from rag.embeddings import embed_query

    titles = _titles(corpus.folder)
    names = sorted({t for t in titles.values() if len(t) >= 2})
    vectors = handle.embedder.embed(names)
    index = {n: i for i, n in enumerate(names)}
    rng = random.Random(SEED)
    pool = [q for q in questions if q["kind"] == "answerable" and titles.get(q["doc"], "") in q["question"]
            and len(titles.get(q["doc"], "")) >= 2]
    rng.shuffle(pool)
    for q in pool[:SWAPS]:
        title = titles[q["doc"]]
        sims = vectors @ vectors[index[title]]
        order = [names[i] for i in np.argsort(-sims) if title not in names[i] and names[i] not in title]
        other = order[0]
        text = q["question"].replace(title, other)
        rec = {**q, "id": q["id"] + ":swap", "question": text, "kind": "swap", "swapped": [title, other],
               "doc": None, "evidence": None}
        rec.update(retrieved(handle, text, embed_query(handle.embedder, text)))
        yield rec


def dump(corpus: Corpus) -> Path:
    out = data_path(corpus.name)
    if out.exists():
        return out
    t0 = time.perf_counter()
    handle = open_corpus(corpus)
    questions = read_questions(corpus)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for n, q in enumerate(questions, 1):
            f.write(json.dumps({**q, **retrieved(handle, q["question"])}, ensure_ascii=False) + "\n")
            if n % 200 == 0:
                print(f"{corpus.name}: {n}/{len(questions)} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
        for rec in swapped(corpus, handle, questions):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.rename(out)
    print(f"{corpus.name}: {len(questions)} questions in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return out


def data_path(name: str, foreign: bool = False) -> Path:
    """Where a corpus's retrieved questions are cached: its own, or the other corpora's (foreign)."""
    return CACHE / (f"data-{name}-foreign.jsonl" if foreign else f"data-{name}.jsonl")


def dump_foreign(corpus: Corpus) -> Path:
    """The other corpora's questions (off-topic here) retrieved from this corpus."""
    out = data_path(corpus.name, foreign=True)
    if out.exists():
        return out
    handle = open_corpus(corpus)
    rng = random.Random(SEED)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for source in (c for c in corpora() if c.name in FOREIGN_SOURCES[corpus.name]):
            questions = [q for q in read_questions(source) if q["set"] != "offtopic"]  # those are a test
            if len(questions) > FOREIGN:
                questions = rng.sample(questions, FOREIGN)
            for q in questions:
                rec = {**q, "kind": "foreign", "source": source.name, "doc": None, "evidence": None, "golds": []}
                rec.update(retrieved(handle, q["question"]))
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.rename(out)
    return out


def load(name: str, foreign: bool = False) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data_path(name, foreign).read_text(encoding="utf-8").splitlines()]


def main(argv: list[str] | None = None) -> None:
    names = argv if argv else [c.name for c in corpora()]
    CACHE.mkdir(parents=True, exist_ok=True)
    for corpus in corpora():
        if corpus.name in names:
            dump(corpus)
            dump_foreign(corpus)


if __name__ == "__main__":
    main(sys.argv[1:])
