"""BM25 over Chinese-aware tokens, stored as plain NumPy postings.

Chinese is written without spaces, so whitespace tokenising would turn a whole
sentence into one "word".  We index overlapping character bigrams of CJK runs plus
single characters (the standard, dictionary-free approach for Chinese retrieval, and
robust to the corpus's domain terms that a segmenter's dictionary does not know), and
lower-cased Latin words and numbers ("gpt", "3.5", "48.9").

Postings are kept per term (CSC layout), so scoring a query touches only the
documents that contain its terms: this is what keeps BM25 fast at a million chunks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+|\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def tokenize(text: str) -> list[str]:
    """Unigrams and bigrams for CJK runs; words and numbers for everything else."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        run = match.group()
        if _CJK.match(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run.lower())
    return tokens


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the ``k`` highest non-zero scores, best first."""
    k = min(k, int(np.count_nonzero(scores)))
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return idx, scores[idx]


@dataclass
class BM25:
    """A BM25 index: ``vocab[term] -> id`` and per-term postings (doc ids, weights)."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, len(vocab) + 1
    doc_ids: np.ndarray  # int32, postings concatenated term by term
    weights: np.ndarray  # float32, BM25 term weight for (term, doc)
    n_docs: int

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> "BM25":
        return cls.from_token_lists([tokenize(t) for t in texts], k1=k1, b=b)

    @classmethod
    def from_token_lists(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> "BM25":
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        lengths = np.fromiter((len(d) for d in docs), dtype=np.float32, count=len(docs))
        for doc_id, tokens in enumerate(docs):
            for term, tf in Counter(tokens).items():
                rows.append(doc_id)
                cols.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        doc_arr = np.asarray(rows, dtype=np.int32)
        term_arr = np.asarray(cols, dtype=np.int64)
        tf_arr = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(term_arr, minlength=len(vocab)).astype(np.float32)
        n = max(len(docs), 1)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if len(docs) else 1.0
        norm = k1 * (1 - b + b * lengths[doc_arr] / max(avgdl, 1e-9))
        weight = idf[term_arr] * tf_arr * (k1 + 1) / (tf_arr + norm)
        order = np.argsort(term_arr, kind="stable")
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=indptr[1:])
        return cls(vocab, indptr, doc_arr[order], weight[order].astype(np.float32), len(docs))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros where no term matches)."""
        ids = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        spans = [(self.indptr[i], self.indptr[i + 1]) for i in ids]
        docs = np.concatenate([self.doc_ids[a:b] for a, b in spans])
        weights = np.concatenate([self.weights[a:b] for a, b in spans])
        return np.bincount(docs, weights=weights, minlength=self.n_docs).astype(np.float32)

    def top(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the ``k`` best documents with a non-zero score."""
        return top_k(self.scores(query), k)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term (0 for unknown terms)."""
        i = self.vocab.get(term)
        if i is None:
            return 0.0
        df = float(self.indptr[i + 1] - self.indptr[i])
        return float(np.log1p((self.n_docs - df + 0.5) / (df + 0.5)))

    # Persistence: a JSON vocabulary and an .npz of plain arrays (no pickle).
    def arrays(self) -> dict[str, np.ndarray]:
        return {"indptr": self.indptr, "doc_ids": self.doc_ids, "weights": self.weights,
                "n_docs": np.asarray([self.n_docs], dtype=np.int64)}

    @classmethod
    def from_arrays(cls, terms: list[str], arrays: dict[str, np.ndarray]) -> "BM25":
        vocab = {t: i for i, t in enumerate(terms)}
        bm = cls(vocab, arrays["indptr"], arrays["doc_ids"], arrays["weights"], int(arrays["n_docs"][0]))
        if (len(bm.indptr) != len(vocab) + 1 or bm.indptr[-1] != len(bm.doc_ids)
                or len(bm.doc_ids) != len(bm.weights)):
            raise ValueError("BM25 arrays do not match the vocabulary")
        return bm
