"""The streaming build and the settings conversion, checked against their plain definitions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rag.config import RULES, Choice, Range, _convert
from rag.errors import RagError
from rag.indexing.build import _ChunkMeans, chunk_vectors
from rag.ingest.chunker import Span, pack


@pytest.mark.parametrize("block", [1, 7, 64, 10_000])
def test_chunk_vectors_from_blocks_equal_those_from_the_whole_file(block):
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 120, size=900)
    ends = np.cumsum(lengths)
    units = [Span(int(e - n), int(e)) for e, n in zip(ends, lengths)]
    ranges = np.asarray(pack(units, 500, 150), dtype=np.int64)
    vectors = rng.standard_normal((len(units), 16)).astype(np.float32)
    weights = np.sqrt(lengths.astype(np.float32))
    means = _ChunkMeans(ranges, weights, 16)
    streamed = np.concatenate([means.add(vectors[i : i + block]) for i in range(0, len(units), block)])
    assert np.allclose(streamed, chunk_vectors(vectors, weights, ranges), atol=1e-5)
    assert len(means.buffer) < 600  # only the unfinished chunk's sentences are kept


@pytest.mark.parametrize("raw,hint,expected", [
    ("false", bool, False), ("YES", bool, True), (True, bool, True),
    ("12", int, 12), (12, int, 12), ("0.5", float, 0.5), (2, float, 2.0),
    ("a,b", tuple[str, ...], ("a", "b")), (["a"], tuple[str, ...], ("a",)),
    ("", Path | None, None), ("x.txt", Path | None, Path("x.txt")), ("", str | None, None),
])
def test_settings_are_converted_by_their_type_hints(raw, hint, expected):
    assert _convert("s", raw, hint) == expected


@pytest.mark.parametrize("raw,hint", [
    (True, int), ("true", int), (3.9, int), ("3.9", int), (1, bool), ("maybe", bool),
    (math.nan, float), ("inf", float), (True, float), (5, str), (5, Path),
])
def test_booleans_are_not_numbers_and_nan_or_infinity_are_refused(raw, hint):
    with pytest.raises(RagError, match="setting 's' must be"):
        _convert("s", raw, hint)


def test_rules_say_the_allowed_values():
    with pytest.raises(RagError, match="between 1 and 50, got 0"):
        RULES["top_k"].check("top_k", 0)
    with pytest.raises(RagError, match="one of a, b; got 'c'"):
        Choice(("a", "b")).check("x", "c")
    assert Range(0, 1).describe() == "between 0 and 1" and Range(0, None).describe() == "at least 0"
