"""The index on disk: incremental, atomic, self-checking, and free of pickles."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from rag.errors import IndexMissing, RagError
from rag.indexing.build import build_index
from rag.indexing.handle import embedder_for
from rag.ingest.loader import load_document
from rag.stores.faiss import live_version, load_index
from rag.text import lexical

from .conftest import make_settings


@dataclass
class CountingEmbedder:
    """The real default embedder, counting how many texts it is asked to embed."""

    inner: object
    texts: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts):
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture
def counting():
    return CountingEmbedder(embedder_for(make_settings(Path("."), Path("."))))


def test_build_then_load_gives_consistent_chunks_vectors_and_offsets(small_corpus, tmp_path, counting):
    s = make_settings(small_corpus, tmp_path / "index")
    report = build_index(s, counting)
    assert (report.files, report.added, report.removed) == (3, ["docs/a.txt", "docs/b.md", "docs/c.txt"], [])
    index = load_index(s, counting)
    assert len(index.chunks) == report.chunks == len(index.vectors) == index.faiss.ntotal
    for c in index.chunks:
        # offsets into the text the loader produced: the file itself for .txt, rendered text for .md
        assert load_document(small_corpus.parent / c.source, small_corpus).text[c.start : c.end] == c.text
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-4)


def test_unchanged_corpus_rebuild_embeds_nothing_and_writes_nothing(small_corpus, tmp_path, counting):
    s = make_settings(small_corpus, tmp_path / "index")
    build_index(s, counting)
    version = live_version(s.index)
    counting.texts.clear()
    report = build_index(s, counting)
    assert report.up_to_date and counting.texts == []
    assert live_version(s.index) == version


def test_rebuild_reembeds_only_changed_and_added_files_and_drops_removed(small_corpus, tmp_path, counting):
    s = make_settings(small_corpus, tmp_path / "index")
    build_index(s, counting)
    before = load_index(s, counting)
    (small_corpus / "a.txt").write_text("内容改了。新的句子在这里。", encoding="utf-8")
    (small_corpus / "c.txt").unlink()
    (small_corpus / "d.txt").write_text("新加的文件。", encoding="utf-8")
    counting.texts.clear()
    report = build_index(s, counting)
    assert (report.changed, report.added, report.removed, report.unchanged) == (
        ["docs/a.txt"], ["docs/d.txt"], ["docs/c.txt"], ["docs/b.md"])
    # the index embeds sentences (chunk vectors derive from them): only those of a.txt and d.txt
    assert counting.texts == ["内容改了。", "新的句子在这里。", "新加的文件。"]
    after = load_index(s, counting)
    assert {c.source for c in after.chunks} == {"docs/a.txt", "docs/b.md", "docs/d.txt"}
    old_b = [i for i, c in enumerate(before.chunks) if c.source == "docs/b.md"]
    new_b = [i for i, c in enumerate(after.chunks) if c.source == "docs/b.md"]
    assert np.array_equal(before.vectors[old_b], after.vectors[new_b])  # reused, not re-embedded


def test_two_builds_at_once_take_turns_and_the_second_finds_the_index_up_to_date(small_corpus, tmp_path,
                                                                                  counting):
    import threading
    import time

    class Slow(CountingEmbedder):
        def embed(self, texts):
            time.sleep(0.5)  # long enough for the other build to start meanwhile
            return super().embed(texts)

    s = make_settings(small_corpus, tmp_path / "index")
    builders = [Slow(counting.inner), Slow(counting.inner)]
    reports = []
    threads = [threading.Thread(target=lambda e=e: reports.append(build_index(s, e))) for e in builders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.up_to_date for r in reports) == [False, True]
    assert sorted(len(e.texts) for e in builders)[0] == 0  # the second embedded nothing
    assert len([p for p in s.index.iterdir() if p.name.startswith("v-")]) == 1
    assert len(load_index(s, counting).chunks) == reports[0].chunks


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_build_that_fails_midway_leaves_the_old_index_loadable(small_corpus, tmp_path, counting,
                                                                  monkeypatch, failure):
    s = make_settings(small_corpus, tmp_path / "index")
    build_index(s, counting)
    old = load_index(s, counting)
    (small_corpus / "a.txt").write_text("全新的内容。", encoding="utf-8")

    def explode(*args, **kwargs):
        raise failure

    monkeypatch.setattr(lexical.BM25, "from_postings", explode)  # fails after chunks and vectors are written
    with pytest.raises(type(failure)):
        build_index(s, counting)
    monkeypatch.undo()
    survivor = load_index(s, counting)
    assert [c.text for c in survivor.chunks] == [c.text for c in old.chunks]
    assert not [p for p in s.index.iterdir() if p.name.startswith(".building-")]


def test_index_files_load_without_unpickling_anything(small_corpus, tmp_path, counting, monkeypatch):
    s = make_settings(small_corpus, tmp_path / "index")
    build_index(s, counting)
    version = live_version(s.index)
    for path in version.iterdir():
        assert not path.read_bytes().startswith(b"\x80"), f"{path.name} looks like a pickle"
        if path.suffix in (".npy", ".npz"):
            np.load(path, allow_pickle=False)
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))

    def forbidden(*args, **kwargs):
        raise AssertionError("index loading tried to unpickle")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    assert load_index(s, counting).chunks


def test_missing_index_says_to_run_rag_index(tmp_path, counting):
    with pytest.raises(IndexMissing, match="rag index"):
        load_index(make_settings(tmp_path, tmp_path / "none"), counting)


def test_the_manifest_records_the_corpus_folder_and_skips_fields_of_later_versions(small_corpus, tmp_path, counting):
    s = make_settings(small_corpus, tmp_path / "index")
    build_index(s, counting)
    version = live_version(s.index)
    assert version is not None
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corpus"] == str(small_corpus.resolve())
    manifest["recorded_by_a_later_version"] = {"anything": 1}
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert load_index(s, counting).manifest.corpus == str(small_corpus.resolve())


def test_index_built_with_other_chunking_is_refused(small_corpus, tmp_path, counting):
    build_index(make_settings(small_corpus, tmp_path / "index"), counting)
    with pytest.raises(RagError, match="chunk size .*rag index"):
        load_index(make_settings(small_corpus, tmp_path / "index", chunk_size=120, chunk_overlap=20), counting)


@pytest.mark.parametrize("damage", ["truncate_vectors", "garbage_manifest", "drop_faiss", "dangling_pointer",
                                    "garbage_chunks"])
def test_corrupt_or_half_written_index_is_a_clear_error(small_corpus, tmp_path, counting, damage):
    s = make_settings(small_corpus, tmp_path / "index")
    build_index(s, counting)
    version = live_version(s.index)
    if damage == "truncate_vectors":
        data = (version / "vectors.npy").read_bytes()
        (version / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif damage == "garbage_manifest":
        (version / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "drop_faiss":
        (version / "dense.faiss").unlink()
    elif damage == "dangling_pointer":
        (s.index / "CURRENT").write_text("v-missing\n", encoding="utf-8")
    elif damage == "garbage_chunks":
        path = version / "chunks.jsonl"
        size = path.stat().st_size
        path.write_bytes(b"x" * size)  # same size, wrong content
    with pytest.raises(RagError, match="rag index") as info:
        load_index(s, counting)
    assert "\n" not in str(info.value)
    # and a rebuild repairs it
    build_index(s, counting)
    assert load_index(s, counting).chunks
