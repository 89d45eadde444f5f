"""Shared fixtures: the real corpus indexed once per test session (≈6 s), reused read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.config import Settings, load_settings
from rag.indexing.handle import Handle, open_handle, rebuild

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"


def make_settings(corpus: Path, index: Path, **extra) -> Settings:
    """Settings for a test, ignoring any rag.toml or RAG_* variables of the developer."""
    return load_settings({"corpus": corpus, "index": index, **extra}, config_file=Path("/nonexistent"), environ={})


@pytest.fixture(scope="session")
def seeds_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose index over a copy of seeds/ is already built. Do not modify it."""
    base = tmp_path_factory.mktemp("seeds-index")
    corpus = base / "seeds"
    shutil.copytree(SEEDS, corpus)
    settings = make_settings(corpus, base / "index")
    rebuild(settings)
    return settings


@pytest.fixture(scope="session")
def seeds_handle(seeds_settings: Settings) -> Handle:
    return open_handle(seeds_settings)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A three-file corpus to build and break freely in one test."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("大模型的训练成本很高。业界普遍认为入场门票是10亿元人民币。\n第二段讲别的事情。", encoding="utf-8")
    (corpus / "b.md").write_text("# 标题\n\nHugging Face 上拥有超过 27 万的模型。开源社区很活跃！", encoding="utf-8")
    (corpus / "c.txt").write_text("亚马逊占有 48.9% 的市场份额。微软紧随其后。", encoding="utf-8")
    return corpus
