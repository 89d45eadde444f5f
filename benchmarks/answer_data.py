"""Training data for the learned answer layer: every question of three corpora, retrieved.

``python -m benchmarks.answer_data`` builds (or reuses) one index per corpus under the
cache folder (``RAG_ANSWER_CACHE``, default ``../cache/answer``), retrieves the top
:data:`DEPTH` passages of every question, and writes one JSON line per question with the
passages, their sentence spans and each sentence's e5 cosine with the question (from the
vectors the index stores: nothing is embedded again but the question).

Corpora: ``seeds`` (seeds/ with ../shared/eval/dev.jsonl and benchmarks/data/*.jsonl),
``cmrc`` (CMRC 2018 trial, simplified) and ``drcd`` (DRCD dev, traditional), both from
../shared/eval/ext, each with English translations of 300 of its questions
(benchmarks/data/translated) and Chinese paraphrases of 300 others (benchmarks/data/paraphrased).
Besides the sets' own unanswerable questions, near misses are made from answerable ones
(benchmarks/train_answerer.py):

- *drop the answer*: the sentences of the gold passage holding the answer are removed,
  so the entity is there but not the attribute (made at training time from these lines);
- *drop the document*: every passage of the gold file is removed, so only other
  entities of the same kind remain (also made at training time: :data:`DEPTH` > top_k);
- *swap the entity*: the article title the question names is replaced by the most
  similar other title of the corpus (by e5), and the question is retrieved again
  (records of kind ``swap``, written here);
- *ask an attribute the entity lacks*: a question's name (a Latin-script name, or a
  person, place or organisation by jieba's tagger) is replaced by the most similar name
  of the same kind that another question asks about, kept only when none of the
  question's other words occurs near any mention of the new name in the corpus: the
  corpus talks about the entity but never gives what is asked of it, as in the seeds
  sets' own near misses (``data-<corpus>-attribute.jsonl``, kind ``attribute``; every
  corpus, titles or not; measured, not trained on: ``train_answerer.ATTRIBUTE_SHARE``).

*Foreign* questions are off-topic ones of the kind users ask in every language: the
questions written for one corpus asked of another, retrieved there (``data-<corpus>-
foreign.jsonl``, kind ``foreign``): seeds' English questions are English off-topic ones for
the Wikipedia corpora, and their translated questions for seeds/.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
CACHE = Path(os.environ.get("RAG_ANSWER_CACHE", ROOT.parent / "cache" / "answer"))
DEPTH = 10  # passages kept per question: top_k plus room to drop the gold file's
SWAPS = 400  # entity-swapped questions per corpus
ATTRIBUTES = 400  # questions asking an entity what the corpus never says of it, at most, per corpus
NEAR = 300  # characters either side of a name's mention that count as near it (about a passage)
COMMON = 0.2  # a word in more of the corpus's passages than this says nothing of what is asked
PER_QUESTION = 3  # names each question is asked of, at most (seeds/ has few questions with a name)
FOREIGN = 600  # questions of one corpus asked of another, at most (a sample): every one of seeds/
# Which corpus's questions are asked of which: not CMRC's of DRCD's, as both are Wikipedia
# and an article of one may well be in the other (in the other script).
FOREIGN_SOURCES = {"seeds": ("cmrc", "drcd"), "cmrc": ("seeds",), "drcd": ("seeds",)}
SEED = 25
# English translations of a sample of the Wikipedia sets' questions (benchmarks/data/translated/
# README.md): users ask in English of Chinese documents, and seeds/ alone had English questions.
TRANSLATED = ROOT / "benchmarks" / "data" / "translated"
# Chinese paraphrases of another sample (benchmarks/data/paraphrased/README.md): the Wikipedia sets'
# questions were written from their passage, seeds/'s paraphrase it, and a model trained on the
# first alone had seen few questions that name a thing by what it is rather than what it is called.
PARAPHRASED = ROOT / "benchmarks" / "data" / "paraphrased"


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: Path
    question_files: tuple[Path, ...]
    index_name: str


def corpora() -> list[Corpus]:
    seeds_sets = (SHARED / "dev.jsonl", *sorted((ROOT / "benchmarks" / "data").glob("*.jsonl")))
    return [Corpus("seeds", ROOT / "seeds", seeds_sets, "idx-seeds"),
            Corpus("cmrc", SHARED / "ext" / "cmrc_trial" / "corpus",
                   (SHARED / "ext" / "cmrc_trial" / "questions.jsonl", TRANSLATED / "cmrc.jsonl",
                    PARAPHRASED / "cmrc.jsonl"), "idx-cmrc_trial"),
            Corpus("drcd", SHARED / "ext" / "drcd_dev" / "corpus",
                   (SHARED / "ext" / "drcd_dev" / "questions.jsonl", TRANSLATED / "drcd.jsonl",
                    PARAPHRASED / "drcd.jsonl"), "idx-drcd_dev")]


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
            stem = f"{path.stem}-paraphrased" if path.parent == PARAPHRASED else path.stem
            out.append({"id": f"{stem}:{d['id']}", "question": d["question"], "type": d.get("type", "fact"),
                        "doc": d.get("doc") if answerable else None, "evidence": d.get("evidence") if answerable else None,
                        "golds": d.get("golds") or ([d["evidence"]] if answerable else []),
                        "kind": "answerable" if answerable else "unanswerable", "set": stem})
    return out


DERIVATIONS = ("translated", "paraphrased")  # how a question may be made from a corpus's own


def derivation(corpus: str, qid: str) -> str:
    """How ``qid`` (a question written for ``corpus``) was made from one of the corpus's own:
    "translated" (its file in benchmarks/data/translated is named for the corpus),
    "paraphrased" (benchmarks/data/paraphrased), or "" (a question as its set wrote it)."""
    stem = qid.partition(":")[0]
    return {corpus: "translated", f"{corpus}-paraphrased": "paraphrased"}.get(stem, "")


def source_id(corpus: str, qid: str) -> str:
    """The question a translated or paraphrased one renders (it keeps the source's id:
    ``cmrc:ct0032`` renders ``questions:ct0032``), else ``qid`` itself."""
    return f"questions:{qid.partition(':')[2]}" if derivation(corpus, qid) else qid


def unparaphrased(corpus: Corpus, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``questions`` without the paraphrases, which are measured only: the near misses made from
    a corpus's questions are drawn from the same pool as before they were added."""
    return [q for q in questions if derivation(corpus.name, q["id"]) != "paraphrased"]


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


# Latin-script names hold a capital or a digit (GPT-4, Scale AI, Sambanova), not a plain English word
_LATIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*(?: [A-Za-z0-9][A-Za-z0-9.+\-]*)*")
_NAME_TAGS = {"nr": "person", "nrfg": "person", "nrt": "person", "ns": "place", "nt": "organisation"}


def names(question: str) -> list[tuple[str, str]]:
    """The names a question holds, each with its kind: Latin-script names with a capital
    or a digit, and the words jieba's part-of-speech tagger reads as a person, a place or
    an organisation (read in simplified script, so both scripts tag alike)."""
    import jieba
    import jieba.posseg as pseg

    from rag.answering.short_answer import normalise

    jieba.setLogLevel(60)
    out = [(m.group(), "latin") for m in _LATIN_NAME.finditer(question)
           if len(m.group()) >= 2 and re.search(r"[A-Z0-9]", m.group()) and re.search(r"[A-Za-z]", m.group())]
    simplified, at = normalise(question), 0
    for word, tag in pseg.cut(simplified):
        i = simplified.find(word, at)
        at = i + len(word)
        if tag in _NAME_TAGS and len(word) >= 2:
            out.append((question[i:at], _NAME_TAGS[tag]))
    return out


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


@dataclass
class Mentions:
    """Where the corpus names things: the text near every mention of a name."""

    files: dict[str, str]  # file name -> text
    cache: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, folder: Path) -> Mentions:
        return cls({p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))})

    def count(self, text: str) -> int:
        return sum(t.count(text) for t in self.files.values())

    def whole(self, name: str, question: str) -> bool:
        """Whether ``name`` is a unit the corpus uses on its own, not a piece of a longer
        word the tagger split (巴克 of 乌尔巴克齿龙): the Chinese characters around it in the
        question do not go with every mention of it in the corpus."""
        n = self.count(name)
        i = question.find(name)
        around = (question[i - 1 : i + len(name)] if i > 0 else "", question[i : i + len(name) + 1])
        return all(not (len(a) > len(name) and _is_han(a[0] if a.endswith(name) else a[-1]) and self.count(a) == n)
                   for a in around)

    def near(self, name: str) -> list[str]:
        if name not in self.cache:
            self.cache[name] = [t[max(0, m.start() - NEAR) : m.end() + NEAR] for t in self.files.values()
                                for m in re.finditer(re.escape(name), t, re.IGNORECASE)]
        return self.cache[name]


def attribute_words(frame: str, bm25: Any) -> set[str]:
    """What a question asks besides its name: its content words (a dictionary's word
    pairs, Latin words, figures) the corpus uses, but not in most of its passages."""
    from rag.answering.features import _word_bigrams, content_tokens

    pairs = _word_bigrams(frame)
    return {t for t in content_tokens(frame) if (t in pairs or not _is_han(t[0]))
            and t in bm25.vocab and bm25.df(t) <= COMMON * bm25.n_docs}


@dataclass(frozen=True)
class Asked:
    """An answerable question asked of another name, which the corpus never gives it for."""

    source: dict[str, Any]  # the answerable question
    question: str
    name: str  # the name it asked about …
    other: str  # … and the one it asks about now
    wanted: tuple[str, ...]  # the words of what it asks (none of them near ``other`` in the corpus)


def attribute_questions(questions: list[dict[str, Any]], mentions: Mentions, bm25: Any,
                        embed: Callable[[list[str]], np.ndarray]) -> Iterator[Asked]:
    """Answerable questions with their name replaced by the most similar name of the same
    kind (``embed``'s cosine of the names) near which the corpus never uses the question's
    other words: the new name is there, what is asked of it is not."""
    from rag.text.lexical import is_english, tokenize

    subject: dict[str, tuple[str, str]] = {}
    for q in questions:
        if q["kind"] != "answerable" or is_english(q["question"]) or not q["doc"]:
            continue
        text = mentions.files.get(Path(q["doc"]).name, "")
        # the question's name: one its answer's document uses, mentioned more than once in the corpus
        found = [(n, k) for n, k in names(q["question"])
                 if n in text and mentions.count(n) >= 2 and mentions.whole(n, q["question"])]
        if found:
            subject[q["id"]] = max(found, key=lambda nk: (len(nk[0]), nk))
    pool = sorted(set(subject.values()))
    if len(pool) < 2:
        return
    vectors = np.asarray(embed([n for n, _ in pool]), dtype=np.float32)
    where = {nk: i for i, nk in enumerate(pool)}
    words_near: dict[str, set[str]] = {}
    rng = random.Random(SEED)
    asked = [q for q in questions if q["id"] in subject]
    rng.shuffle(asked)
    made = 0
    for q in asked:
        name, kind = subject[q["id"]]
        wanted = attribute_words(q["question"].replace(name, " "), bm25)
        if len(wanted) < 2:  # one word asks too little to be sure the corpus never gives it
            continue
        taken = 0
        sims = vectors @ vectors[where[(name, kind)]]
        for j in np.argsort(-sims, kind="stable"):
            other, other_kind = pool[j]
            if other_kind != kind or other in name or name in other:
                continue
            if other not in words_near:  # in the corpus's own script, as the question's words are
                words_near[other] = set(tokenize(" ".join(mentions.near(other))))
            if wanted & words_near[other]:
                continue
            yield Asked(q, q["question"].replace(name, other), name, other, tuple(sorted(wanted)))
            made += 1
            taken += 1
            if made >= ATTRIBUTES:
                return
            if taken >= PER_QUESTION:
                break


def absent_attributes(corpus: Corpus, handle: Any, questions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """:func:`attribute_questions` of the corpus, retrieved (kind ``attribute``)."""
    from rag.embeddings import embed_query

    for a in attribute_questions(questions, Mentions.of(corpus.folder), handle.index.stats, handle.embedder.embed):
        rec = {**a.source, "id": a.source["id"] + ":attribute", "question": a.question, "kind": "attribute",
               "swapped": [a.name, a.other], "asked": list(a.wanted), "doc": None, "evidence": None, "golds": []}
        rec.update(retrieved(handle, a.question, embed_query(handle.embedder, a.question)))
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
        for rec in swapped(corpus, handle, unparaphrased(corpus, questions)):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.rename(out)
    print(f"{corpus.name}: {len(questions)} questions in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return out


PARTS = ("", "foreign", "attribute")  # a corpus's cached questions: its own, the others', the made near misses


def data_path(name: str, part: str = "") -> Path:
    """Where a corpus's retrieved questions are cached: its own, the other corpora's
    (``foreign``), or the near misses asking an attribute the corpus never gives (``attribute``)."""
    return CACHE / (f"data-{name}-{part}.jsonl" if part else f"data-{name}.jsonl")


def dump_foreign(corpus: Corpus) -> Path:
    """The other corpora's questions (off-topic here) retrieved from this corpus."""
    out = data_path(corpus.name, "foreign")
    if out.exists():
        return out
    handle = open_corpus(corpus)
    rng = random.Random(SEED)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for source in (c for c in corpora() if c.name in FOREIGN_SOURCES[corpus.name]):
            questions = [q for q in unparaphrased(source, read_questions(source))
                         if q["set"] != "offtopic"]  # those are a test
            if len(questions) > FOREIGN:
                questions = rng.sample(questions, FOREIGN)
            for q in questions:
                rec = {**q, "kind": "foreign", "source": source.name, "doc": None, "evidence": None, "golds": []}
                rec.update(retrieved(handle, q["question"]))
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.rename(out)
    return out


def dump_attributes(corpus: Corpus) -> Path:
    """The corpus's questions asking an entity what the corpus never says of it."""
    out = data_path(corpus.name, "attribute")
    if out.exists():
        return out
    t0 = time.perf_counter()
    handle = open_corpus(corpus)
    tmp = out.with_suffix(".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for rec in absent_attributes(corpus, handle, unparaphrased(corpus, read_questions(corpus))):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    tmp.rename(out)
    print(f"{corpus.name}: {n} attribute near misses in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return out


DUMPS = {"": dump, "foreign": dump_foreign, "attribute": dump_attributes}


def load(name: str, part: str = "") -> list[dict[str, Any]]:
    return [json.loads(line) for line in data_path(name, part).read_text(encoding="utf-8").splitlines()]


def question_vectors(corpus: Corpus) -> tuple[dict[str, np.ndarray], str]:
    """The vector of every question retrieved from the corpus (each part of its data:
    :data:`DUMPS`) and the embedder's name, cached in ``qvec-<corpus>.npz``: the answer
    layer reads the asked kind from it (rag/answering/asked.py)."""
    from rag.embeddings import embed_query

    out = CACHE / f"qvec-{corpus.name}.npz"
    texts = sorted({r["question"] for part in DUMPS if data_path(corpus.name, part).exists()
                    for r in load(corpus.name, part)})
    known: dict[str, np.ndarray] = {}
    if out.exists():
        with np.load(out, allow_pickle=False) as z:
            known, name = dict(zip((str(t) for t in z["texts"]), z["vectors"])), str(z["embedder"][0])
        if all(t in known for t in texts):
            return known, name
    handle = open_corpus(corpus)
    if known and name != handle.embedder.name:
        known = {}
    vectors = {t: known[t] if t in known else embed_query(handle.embedder, t).astype(np.float32) for t in texts}
    np.savez(out, texts=np.array(texts), vectors=np.stack([vectors[t] for t in texts]),
             embedder=np.array([handle.embedder.name]))
    return vectors, handle.embedder.name


def main(argv: list[str] | None = None) -> None:
    names = argv if argv else [c.name for c in corpora()]
    CACHE.mkdir(parents=True, exist_ok=True)
    for corpus in corpora():
        if corpus.name in names:
            for part in PARTS:
                DUMPS[part](corpus)


if __name__ == "__main__":
    main(sys.argv[1:])
