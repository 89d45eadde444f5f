"""The fitted constants travel in Settings.tuning: code can vary them, user settings cannot."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import numpy as np
import pytest

from rag.config import load_settings
from rag.errors import RagError
from rag.pipeline import ask
from rag.retrieve.retriever import retrieve
from rag.tuning import DEFAULT_TUNING, Tuning


def test_settings_carry_the_default_tuning_and_it_is_frozen(tmp_path):
    s = load_settings({}, config_file=tmp_path / "none.toml", environ={})
    assert s.tuning == DEFAULT_TUNING
    with pytest.raises(FrozenInstanceError):
        s.tuning.sentence_weight = 1.0  # type: ignore[misc]


def test_tuning_is_not_a_user_setting(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("[rag]\ntuning = 1\n", encoding="utf-8")
    with pytest.raises(RagError, match="unknown setting"):
        load_settings({}, config_file=toml, environ={})
    s = load_settings({}, config_file=tmp_path / "none.toml", environ={"RAG_TUNING": "x"})
    assert s.tuning == DEFAULT_TUNING
    with pytest.raises(RagError, match="set in code only"):
        load_settings({"tuning": "sentence_weight=1"}, config_file=tmp_path / "none.toml", environ={})
    custom = Tuning(sentence_weight=1.0)
    assert load_settings({"tuning": custom}, config_file=tmp_path / "none.toml", environ={}).tuning is custom


def test_the_sentence_weight_mixes_chunk_and_best_sentence_cosines(seeds_handle):
    h, q = seeds_handle, "大模型的入场券是多少"

    def dense(weight: float) -> dict[tuple[str, int], float]:
        s = replace(h.settings, tuning=replace(h.settings.tuning, sentence_weight=weight))
        return {(x.chunk.source, x.chunk.start): x.dense for x in retrieve(h.index, h.embedder, q, replace(s, top_k=10), "dense")}

    chunk_only, sentence_only, half = dense(0.0), dense(1.0), dense(0.5)
    assert chunk_only != sentence_only
    for key in set(half) & set(chunk_only) & set(sentence_only):
        assert half[key] == pytest.approx(0.5 * chunk_only[key] + 0.5 * sentence_only[key], abs=1e-5)


def test_the_answerer_reads_only_as_many_passages_as_tuned(seeds_handle):
    h = seeds_handle
    one = replace(h, settings=replace(h.settings, tuning=replace(h.settings.tuning, answer_passages=1)))
    answer = ask(one, "业界普遍认为进入大模型这个行业的入场门票是多少钱?")
    assert not answer.abstained
    first = answer.passages[0].chunk
    assert {(c.source, c.start) for c in answer.citations} == {(first.source, first.start)}
    assert np.isfinite(answer.support)
