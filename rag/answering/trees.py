"""A boosted tree ensemble, evaluated in NumPy from plain arrays (no scikit-learn, no pickle).

Training (benchmarks/train_answerer.py) fits scikit-learn's histogram gradient boosting
and exports every tree as flat arrays: for each node its feature, threshold, children
and leaf value.  Predicting walks all trees for all rows at once, one level per step,
so scoring fifty candidate sentences takes well under a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


def logit(p: float | np.ndarray | list[float], eps: float = 1e-9) -> np.ndarray:
    """Log-odds of ``p``, clipped ``eps`` away from 0 and 1."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1 - eps)
    return np.log(q / (1 - q))


def expit(x: float | np.ndarray) -> np.ndarray:
    """The probability of log-odds ``x`` (the logistic function)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


@dataclass(frozen=True)
class Trees:
    """Binary-classification trees: ``P = sigmoid(baseline + Σ leaf values)``."""

    features: tuple[str, ...]  # the column each feature index refers to
    feature: np.ndarray  # int32 per node (-1 at a leaf)
    threshold: np.ndarray  # float64 per node: go left when x <= threshold
    left: np.ndarray  # int32 per node, global node index
    right: np.ndarray
    missing_left: np.ndarray  # bool per node: where NaN goes
    value: np.ndarray  # float64 per node (the leaf's contribution)
    roots: np.ndarray  # int32 per tree
    baseline: float
    depth: int

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for each row of ``x`` (rows × len(features))."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected rows of {len(self.features)} features, got {x.shape}")
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            f = self.feature[node]
            leaf = f < 0
            if leaf.all():
                break
            v = x[rows, np.where(leaf, 0, f)]
            go_left = np.where(np.isnan(v), self.missing_left[node], v <= self.threshold[node])
            node = np.where(leaf, node, np.where(go_left, self.left[node], self.right[node]))
        return self.baseline + self.value[node].sum(axis=1)

    def probability(self, x: np.ndarray) -> np.ndarray:
        return expit(self.raw(x))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.{k}": getattr(self, k) for k in ("feature", "threshold", "left", "right",
                                                             "missing_left", "value", "roots")} | {
            f"{prefix}.baseline": np.array([self.baseline]), f"{prefix}.depth": np.array([self.depth]),
            f"{prefix}.features": np.array(self.features)}

    @classmethod
    def from_arrays(cls, z: dict[str, np.ndarray] | np.lib.npyio.NpzFile, prefix: str) -> Trees:
        return cls(features=tuple(str(s) for s in z[f"{prefix}.features"]),
                   feature=z[f"{prefix}.feature"].astype(np.int32), threshold=z[f"{prefix}.threshold"],
                   left=z[f"{prefix}.left"].astype(np.int32), right=z[f"{prefix}.right"].astype(np.int32),
                   missing_left=z[f"{prefix}.missing_left"].astype(bool), value=z[f"{prefix}.value"],
                   roots=z[f"{prefix}.roots"].astype(np.int32), baseline=float(z[f"{prefix}.baseline"][0]),
                   depth=int(z[f"{prefix}.depth"][0]))


def load_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}
