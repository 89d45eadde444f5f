"""What kind of answer a question asks for, read from its embedding rather than from a
list of interrogatives.

A logistic regression on the question's e5 vector gives the probability that its answer
is a figure (an amount, a count, a date).  It learned from which questions' gold answers
hold one, over three corpora in two scripts (benchmarks/train_answerer.py), and it
reads any language e5 reads: the interrogative list knows 多少, 幾 and "how many", this
knows what the whole question asks.  Held out, it tells figure questions apart better
than the list (AUC seeds 0.889 / CMRC 0.798 / DRCD 0.924, against 0.881 / 0.727 / 0.847;
benchmarks/sections/answerer.md).

Its weights live in the answer layer's ``answerer.npz`` (``rag.answering.judge.load_asked``
reads them with the models, in one read).  They hold for the embedder they
learned from only: with any other, the reading is NaN (unknown), which the trees route
as they learned to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from rag.answering.trees import expit


@dataclass(frozen=True)
class AskedKind:
    """P(the answer is a figure | the question's vector)."""

    weights: np.ndarray  # (dim,) float64
    bias: float
    embedder: str  # the name of the embedder whose vectors it learned from

    def figure(self, vector: np.ndarray | None, embedder: str) -> float:
        if vector is None or embedder != self.embedder or len(vector) != len(self.weights):
            return float("nan")
        return float(expit(float(np.asarray(vector, np.float64) @ self.weights) + self.bias))

    def arrays(self, prefix: str = "asked") -> dict[str, np.ndarray]:
        return {f"{prefix}.weights": self.weights,
                f"{prefix}.meta": np.array([json.dumps({"bias": self.bias, "embedder": self.embedder})])}

    @classmethod
    def from_arrays(cls, z: dict[str, np.ndarray], prefix: str = "asked") -> AskedKind | None:
        if f"{prefix}.weights" not in z:
            return None
        meta = json.loads(str(z[f"{prefix}.meta"][0]))
        return cls(np.asarray(z[f"{prefix}.weights"], np.float64), float(meta["bias"]), str(meta["embedder"]))

