"""Loading a corpus: encodings, skipped files, and offsets that never move."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.ingest.chunker import chunk_corpus, chunk_document, split_sentences
from rag.ingest.loader import load_corpus

from .conftest import SEEDS


def test_every_chunk_of_the_real_corpus_round_trips_to_the_file_text():
    docs, skipped = load_corpus(SEEDS)
    assert [d.source for d in docs] == sorted(f"seeds/{p.name}" for p in SEEDS.glob("*.txt"))
    assert skipped == []
    by_source = {d.source: d for d in docs}
    chunks = chunk_corpus(docs, size=260, overlap=80)
    assert len(chunks) > 100
    for c in chunks:
        file_text = (SEEDS.parent / c.source).read_text(encoding="utf-8")
        assert c.text == file_text[c.start : c.end] == by_source[c.source].text[c.start : c.end]


def test_gb18030_and_bom_files_decode_and_say_which_encoding(tmp_path: Path, caplog):
    (tmp_path / "legacy.txt").write_bytes("大模型的入场门票是十亿元。".encode("gb18030"))
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf" + "带BOM的文件。".encode())
    with caplog.at_level(logging.INFO, logger="rag.ingest.loader"):
        docs, _ = load_corpus(tmp_path)
    by_name = {d.source.rsplit("/", 1)[-1]: d for d in docs}
    assert by_name["legacy.txt"].text == "大模型的入场门票是十亿元。"
    assert by_name["legacy.txt"].encoding == "gb18030"
    assert by_name["bom.md"].text == "带BOM的文件。"  # BOM is not part of the text, so offsets start at 0
    assert by_name["bom.md"].encoding == "utf-8-sig"
    assert "gb18030" in caplog.text


def test_binary_empty_and_unrelated_files_are_skipped_with_a_warning(tmp_path: Path, caplog):
    (tmp_path / "ok.txt").write_text("有内容。", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a document")
    with caplog.at_level(logging.WARNING, logger="rag.ingest.loader"):
        docs, skipped = load_corpus(tmp_path)
    assert [d.source.rsplit("/", 1)[-1] for d in docs] == ["ok.txt"]
    reasons = {s.source.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert set(reasons) == {"empty.txt", "image.txt", "notes.pdf"}  # photo.jpg is not a document: ignored
    assert "binary" in reasons["image.txt"]
    assert reasons["notes.pdf"].startswith("corrupt PDF")
    assert "image.txt" in caplog.text and "empty.txt" in caplog.text


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path: Path):
    with pytest.raises(RagError, match="not found"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "only.bin").write_bytes(b"\x00\x01")
    with pytest.raises(RagError, match="no readable"):
        load_corpus(tmp_path)


def test_sources_are_relative_to_the_corpus_parent_and_recursive(tmp_path: Path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "sub" / "deep.md").write_text("深层文件。", encoding="utf-8")
    docs, _ = load_corpus(tmp_path / "docs")
    assert [d.source for d in docs] == ["docs/sub/deep.md"]


def test_sentences_split_on_both_widths_but_not_inside_numbers():
    text = "GPT-3.5 的阈值是 600 亿。真的吗？是的! 价格 0.002 美元; 结束…\n下一行"
    pieces = [text[s.start : s.end] for s in split_sentences(text)]
    assert pieces == ["GPT-3.5 的阈值是 600 亿。", "真的吗？", "是的!", "价格 0.002 美元;", "结束…", "下一行"]


def test_chunks_respect_size_keep_whole_sentences_and_overlap(tmp_path: Path):
    from rag.ingest.loader import Document

    text = "".join(f"这是第{i}句话，内容稍微长一点。" for i in range(40))
    doc = Document("d/x.txt", text, "utf-8", "0")
    chunks = chunk_document(doc, size=60, overlap=20)
    ends = {s.end for s in split_sentences(text)}
    for a, b in zip(chunks, chunks[1:]):
        assert len(a.text) <= 60
        assert a.end in ends  # never cut inside a sentence
        assert b.start < a.end  # neighbours overlap
    assert chunks[-1].end == len(text)


def test_a_sentence_longer_than_a_chunk_is_cut_at_commas():
    from rag.ingest.loader import Document

    text = "，".join(["很长的从句"] * 60) + "。"
    chunks = chunk_document(Document("d/x.txt", text, "utf-8", "0"), size=50, overlap=10)
    assert all(len(c.text) <= 50 for c in chunks)
    assert "".join(c.text for c in chunks) == text
