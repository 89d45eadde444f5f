"""Does the corpus answer this question?  Two small logistic models, asked in turn.

1. **Is the question about the corpus at all?** (``TOPIC``) — the best sentence's
   support (similarity, on one scale for every model, blended with word coverage),
   whether the question is in another language than the corpus (an English question
   over Chinese text scores lower for the same relevance), and whether a name it uses
   is found around that sentence (``names_found``: an English question about 魔音工坊 or
   通义千问 can match its sentence no better than "What is the capital of France?" matches
   anything, but it names what the corpus names).
2. **Does the corpus say what is asked?** (``ANSWER``) — a *near miss* names something
   the corpus mentions but asks what it never says ("奇妙元是哪一年推出的?" next to the
   sentence announcing 奇妙元, with no year).  Its best sentence is as similar to the
   question as a real answer's, and shares *more* of its words (a near miss reuses the
   corpus's names, a paraphrase avoids them), so similarity and coverage cannot tell
   them apart (dev AUC 0.50 and 0.46).  What can:

   - ``type_match``: does the sentence that best matches the question's content hold
     the kind of answer asked for — a new quantity for "多少/多久", a date for "哪一年/
     when", a name not in the question for "谁/叫什么名字/who", a company for "哪家", a
     place for "总部设在哪座城市", a reason for "为什么" (not a restated claim whose announced
     reasons never come: "人们对此的推测包括:" ending its paragraph) (answer.py, ``AnswerType``)?  1 if it does; else how
     well the best sentence that does hold one matches, relative to it (0: none does).
     A near miss finds its subject in one sentence and the nearest figure in a weaker
     one, about something else.
   - ``entity_coverage``: the share of the question's Latin names found whole around
     the answer sentence ("GPT-4" is not found in a sentence about GPT-3, "Scale AI" not
     in one about another company's valuation); a name as common in the corpus as a word
     (AI) does not count.  For a question in English, its capitalised words known to
     the corpus (Google, RT-2), found as written, in translation (谷歌) or in pinyin
     (王小川 for Wang Xiaochuan), and its figures, found by value ("100 million" in "1 亿";
     figures.py; ``EnglishNames``).

Before either model, a gate: the question must have a word to look up (``looks_up``).
"什么?", "x", "你好", "天气" and "hello" have none the corpus uses, and every sentence is
about as similar to them as to anything; the models, fitted on real questions, would
answer them.

The answerer answers only when the gate is open and both probabilities reach their
thresholds.  Fitted by
``python -m benchmarks.answerability`` on the dev, probe, heldout and blind4 questions
plus a few off-topic ones (benchmarks/data/), which also reports leave-one-out and 5-fold figures
(BENCHMARKS.md).  Signals tried and dropped: best-sentence similarity alone, IDF
coverage of sentence and passage, rare-bigram coverage, dense/BM25 margins and
agreement.  Features are standardised, so a coefficient is log-odds per standard deviation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.text.bilingual import pinyin_names, spells, translations
from rag.text.figures import chinese_figures, english_figures, holds
from rag.text.lexical import CorpusStats as BM25  # the corpus statistics (issue 25 renames the parameters)
from rag.text.lexical import is_english, tokenize

if TYPE_CHECKING:
    from rag.answering.extractive import Candidate

FEATURES = ("support", "cross_lingual", "entity_coverage", "type_match", "looks_up", "names_found")
TOPIC_FEATURES = ("support", "cross_lingual", "names_found")
ANSWER_FEATURES = ("entity_coverage", "type_match")

_LATIN_OR_NUMBER = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ENGLISH_STOP = frozenset("a an the of in on at to for by with from is are was were did do does has have had be "
                          "it its this that and or as".split())


@dataclass(frozen=True)
class Model:
    """A logistic model: its features, their standardisation, coefficients and threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5  # answer when P(answerable) is at least this

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(c * (features[name] - m) / s
                                 for name, m, s, c in zip(self.features, self.mean, self.scale, self.coef))
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Decision:
    on_topic: float  # P(the question is about the corpus)
    answered: float  # P(the corpus says what is asked)
    answer: bool

    @property
    def probability(self) -> float:
        """The weaker of the two: how sure we are that the corpus answers."""
        return min(self.on_topic, self.answered)


def decide(features: dict[str, float], topic: Model | None = None, answer: Model | None = None) -> Decision:
    topic, answer = topic or TOPIC, answer or ANSWER
    p_topic, p_answer = topic.probability(features), answer.probability(features)
    if not features.get("looks_up", 1.0):
        p_topic = 0.0
    return Decision(p_topic, p_answer, p_topic >= topic.threshold and p_answer >= answer.threshold)


# A question in another language shares few words with the corpus: this many words say
# enough for similarity alone to mean something ("hello", "tell me" do not).
_MIN_FOREIGN_WORDS = 3


def looks_up(question: str, bm25: BM25) -> bool:
    """Whether the question has something to look up: a word, not a lone character or
    question word, that the corpus uses; or, in a question without Chinese, enough words.
    No answerable question of any of the question sets fails it."""
    from rag.answering.extractive import content_tokens

    words = [t for t in content_tokens(question) if len(t) > 1]
    if any(t in bm25.vocab for t in words):
        return True
    return is_english(question) and len(words) >= _MIN_FOREIGN_WORDS


# A Latin name, possibly of several words or with a version: GPT-4, Scale AI, PaLM 2.
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[\s\-.]*[A-Za-z0-9]+)*")
_NOT_ALNUM = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


def squash(text: str) -> str:
    """Lower case without spaces or punctuation, so "PaLM 2" finds "PaLM2"."""
    return _NOT_ALNUM.sub("", text.lower())


# A name that says whose article the question means ("the GGV piece", "36氪那篇文章") is
# where the answer was published, not what it is about; nor is a name the question only
# describes its subject by ("那家iPhone制造商", "被看作“GitHub”的社区", "the engineers behind LaMDA").
_SOURCE = re.compile(r"\b[A-Z][\w\-]*(?=\s*(?:'s\s+)?(?:article|piece|interview|story|post)\b)|(?<=\bbehind )[A-Z][\w\-]*|"
                     r"[A-Za-z][\w\-]*(?=\s*(?:那篇|这篇|的文章|文章|报道))|"
                     r"[A-Za-z][\w\-]*(?=\s*的?(?:制造商|厂商|开发商|母公司))|"
                     r"(?:(?<=被看作)|(?<=被视为)|(?<=被称为)|(?<=被誉为)|(?<=堪称))[^,，?？“\"]{0,12}[“\"][A-Za-z][\w\-]*")


def holds_name(name: str, text: str) -> bool:
    """Does ``text`` hold the squashed ``name`` whole, however spaced or punctuated:
    gpt3 is in "GPT-3 发布" and "GPT 3", not in another version ("GPT-3.5", "GPT-35");
    a100 is in "A100GPU" (letters may be glued on)."""
    pattern = _NOT_ALNUM.pattern.replace("+", "*").join(map(re.escape, name))
    return re.search(rf"{pattern}(?!\.?\d)", text.lower()) is not None


def _unsourced(question: str) -> str:
    """``question`` with the names of its sources blanked (same length, same offsets)."""
    return _SOURCE.sub(lambda m: " " * len(m.group()), question)


def specific_names(question: str, bm25: BM25) -> set[str]:
    """The Latin names of a Chinese question, squashed ("GPT-4" → gpt4), except a single
    word as common in the corpus as a word (AI, OpenAI in an article about OpenAI); a
    funding round keeps its 轮 (B轮 → b轮)."""
    from rag.answering.extractive import NAME_MAX_SHARE

    out = set()
    for m in LATIN_RUN.finditer(_unsourced(question)):
        if question[m.end() : m.end() + 1] == "轮":  # a funding round: B轮 is not A轮
            out.add(squash(m.group()) + "轮")
            continue
        words = tokenize(m.group())
        if len(words) == 1 and bm25.df(words[0]) > NAME_MAX_SHARE * bm25.n_docs:
            continue
        out.add(squash(m.group()))
    return out


# In English a name is capitalised or holds a digit (Google, RT-2, OpenAI), with its
# hyphenated parts and decimals (GPT-3.5); the question's first word is capitalised anyway.
_ENGLISH_NAME = re.compile(r"\b[A-Za-z]*(?:[A-Z]|\d)[A-Za-z0-9]*(?:(?:-|(?<=\d)\.(?=\d))[A-Za-z0-9]+)*")


def named_terms(question: str, bm25: BM25) -> set[str]:
    """The names of an English question that the corpus knows, as tokens ("GPT-4" → gpt,
    4; "Scale AI" → scale, ai): capitalised words or words with digits, minus its first
    word, English function words, single letters, figures (``english_figures``) and a
    single word as common in the corpus as a word (AI, OpenAI in an article about it)."""
    from rag.answering.extractive import NAME_MAX_SHARE

    for figure in english_figures(question):
        question = question.replace(figure, " ")
    question = _unsourced(question)
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
    """An English question's names and figures, read once, to be looked for in Chinese:
    a name as written, in translation (Google: 谷歌) or in pinyin (Wang Xiaochuan: 王小川,
    and only whole); a Chinese word as written (魔音工坊); a figure by its value (100 million: 1 亿)."""

    names: frozenset[str]  # named_terms, and the question's Chinese words
    translated: tuple[tuple[str, tuple[str, ...]], ...]  # a name and its Chinese words
    runs: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...]  # pinyin run, its syllables, its named tokens
    figures: tuple[float, ...]
    passages: str  # the retrieved text: a pinyin name it never spells is not the corpus's

    @classmethod
    def of(cls, question: str, bm25: BM25, passages: str) -> EnglishNames:
        chinese = frozenset(_CJK_RUN.findall(question))  # 魔音工坊 in an English question, found as written
        names = frozenset(named_terms(question, bm25))
        runs = tuple((run, syllables, frozenset(t for t in tokenize(run) if t in names))
                     for run, syllables in pinyin_names(question))
        translated = tuple((t, tuple(translations(t, bm25))) for t in sorted(names)) + tuple((w, (w,)) for w in sorted(chinese))
        return cls(names | chinese, translated, runs,
                   tuple(english_figures(question).values()), passages)

    def found(self, text: str) -> tuple[int, int, int]:
        """How many names ``text`` holds, how many names and figures, and out of how many."""
        tokens = set(tokenize(text))
        found_names = {t for t, chinese in self.translated if t in tokens or any(w in text for w in chinese)}
        extra = found_extra = 0
        for run, syllables, words in self.runs:
            if spells(syllables, text):
                found_names |= words
                extra, found_extra = extra + (not words), found_extra + (not words)
            elif words and len(run.split()) > 1 and squash(run) not in squash(text):
                found_names -= words  # "Wang Huiwen" is not found in "Alexandr Wang"
            elif not words and spells(syllables, self.passages):
                extra += 1
        values = chinese_figures(text)
        named = len(found_names) + found_extra
        return named, named + sum(1 for v in self.figures if holds(values, v)), len(self.names) + extra + len(self.figures)

    def misnames(self, text: str) -> bool:
        """Does ``text`` name someone else who shares part of a name ("Alexandr Wang" for
        "Wang Huiwen"): a word of a pinyin name as written, but not the whole name?"""
        tokens = set(tokenize(text))
        return any(words & tokens and len(run.split()) > 1 and squash(run) not in squash(text)
                   and not spells(syllables, text) for run, syllables, words in self.runs)

    def coverage(self, text: str) -> float:
        """The share of the names and figures that ``text`` holds (0 without any)."""
        _, found, total = self.found(text)
        return found / total if total else 0.0


def _context(best: Candidate, candidates: list[Candidate]) -> str:
    """The answer sentence with its neighbours in the same passage."""
    same = sorted((c for c in candidates if c.hit_rank == best.hit_rank), key=lambda c: c.start)
    i = next(k for k, c in enumerate(same) if c.start == best.start)
    return "".join(c.text for c in same[max(0, i - 1) : i + 2])


# A question in another language is matched by similarity alone, which ranks a
# passage's sentences less surely: any of its best few may be the one that answers, if
# it matches at least half as well as the best (within half the best's magnitude of
# it, when even the best matches below the similarity baseline).  The dev question on GPT-3.5's parameter
# count finds its figure fifth, at 0.58 of the best; "How many parameters does GPT-4
# have?" finds only 5+8 等于多少 (0.22), "Who founded Moveworks?" only RPA (0.35).
CROSS_LINGUAL_TOP = 5
CROSS_LINGUAL_RATIO = 0.5


def _type_match(candidates: list[Candidate], cross_lingual: bool) -> float:
    """How well the best sentence holding the asked-for kind of answer matches the
    question's content, relative to the sentence that matches it best (1: that one holds
    it; 0: none does).  A near miss finds its subject in one sentence, and the nearest
    figure or date in a weaker one, about something else."""
    ranked = sorted(candidates, key=lambda c: -c.match)
    by_match = ranked[0]
    if ranked[0].type_match or (cross_lingual and any(
            c.type_match and c.match >= by_match.match - (1 - CROSS_LINGUAL_RATIO) * abs(by_match.match)
            for c in ranked[:CROSS_LINGUAL_TOP])):
        return 1.0
    typed = [c.match for c in candidates if c.type_match]
    if not typed or by_match.match <= 0:
        return 0.0
    return max(0.0, min(1.0, max(typed) / by_match.match))


def features(question: str, candidates: list[Candidate], bm25: BM25, cross_lingual: bool) -> dict[str, float]:
    """The signals for the answer sentence ``candidates[0]``."""
    best = candidates[0]
    type_match = _type_match(candidates, cross_lingual)
    around = _context(best, candidates)
    if is_english(question):  # the names are its capitalised words, Chinese words and figures
        named, found, total = EnglishNames.of(question, bm25, "".join(c.text for c in candidates)).found(around)
    else:  # a Latin name is found whole: GPT-3 is not GPT-4
        names = specific_names(question, bm25)
        found, total = sum(1 for name in names if holds_name(name, around)), len(names)
        named = found
    return {
        "support": max(c.support for c in candidates),
        "cross_lingual": 1.0 if cross_lingual else 0.0,
        "entity_coverage": found / total if total else 1.0,
        "type_match": type_match,
        "looks_up": 1.0 if looks_up(question, bm25) else 0.0,
        "names_found": 1.0 if named else 0.0,
    }


# Fitted by python -m benchmarks.answerability (dev + probe + heldout + blind4 questions
# and off-topic ones); each threshold is the highest that keeps 97.5% (topic) / 97.5% (answer)
# of the answerable training questions answered.
TOPIC = Model(TOPIC_FEATURES, mean=(0.4679, 0.16, 0.34), scale=(0.2396, 0.3666, 0.4737),
              coef=(2.827, 0.982, 0.926), intercept=4.718, threshold=0.851)
ANSWER = Model(ANSWER_FEATURES, mean=(0.9179, 0.8715), scale=(0.2654, 0.2727),
               coef=(1.717, 2.929), intercept=1.455, threshold=0.83)
