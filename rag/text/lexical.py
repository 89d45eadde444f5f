"""BM25 over Chinese-aware tokens, stored as plain NumPy postings.

Chinese is written without spaces, so whitespace tokenising would turn a whole
sentence into one "word".  We index overlapping character bigrams of CJK runs plus
single characters (the standard, dictionary-free approach for Chinese retrieval, and
robust to the corpus's domain terms that a segmenter's dictionary does not know), and
lower-cased Latin words and numbers ("gpt", "3.5", "48.9").  On the dev set this beat
jieba (precise and search mode, with or without a corpus-derived user dictionary) on
MRR, and it costs no dictionary load on the ``rag ask`` path (BENCHMARKS.md).

Postings are kept per term (CSC layout), so scoring a query touches only the
documents that contain its terms.  At a million chunks the few very frequent terms
(single characters such as 的) would still dominate the work, so :meth:`BM25.top`
scores the rare terms first and the frequent ones only for the documents that can
still reach the top k (a MaxScore-style bound; the result is exact).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Container, Iterable, Protocol

import numpy as np

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+|\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Below this many documents exhaustive scoring is already sub-millisecond.
_PRUNE_MIN_DOCS = 50_000
# Terms in more than this share of the documents are scored only for candidates.
_FREQUENT_SHARE = 0.01


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


# English function words: two of them make a sentence English even around a Chinese name.
# No Chinese question of any question set holds even one.
_ENGLISH_FUNCTION = re.compile(r"\b(?:the|of|what|which|who|whom|whose|when|where|why|how|is|are|was|were|did|does|do|"
                               r"has|have|had|in|on|for|to|and|a|an)\b", re.I)


def is_english(text: str) -> bool:
    """Is ``text`` written in English: without Chinese, or English around a Chinese name
    ("What is the overseas version of 魔音工坊 called?")?"""
    return not has_cjk(text) or len(_ENGLISH_FUNCTION.findall(text)) >= 2


def across_scripts(question: str, texts: Iterable[str]) -> bool:
    """Is ``question`` in English while most non-space characters of ``texts`` are
    Chinese (an English question over Chinese passages)?"""
    if not is_english(question):
        return False
    text = "".join(texts)
    return bool(text) and len(_CJK.findall(text)) > 0.5 * len(re.sub(r"\s", "", text))


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


def _kth_largest(values: np.ndarray, k: int) -> float:
    if len(values) < k:
        return 0.0
    return float(np.partition(values, len(values) - k)[len(values) - k])


class CorpusStats(Protocol):
    """Term statistics of the indexed passages: which words the corpus uses, and how rarely.
    The answerers and the dictionary expansion read them; every store provides them."""

    @property
    def vocab(self) -> Container[str]: ...

    @property
    def n_docs(self) -> int: ...

    def df(self, term: str) -> int: ...

    def idf(self, term: str) -> float: ...

    def max_idf(self) -> float: ...


@dataclass
class BM25:
    """A BM25 index: ``vocab[term] -> id`` and per-term postings (doc ids, weights)."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, len(vocab) + 1
    doc_ids: np.ndarray  # int32, postings concatenated term by term, ascending within a term
    weights: np.ndarray  # float32, BM25 term weight for (term, doc)
    n_docs: int
    max_weights: np.ndarray = field(default=None, repr=False)  # type: ignore[arg-type]  # per term; None: computed

    def __post_init__(self) -> None:
        if self.max_weights is None:
            self.max_weights = _max_per_term(self.indptr, self.weights)

    # ------------------------------------------------------------ building
    @classmethod
    def build(cls, texts: Iterable[str], k1: float = 1.2, b: float = 0.75) -> BM25:
        """BM25 over the texts, counting terms text by text into compact arrays: a flat
        stream of every token would need gigabytes at 50 MB of text."""
        from array import array

        vocab: dict[str, int] = {}
        terms, docs, tfs, lengths = array("i"), array("i"), array("i"), array("q")
        for doc, text in enumerate(texts):
            tokens = tokenize(text)
            lengths.append(len(tokens))
            for term, tf in Counter(vocab.setdefault(t, len(vocab)) for t in tokens).items():
                terms.append(term)
                docs.append(doc)
                tfs.append(tf)

        def take(values: array, order: np.ndarray) -> np.ndarray:
            return np.frombuffer(values, dtype=np.int32)[order] if len(values) else np.zeros(0, np.int32)

        # Sort the postings by term (documents stay ascending within a term), freeing each
        # input as soon as its sorted copy exists: these arrays are as long as the postings.
        order = (np.argsort(np.frombuffer(terms, dtype=np.int32), kind="stable") if len(terms)
                 else np.zeros(0, np.int64))
        doc_arr = take(docs, order)
        del docs
        tf_arr = take(tfs, order)
        del tfs
        term_arr = take(terms, order)
        del terms, order
        return cls.from_postings(vocab, np.frombuffer(lengths, dtype=np.int64) if lengths else np.zeros(0, np.int64),
                                 term_arr, doc_arr, tf_arr, k1=k1, b=b)

    @classmethod
    def from_token_lists(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        """Build from tokenised documents (term strings)."""
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in docs]
        lengths = np.fromiter((len(d) for d in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((t for d in ids for t in d), dtype=np.int64, count=int(lengths.sum()))
        return cls.from_token_ids(vocab, lengths, flat, k1=k1, b=b)

    @classmethod
    def from_token_ids(cls, vocab: dict[str, int], lengths: np.ndarray, token_ids: np.ndarray,
                       k1: float = 1.2, b: float = 0.75) -> BM25:
        """Fast path: documents as one flat array of term ids plus per-document lengths.

        Everything is vectorised (one sort of the (term, doc) keys), which is what
        makes building a million-chunk index take seconds rather than minutes.
        """
        n = len(lengths)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys = token_ids.astype(np.int64) * max(n, 1) + doc_of
        del doc_of
        keys.sort(kind="stable")
        starts = np.flatnonzero(np.diff(keys, prepend=-1))  # first position of each distinct key
        tf = np.diff(np.append(starts, len(keys))).astype(np.float32)
        uniq = keys[starts]
        del keys, starts
        term_arr = uniq // max(n, 1)
        doc_arr = (uniq - term_arr * max(n, 1)).astype(np.int32)
        del uniq
        return cls.from_postings(vocab, lengths, term_arr, doc_arr, tf, k1=k1, b=b)

    @classmethod
    def from_postings(cls, vocab: dict[str, int], lengths: np.ndarray, term_arr: np.ndarray,
                      doc_arr: np.ndarray, tf: np.ndarray, k1: float = 1.2, b: float = 0.75) -> BM25:
        """From distinct (term, document, term frequency) triples sorted by term, then document.

        The streaming index build counts terms chunk by chunk and comes in here, which
        needs a fraction of the memory of one flat token stream."""
        n = len(lengths)
        n_terms = max(len(vocab), int(term_arr.max()) + 1 if len(term_arr) else 0)
        tf = tf.astype(np.float32, copy=False)
        df = np.bincount(term_arr, minlength=n_terms).astype(np.float32)
        idf = np.log1p((max(n, 1) - df + 0.5) / (df + 0.5))
        lens = lengths.astype(np.float32)
        avgdl = float(lens.mean()) if n else 1.0
        # weight = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl)), computed in
        # place (same operations in the same order, so the same float32 results) because
        # each temporary is as long as the postings, the build's largest arrays.
        norm = lens[doc_arr]
        norm *= b
        norm /= max(avgdl, 1e-9)
        norm += 1 - b
        norm *= k1
        norm += tf
        weight = idf[term_arr]
        weight *= tf
        weight *= k1 + 1
        weight /= norm
        del norm
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=indptr[1:])
        return cls(vocab, indptr, doc_arr, weight, n)

    # ------------------------------------------------------------ scoring
    def _query_terms(self, query: str | list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Distinct known term ids of the query and how often each occurs in it."""
        tokens = tokenize(query) if isinstance(query, str) else query
        counts = Counter(self.vocab[t] for t in tokens if t in self.vocab)
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        qtf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        return ids, qtf

    def scores(self, query: str | list[str]) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros where no term matches)."""
        ids, qtf = self._query_terms(query)
        return self._exhaustive(ids, qtf)

    def _exhaustive(self, ids: np.ndarray, qtf: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        docs = np.concatenate([self.doc_ids[self.indptr[i] : self.indptr[i + 1]] for i in ids])
        weights = np.concatenate([self.weights[self.indptr[i] : self.indptr[i + 1]] * w for i, w in zip(ids, qtf)])
        return np.bincount(docs, weights=weights, minlength=self.n_docs).astype(np.float32)

    def _add_terms_for(self, docs: np.ndarray, ids: np.ndarray, qtf: np.ndarray, out: np.ndarray) -> None:
        """Add the contributions of terms ``ids`` to ``out`` for the sorted doc ids ``docs``."""
        for i, w in zip(ids, qtf):
            self._add_term_for(docs, int(i), float(w), out)

    def score_docs(self, query: str | list[str], docs: np.ndarray) -> np.ndarray:
        """BM25 scores of the given documents only (no work proportional to the corpus)."""
        docs = np.asarray(docs, dtype=np.int64)
        out = np.zeros(len(docs), dtype=np.float32)
        ids, qtf = self._query_terms(query)
        if len(docs) == 0 or len(ids) == 0:
            return out
        order = np.argsort(docs, kind="stable")
        tmp = np.zeros(len(docs), dtype=np.float32)
        self._add_terms_for(docs[order], ids, qtf, tmp)
        out[order] = tmp
        return out

    def top(self, query: str | list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the ``k`` best documents with a non-zero score (exact).

        Large indexes: rare terms are scored in full, frequent terms only for the
        documents that can still reach the top ``k``.  A document containing none of
        the rare terms scores at most the frequent terms' summed maximum weights; while
        that bound is not below the k-th score found, the frequent term with the
        highest maximum moves to the rare side (MaxScore).
        """
        ids, qtf = self._query_terms(query)
        if len(ids) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        df = self.indptr[ids + 1] - self.indptr[ids]
        frequent = df > _FREQUENT_SHARE * self.n_docs
        if self.n_docs < _PRUNE_MIN_DOCS or not frequent.any():
            return top_k(self._exhaustive(ids, qtf), k)
        upper = self.max_weights[ids] * qtf
        while frequent.any() and not frequent.all():
            found, kth = self._pruned(ids, qtf, frequent, upper, k)
            if found is not None:
                return found
            # Move the frequent terms with the highest maxima to the rare side until
            # the others' bound is below the k-th score seen (at least one term).
            movable = np.flatnonzero(frequent)
            movable = movable[np.argsort(-upper[movable])]
            bound = float(upper[movable].sum())
            for j in movable:
                frequent[j] = False
                bound -= float(upper[j])
                if bound < kth:
                    break
        return top_k(self._exhaustive(ids, qtf), k)

    def _pruned(self, ids: np.ndarray, qtf: np.ndarray, frequent: np.ndarray, upper: np.ndarray,
                k: int) -> tuple[tuple[np.ndarray, np.ndarray] | None, float]:
        """Exact top ``k`` if the bound on frequent-terms-only documents allows (else
        None), and the k-th score among the documents with a rare term."""
        rare_ids, rare_qtf = ids[~frequent], qtf[~frequent]
        docs = np.concatenate([self.doc_ids[self.indptr[i] : self.indptr[i + 1]] for i in rare_ids])
        weights = np.concatenate([self.weights[self.indptr[i] : self.indptr[i + 1]] * w
                                  for i, w in zip(rare_ids, rare_qtf)])
        cand, inverse = np.unique(docs, return_inverse=True)
        if len(cand) < k:
            return None, 0.0
        score = np.bincount(inverse, weights=weights).astype(np.float32)
        order = np.flatnonzero(frequent)
        order = order[np.argsort(-upper[order])]
        remaining = float(upper[order].sum())  # what frequent terms can still add to anyone
        outside = remaining  # the most a document without rare terms can score
        for j in order:
            # Scores are lower bounds of the final ones; drop candidates that cannot reach
            # the k-th even if every remaining frequent term adds its maximum.
            keep = score + remaining >= _kth_largest(score, k)
            cand, score = cand[keep], score[keep]
            self._add_term_for(cand, int(ids[j]), float(qtf[j]), score)
            remaining -= float(upper[j])
        kth = _kth_largest(score, k)
        if outside >= kth:
            return None, kth  # a document with only frequent terms might still make the top k
        best = np.argpartition(-score, k - 1)[:k]
        best = best[np.lexsort((cand[best], -score[best]))]
        return (cand[best], score[best]), kth

    def _add_term_for(self, docs: np.ndarray, term: int, qtf: float, out: np.ndarray) -> None:
        """Add one term's weights to ``out`` for the sorted doc ids ``docs``."""
        a, b = int(self.indptr[term]), int(self.indptr[term + 1])
        if b == a or len(docs) == 0:
            return
        posting = self.doc_ids[a:b]
        if len(docs) * max(1, int(b - a).bit_length()) > (b - a) + self.n_docs // 8:
            dense = np.zeros(self.n_docs, dtype=np.float32)  # many candidates: scatter, then gather
            dense[posting] = self.weights[a:b]
            out += dense[docs] * qtf
            return
        pos = np.minimum(np.searchsorted(posting, docs), b - a - 1)
        found = posting[pos] == docs
        out[found] += self.weights[a + pos[found]] * qtf

    def df(self, term: str) -> int:
        """How many documents contain the term (0 for unknown terms)."""
        i = self.vocab.get(term)
        return 0 if i is None else int(self.indptr[i + 1] - self.indptr[i])

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term (0 for unknown terms)."""
        if term not in self.vocab:
            return 0.0
        df = float(self.df(term))
        return float(np.log1p((self.n_docs - df + 0.5) / (df + 0.5)))

    def max_idf(self) -> float:
        """The IDF a term would have if it occurred in no document."""
        return float(np.log1p((self.n_docs + 0.5) / 0.5))

    # Persistence: a JSON vocabulary and an .npz of plain arrays (no pickle).
    def arrays(self) -> dict[str, np.ndarray]:
        return {"indptr": self.indptr, "doc_ids": self.doc_ids, "weights": self.weights,
                "n_docs": np.asarray([self.n_docs], dtype=np.int64), "max_weights": self.max_weights}

    @classmethod
    def from_arrays(cls, terms: list[str], arrays: dict[str, np.ndarray]) -> BM25:
        vocab = {t: i for i, t in enumerate(terms)}
        bm = cls(vocab, arrays["indptr"], arrays["doc_ids"], arrays["weights"], int(arrays["n_docs"][0]),
                 arrays.get("max_weights"))  # type: ignore[arg-type]  # older indexes lack it
        if (len(bm.indptr) != len(vocab) + 1 or bm.indptr[-1] != len(bm.doc_ids)
                or len(bm.doc_ids) != len(bm.weights) or len(bm.max_weights) != len(vocab)):
            raise ValueError("BM25 arrays do not match the vocabulary")
        return bm


def _max_per_term(indptr: np.ndarray, weights: np.ndarray) -> np.ndarray:
    n_terms = len(indptr) - 1
    out = np.zeros(n_terms, dtype=np.float32)
    nonempty = indptr[1:] > indptr[:-1]
    if len(weights) and nonempty.any():
        out[nonempty] = np.maximum.reduceat(weights, indptr[:-1][nonempty])
    return out
