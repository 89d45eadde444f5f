"""Choosing retrieval settings without fitting individual dev questions.

``sweep`` scores every combination of chunking (size/overlap), dense scoring (the
weight of the best-sentence cosine), RRF ``k`` and the BM25 weight on the dev set and
keeps each answerable question's rank of the first passage holding its evidence.
``cross_validate`` then asks how well *choosing* settings this way generalises:
leave-one-out (choose on 27 questions, score the 28th) and repeated 5-fold.  Ties
between equally good settings are averaged, not broken in our favour.

Abstention is learned and cross-validated in benchmarks/train_answerer.py (benchmarks/answerer.py reports it).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from rag.config import Settings
from rag.evaluate import Question, contains_evidence
from rag.indexing.build import build_index
from rag.indexing.handle import Handle
from rag.records import Hit
from rag.retrieve.retriever import retrieve
from rag.stores.faiss import load_index


def first_rank(q: Question, hits: list[Hit]) -> int | None:
    for n, h in enumerate(hits, 1):
        if contains_evidence(q, h.chunk.source, h.chunk.text):
            return n
    return None


def ranks_for(handle: Handle, questions: list[Question], mode: str = "hybrid", k: int = 10,
              settings: Settings | None = None) -> dict[str, int | None]:
    s = settings or handle.settings
    out = {}
    for q in questions:
        if q.answerable:
            hits = retrieve(handle.index, handle.embedder, q.question, replace(s, top_k=k), mode)  # type: ignore[arg-type]
            out[q.id] = first_rank(q, hits)
    return out


def metrics(ranks: dict[str, int | None], ids: list[str] | None = None) -> dict[str, float]:
    ids = list(ranks) if ids is None else ids
    n = max(len(ids), 1)
    r = [ranks[i] for i in ids]
    return {"hit@1": sum(1 for x in r if x == 1) / n, "hit@5": sum(1 for x in r if x and x <= 5) / n,
            "mrr@10": sum(1 / x for x in r if x and x <= 10) / n}


def sweep(base: Settings, embedder: Any, questions: list[Question], chunkings: list[tuple[int, int]],
          sentence_weights: list[float], rrf_ks: list[int], lexical_weights: list[float],
          index_root: Any, progress: Callable[[str], None] = lambda _: None) -> dict[str, dict[str, int | None]]:
    """``{config name: {question id: rank}}`` over the whole grid (retrieval only)."""
    table: dict[str, dict[str, int | None]] = {}
    for size, overlap in chunkings:
        s = replace(base, chunk_size=size, chunk_overlap=overlap, index=index_root / f"c{size}-{overlap}")
        build_index(s, embedder)
        handle = Handle(s, embedder, load_index(s, embedder))
        for sw in sentence_weights:
            weighted = replace(s, tuning=replace(s.tuning, sentence_weight=sw))
            table[f"{size}/{overlap}|sw{sw}|dense"] = ranks_for(handle, questions, "dense", settings=weighted)
            for rk, lw in itertools.product(rrf_ks, lexical_weights):
                v = replace(weighted, rrf_k=rk, dense_weight=1.0, lexical_weight=lw)
                table[f"{size}/{overlap}|sw{sw}|rrf{rk}|lw{lw}"] = ranks_for(handle, questions, "hybrid", settings=v)
        table[f"{size}/{overlap}|lexical"] = ranks_for(handle, questions, "lexical")
        progress(f"{size}/{overlap}")
    return table


def across_sets(handle: Handle, sets: dict[str, list[Question]], sentence_weights: list[float]) -> dict[str, Any]:
    """Retrieval on every question set at each best-sentence weight, and leave-one-set-out:
    the weight the other sets choose (hit@5 + MRR@10 summed over them; ties go to the
    one nearer 0.5), scored on the left-out set.  A set is one writer's questions about
    facts of their own choosing, so a set, not a question, is what a choice must
    generalise across."""
    table = {}
    for sw in sentence_weights:
        weighted = replace(handle.settings, tuning=replace(handle.settings.tuning, sentence_weight=sw))
        table[sw] = {name: metrics(ranks_for(handle, questions, settings=weighted)) for name, questions in sets.items()}

    def score(sw: float, names: list[str]) -> float:
        return sum(table[sw][n]["hit@5"] + table[sw][n]["mrr@10"] for n in names)

    held_out = {}
    for name in sets:
        others = [n for n in sets if n != name]
        chosen = max(sentence_weights, key=lambda sw: (score(sw, others), -abs(sw - 0.5)))
        held_out[name] = {"chosen": chosen, **table[chosen][name]}
    return {"table": {str(sw): row for sw, row in table.items()}, "leave_one_set_out": held_out}


def english_across_sets(handle: Handle, sets: dict[str, list[Question]]) -> dict[str, Any]:
    """The English questions of every set, with and without the dictionary's Chinese
    words in the BM25 query (rag/text/bilingual.py): nothing is fitted, so no fold is needed."""
    plain = replace(handle.settings, tuning=replace(handle.settings.tuning, dictionary_expansion=False))
    english = {name: [q for q in qs if q.type == "english"] for name, qs in sets.items()}
    english["all"] = [q for qs in english.values() for q in qs]
    return {name: {"n": sum(q.answerable for q in qs),
                   "with": metrics(ranks_for(handle, qs)),
                   "without": metrics(ranks_for(handle, qs, settings=plain))}
            for name, qs in english.items()}


def _matrices(table: dict[str, dict[str, int | None]], keys: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    ids = list(table[keys[0]])
    hit = np.array([[1.0 if table[k][i] and table[k][i] <= 5 else 0.0 for i in ids] for k in keys])
    rr = np.array([[1.0 / table[k][i] if table[k][i] and table[k][i] <= 10 else 0.0 for i in ids] for k in keys])
    return ids, hit, rr


def cross_validate(table: dict[str, dict[str, int | None]], keys: list[str], folds: int = 5,
                   repeats: int = 20, seed: int = 0) -> dict[str, Any]:
    """Generalisation of "pick the settings with the best hit@5 + MRR@10 on the rest"."""
    ids, hit, rr = _matrices(table, keys)
    score = hit + rr
    n = len(ids)

    def held_out(train: list[int], test: list[int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        total = score[:, train].sum(axis=1)
        best = np.flatnonzero(total >= total.max() - 1e-9)
        return hit[best][:, test].mean(axis=0), rr[best][:, test].mean(axis=0), [keys[b] for b in best]

    loo_hit, loo_rr, chosen = np.zeros(n), np.zeros(n), []
    for j in range(n):
        h, r, picked = held_out([i for i in range(n) if i != j], [j])
        loo_hit[j], loo_rr[j] = h[0], r[0]
        chosen.append(picked[0])
    rng = random.Random(seed)
    kf_hit, kf_rr = [], []
    for _ in range(repeats):
        perm = list(range(n))
        rng.shuffle(perm)
        hh, rrr = np.zeros(n), np.zeros(n)
        for f in range(folds):
            test = perm[f::folds]
            h, r, _ = held_out([i for i in range(n) if i not in test], test)
            hh[test], rrr[test] = h, r
        kf_hit.append(hh.mean())
        kf_rr.append(rrr.mean())
    total = score.sum(axis=1)
    best_all = [keys[b] for b in np.flatnonzero(total >= total.max() - 1e-9)]
    return {"configs": len(keys), "loo": {"hit@5": float(loo_hit.mean()), "mrr@10": float(loo_rr.mean())},
            f"{folds}fold": {"hit@5": float(np.mean(kf_hit)), "mrr@10": float(np.mean(kf_rr)),
                             "hit@5_sd": float(np.std(kf_hit)), "mrr@10_sd": float(np.std(kf_rr))},
            "best_on_all": best_all[:5], "n_best_on_all": len(best_all),
            "loo_choices": sorted(set(chosen))[:8]}


def smoothed_best(table: dict[str, dict[str, int | None]], keys: list[str]) -> list[tuple[str, float]]:
    """Configs ranked by hit@5 + MRR@10, each averaged with its grid neighbours
    (same chunking, adjacent rrf_k / weight): a setting that is good only on its own
    is likely fitted to a few questions."""
    scores = {k: metrics(table[k])["hit@5"] + metrics(table[k])["mrr@10"] for k in keys}
    parsed = {k: k.split("|") for k in keys}
    out = []
    for k in keys:
        p = parsed[k]
        if len(p) < 4:
            continue
        near = [scores[o] for o, q in parsed.items() if len(q) == 4 and q[0] == p[0] and q[1] == p[1]
                and _adjacent(q[2], p[2], "rrf") and _adjacent(q[3], p[3], "lw")]
        out.append((k, float(np.mean(near))))
    return sorted(out, key=lambda x: -x[1])


_GRID = {"rrf": [5, 10, 20, 60], "lw": [1.0, 1.5, 2.0, 3.0]}


def _adjacent(a: str, b: str, prefix: str) -> bool:
    grid = _GRID[prefix]
    va, vb = float(a[len(prefix):]), float(b[len(prefix):])
    try:
        return abs(grid.index(type(grid[0])(va)) - grid.index(type(grid[0])(vb))) <= 1
    except ValueError:
        return va == vb
