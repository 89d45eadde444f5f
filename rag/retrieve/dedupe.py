"""Stage 4 of retrieval: near-duplicate passages collapsed, so one corpus file that holds
its article twice cannot fill the top results twice."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from rag.records import Passage

DUPLICATE_JACCARD = 0.6  # bigram Jaccard similarity from which two passages are one


def _bigrams(text: str) -> np.ndarray:
    """The distinct character bigrams of ``text`` (whitespace ignored), as sorted integers."""
    compact = np.frombuffer("".join(text.split()).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.unique((compact[:-1] << np.uint64(21)) | compact[1:])


def _is_duplicate(sa: np.ndarray, sb: np.ndarray) -> bool:
    if not len(sa) or not len(sb):
        return False
    common = len(np.intersect1d(sa, sb, assume_unique=True))
    return common / (len(sa) + len(sb) - common) >= DUPLICATE_JACCARD


def distinct(order: list[int], chunks: Mapping[int, Passage], k: int) -> list[int]:
    """The first ``k`` ids of ``order`` whose passages duplicate no earlier one."""
    chosen: list[int] = []
    kept: list[np.ndarray] = []
    for i in order:
        grams = _bigrams(chunks[i].text)
        if any(_is_duplicate(grams, g) for g in kept):
            continue
        chosen.append(i)
        kept.append(grams)
        if len(chosen) == k:
            break
    return chosen
