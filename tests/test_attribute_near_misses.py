"""The made near misses that ask an entity what the corpus never says of it
(benchmarks/answer_data.py, kind ``attribute``): general over corpora, titles or not."""

from __future__ import annotations

import numpy as np

from benchmarks.answer_data import Mentions, attribute_questions, attribute_words, names
from rag.text.lexical import BM25, tokenize

FILLER = [f"第{i}段讲的是天气和城市里的公园、道路与河流的变化。" for i in range(20)]
FILES = {
    "a.txt": "Adept是一家美国创企。Adept去年拿下了3.5亿美元的A轮融资，金额由General Catalyst领投。",
    "b.txt": "Hugging Face是开源社区。Hugging Face上有很多模型，开发者在社区里分享代码。",
    "c.txt": "Cohere的创始人来自谷歌。Cohere今年的融资金额超过2亿美元。",
}
QUESTIONS = [
    {"id": "q1", "question": "Adept拿下的A轮融资金额是多少?", "kind": "answerable", "doc": "a.txt"},
    {"id": "q2", "question": "Hugging Face上的开发者分享什么?", "kind": "answerable", "doc": "b.txt"},
    {"id": "q3", "question": "Cohere的创始人来自哪家公司?", "kind": "answerable", "doc": "c.txt"},
    {"id": "q4", "question": "天气怎么样?", "kind": "unanswerable", "doc": None},
]
# Cohere is the name most like Adept (two start-ups that raised money), Hugging Face less so
VECTORS = {"Adept": [1.0, 0.0, 0.0], "Cohere": [0.9, 0.3, 0.0], "Hugging Face": [0.6, 0.0, 0.8]}


def _embed(texts: list[str]) -> np.ndarray:
    v = np.array([VECTORS[t] for t in texts], dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _made() -> list:
    mentions = Mentions(dict(FILES))
    bm25 = BM25.build([*FILLER, *(s for text in FILES.values() for s in text.split("。") if s)])
    return list(attribute_questions(QUESTIONS, mentions, bm25, _embed))


def test_a_question_is_asked_of_the_most_similar_name_that_the_corpus_never_gives_it_for() -> None:
    made = {a.source["id"]: a for a in _made()}
    # Cohere is more like Adept, but the corpus gives Cohere's funding (融资金额 near it): not a near miss
    assert made["q1"].question == "Hugging Face拿下的A轮融资金额是多少?"
    assert (made["q1"].name, made["q1"].other) == ("Adept", "Hugging Face")
    assert {"融资", "金额"} <= set(made["q1"].wanted)


def test_what_is_asked_occurs_nowhere_near_the_new_name_and_only_answerable_questions_are_asked() -> None:
    made = _made()
    assert made and all(a.source["kind"] == "answerable" for a in made)
    for a in made:
        near = {t for f in FILES.values() for i in range(len(f)) if f.startswith(a.other, i)
                for t in tokenize(f[max(0, i - 300) : i + len(a.other) + 300])}
        assert not set(a.wanted) & near, a
        assert a.other in a.question and a.name not in a.question


def test_names_are_latin_names_and_tagged_persons_places_organisations_in_either_script() -> None:
    assert ("GPT-4", "latin") in names("GPT-4和Scale AI的估值是多少?")
    assert ("Scale AI", "latin") in names("GPT-4和Scale AI的估值是多少?")
    assert names("what is it?") == []  # plain English words are not names
    assert ("北京", "place") in names("北京的人口是多少?")
    assert ("臺北", "place") in names("臺北的人口是多少?")  # read in simplified script, kept in its own


def test_a_piece_of_a_longer_name_is_not_a_name_of_its_own() -> None:
    mentions = Mentions({"x.txt": "乌尔巴克齿龙是恐龙。乌尔巴克齿龙生活在白垩纪。王小川创办了搜狗。"})
    assert not mentions.whole("巴克", "乌尔巴克齿龙生活在什么时候?")  # every 巴克 of the corpus is in 乌尔巴克齿龙
    assert not mentions.whole("小川", "王小川创办了哪家公司?")
    assert mentions.whole("乌尔巴克齿龙", "乌尔巴克齿龙生活在什么时候?")


def test_the_words_asked_leave_out_the_name_question_words_and_what_most_passages_hold() -> None:
    bm25 = BM25.build([*FILLER, "Adept的融资金额是多少。"])
    words = attribute_words("城市里的融资金额是多少?", bm25)
    assert {"融资", "金额"} <= words
    assert "多少" not in words  # a question word
    assert "城市" in bm25.vocab and "城市" not in words  # in most passages: says nothing of what is asked
