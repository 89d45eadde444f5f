"""An English question's names and figures, found in Chinese text.

An English question over a Chinese corpus shares no words with its sentences, so word
overlap says nothing; what it can find is its names and figures: a name as written
(RT-2), in translation (Google: 谷歌, from the bilingual dictionary), in pinyin (Wang
Xiaochuan: 王小川, and only whole), a Chinese word it quotes (魔音工坊), and a figure by its
value (100 million: 1 亿).  The share found stands in for word coverage in the answer
layer's signals (:mod:`rag.answering.features`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.bilingual import pinyin_names, spells, translations
from rag.text.figures import chinese_figures, english_figures, holds
from rag.text.lexical import CorpusStats, tokenize

_LATIN_OR_NUMBER = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ENGLISH_STOP = frozenset("a an the of in on at to for by with from is are was were did do does has have had be "
                          "it its this that and or as".split())
# In English a name is capitalised or holds a digit (Google, RT-2, OpenAI), with its
# hyphenated parts and decimals (GPT-3.5); the question's first word is capitalised anyway.
_ENGLISH_NAME = re.compile(r"\b[A-Za-z]*(?:[A-Z]|\d)[A-Za-z0-9]*(?:(?:-|(?<=\d)\.(?=\d))[A-Za-z0-9]+)*")
_NOT_ALNUM = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
# A word in more of the passages than this is a common word of the corpus, not a name (AI).
NAME_MAX_SHARE = 0.1


def squash(text: str) -> str:
    """Lower case without spaces or punctuation, so "PaLM 2" finds "PaLM2"."""
    return _NOT_ALNUM.sub("", text.lower())


def named_terms(question: str, bm25: CorpusStats) -> set[str]:
    """The names of an English question that the corpus knows, as tokens ("GPT-4" → gpt,
    4): capitalised words or words with digits, minus its first word, function words,
    single letters, figures and a single word as common in the corpus as a word."""
    for figure in english_figures(question):
        question = question.replace(figure, " ")
    first = re.match(r"\W*([A-Za-z]+)", question)
    names = [m.group() for m in _ENGLISH_NAME.finditer(question)
             if not (first and m.start() == first.start(1) and m.group()[1:].islower())]
    out: set[str] = set()
    for name in names:
        words = [t for t in tokenize(name) if _LATIN_OR_NUMBER.fullmatch(t) and t not in _ENGLISH_STOP and len(t) > 1]
        if len(words) == 1 and bm25.df(words[0]) > NAME_MAX_SHARE * bm25.n_docs:
            continue
        out.update(t for t in words if t in bm25.vocab)
    return out


@dataclass(frozen=True)
class EnglishNames:
    """An English question's names and figures, read once, to be looked for in Chinese."""

    names: frozenset[str]  # named_terms, and the question's Chinese words
    translated: tuple[tuple[str, tuple[str, ...]], ...]  # a name and its Chinese words
    runs: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...]  # pinyin run, its syllables, its named tokens
    figures: tuple[float, ...]

    @classmethod
    def of(cls, question: str, bm25: CorpusStats) -> EnglishNames:
        chinese = frozenset(_CJK_RUN.findall(question))
        names = frozenset(named_terms(question, bm25))
        runs = tuple((run, syllables, frozenset(t for t in tokenize(run) if t in names))
                     for run, syllables in pinyin_names(question))
        translated = tuple((t, tuple(translations(t, bm25))) for t in sorted(names)) + tuple((w, (w,)) for w in sorted(chinese))
        return cls(names | chinese, translated, runs, tuple(english_figures(question).values()))

    def coverage(self, text: str) -> float:
        """The share of the names and figures that ``text`` holds (0 without any)."""
        tokens = set(tokenize(text))
        found = {t for t, chinese in self.translated if t in tokens or any(w in text for w in chinese)}
        extra = 0
        for run, syllables, words in self.runs:
            if spells(syllables, text):
                found |= words
                extra += not words
            elif words and len(run.split()) > 1 and squash(run) not in squash(text):
                found -= words  # "Wang Huiwen" is not found in "Alexandr Wang"
        values = chinese_figures(text)
        total = len(self.names) + sum(1 for _, _, w in self.runs if not w) + len(self.figures)
        hit = len(found) + extra + sum(1 for v in self.figures if holds(values, v))
        return min(1.0, hit / total) if total else 0.0
