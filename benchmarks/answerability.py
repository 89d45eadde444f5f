"""Fit and cross-validate the answerability model (rag/answerability.py).

``python -m benchmarks.answerability`` computes the model's features for every dev
question (the answer sentence the extractive answerer would cite), fits the logistic
regression on all of them (the coefficients that go into the code), and estimates how
the *fitting procedure* generalises: leave-one-out and repeated stratified 5-fold,
each fold fitting its own standardisation, coefficients and threshold.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rag.answerability import FEATURES, Model

# L2 penalty of the fit (on standardised features): 50 questions, a handful of
# features — the penalty keeps single questions from steering the coefficients.
L2 = 1.0
# The decision threshold is chosen on the training questions: the highest that keeps
# at least this share of the answerable ones answered.
MIN_ANSWERED = 0.95


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> Model:
    """Penalised logistic regression by Newton's method, on standardised features."""
    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-6] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.diag([0.0] + [l2] * x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + penalty @ w
        hess = z.T @ (z * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model = Model(tuple(mean.tolist()), tuple(scale.tolist()), tuple(w[1:].tolist()), float(w[0]))
    probs = np.array([model.probability(dict(zip(FEATURES, row))) for row in x])
    return Model(model.mean, model.scale, model.coef, model.intercept, choose_threshold(probs, y))


def choose_threshold(probs: np.ndarray, y: np.ndarray, min_answered: float = MIN_ANSWERED) -> float:
    """The highest threshold that still answers ``min_answered`` of the answerable questions,
    placed halfway to the next lower probability (a margin, not the edge of a question)."""
    pos = np.sort(probs[y == 1])
    if len(pos) == 0:
        return 0.5
    k = int(np.floor((1 - min_answered) * len(pos)))  # answerable questions we may lose
    edge = pos[k]
    below = probs[probs < edge]
    return float((edge + below.max()) / 2) if len(below) else float(edge) / 2


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    return np.array([model.probability(dict(zip(FEATURES, row))) for row in x])


def scores(answer: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pos, neg = y == 1, y == 0
    return {"answered": float(answer[pos].mean()) if pos.any() else float("nan"),
            "abstained": float((~answer[neg]).mean()) if neg.any() else float("nan"),
            "accuracy": float((answer == (y == 1)).mean())}


def auc(probs: np.ndarray, y: np.ndarray) -> float:
    pos, neg = probs[y == 1], probs[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
                 / (len(pos) * len(neg)))


def leave_one_out(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    answer = np.zeros(len(y), dtype=bool)
    probs = np.zeros(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        model = fit(x[keep], y[keep])
        probs[i] = predict(model, x[i : i + 1])[0]
        answer[i] = probs[i] >= model.threshold
    return {**scores(answer, y), "auc": auc(probs, y)}


def k_fold(x: np.ndarray, y: np.ndarray, k: int = 5, repeats: int = 20, seed: int = 0) -> dict[str, float]:
    rng = random.Random(seed)
    runs = []
    for _ in range(repeats):
        folds: list[list[int]] = [[] for _ in range(k)]
        for label in (0, 1):  # stratified: each fold gets its share of unanswerable questions
            idx = [i for i in range(len(y)) if y[i] == label]
            rng.shuffle(idx)
            for j, i in enumerate(idx):
                folds[j % k].append(i)
        answer = np.zeros(len(y), dtype=bool)
        for fold in folds:
            test = np.array(fold)
            train = np.setdiff1d(np.arange(len(y)), test)
            model = fit(x[train], y[train])
            answer[test] = predict(model, x[test]) >= model.threshold
        runs.append(scores(answer, y))
    return {f"{key}_mean": float(np.mean([r[key] for r in runs])) for key in runs[0]} | {
        f"{key}_sd": float(np.std([r[key] for r in runs])) for key in runs[0]}


def dev_features(embedding: str = "e5") -> tuple[list[str], np.ndarray, np.ndarray, list[dict[str, float]]]:
    """Features of every dev question's answer sentence, and whether it is answerable."""
    from rag.answer import candidate_evidence
    from rag.config import load_settings
    from rag.embeddings import embed_query
    from rag.evaluate import read_questions
    from rag.handle import Handle
    from rag.retriever import retrieve
    from rag.store import build_index, load_index

    from .common import ROOT, dev_set
    from .embeddings_cache import cached_embedder

    embedder = cached_embedder(embedding)
    questions = read_questions(dev_set())
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"corpus": ROOT / "seeds", "index": Path(tmp) / "index", "embedding": embedding},
                                 config_file=Path("/nonexistent"), environ={})
        build_index(settings, embedder)
        handle = Handle(settings, embedder, load_index(settings, embedder))
        rows, ids, labels = [], [], []
        for q in questions:
            qv = embed_query(embedder, q.question)
            hits = retrieve(handle.index, embedder, q.question, settings, 10, query_vector=qv)
            evidence = candidate_evidence(q.question, qv, hits, embedder, handle.index.bm25)
            feats = evidence.features if evidence else {name: 0.0 for name in FEATURES}
            rows.append(feats)
            ids.append(q.id)
            labels.append(1 if q.answerable else 0)
        getattr(embedder, "save", lambda: None)()
    x = np.array([[r[name] for name in FEATURES] for r in rows])
    return ids, x, np.array(labels), rows


def run(embedding: str = "e5") -> dict[str, Any]:
    ids, x, y, rows = dev_features(embedding)
    model = fit(x, y)
    probs = predict(model, x)
    fitted = {**scores(probs >= model.threshold, y), "auc": auc(probs, y)}
    univariate = {name: auc(x[:, j], y) for j, name in enumerate(FEATURES)}
    return {"embedding": embedding, "n": len(y), "unanswerable": int((y == 0).sum()), "model": model,
            "fit": fitted, "loo": leave_one_out(x, y), "kfold": k_fold(x, y), "univariate_auc": univariate,
            "per_question": [{"id": i, "answerable": bool(label), "p": float(p), **r}
                             for i, label, p, r in zip(ids, y, probs, rows)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedding", default="e5")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    r = run(args.embedding)
    m: Model = r["model"]
    print(f"embedding {r['embedding']}: {r['n']} questions, {r['unanswerable']} unanswerable")
    print("univariate AUC:", {k: round(v, 3) for k, v in r["univariate_auc"].items()})
    print("fit on all:", {k: round(v, 3) for k, v in r["fit"].items()})
    print("leave-one-out:", {k: round(v, 3) for k, v in r["loo"].items()})
    print("5-fold x20:", {k: round(v, 3) for k, v in r["kfold"].items()})
    print("Model(mean=%r, scale=%r, coef=%r, intercept=%r, threshold=%r)" % (
        tuple(round(v, 4) for v in m.mean), tuple(round(v, 4) for v in m.scale),
        tuple(round(v, 3) for v in m.coef), round(m.intercept, 3), round(m.threshold, 3)))
    if args.verbose:
        for q in r["per_question"]:
            print(q["id"], q["answerable"], round(q["p"], 3), {k: round(v, 3) for k, v in q.items()
                                                                 if k in FEATURES})


if __name__ == "__main__":
    main()
