"""General signals of a question and the sentences of its retrieved passages.

Nothing here names an entity, a topic or a corpus: the signals are meaning (e5 cosines,
rescaled so that "unrelated" reads 0 for any embedder), word overlap weighted by the
corpus's own IDF (characters, bigrams and Latin words, so they hold in simplified and
traditional script alike), what kind of answer the question asks for (read from a
general list of interrogatives, in both scripts and English, and from the question's
embedding: rag.answering.asked), and what kind of thing a
sentence holds (figures, in digits or Chinese numerals, and words the question lacks),
and how well the short-answer span model finds an answer in the best sentence.
Which of them matter, and how they combine, is learned (benchmarks/train_answerer.py).

:func:`sentence_features` gives one row per candidate sentence (the scorer's input);
:func:`question_features` one row per question, from the scored candidates (the judge's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from rag.answering.english import EnglishNames
from rag.answering.short_answer import normalise, span_confidence, tables
from rag.records import Hit
from rag.text.lexical import CorpusStats, across_scripts, is_english, tokenize

# What the question asks for.  A general list of interrogatives (simplified, traditional,
# English); a question may ask several (哪一年: which and when).
QUESTION_TYPES: dict[str, re.Pattern[str]] = {
    "who": re.compile(r"谁|誰|哪位|何人|什么人|什麼人|甚麼人|\bwho(?:se|m)?\b", re.I),
    "when": re.compile(r"何时|何時|什么时候|什麼時候|甚麼時候|哪一?年|哪一?天|哪一?个?月|哪一?個?月|几月|幾月|几号|幾號|"
                       r"哪个朝代|哪個朝代|年代|\bwhen\b|\bwhat (?:year|date|day|month)\b", re.I),
    "where": re.compile(r"哪里|哪裡|哪儿|哪兒|何处|何處|何地|在哪|哪个国家|哪個國家|哪国|哪國|哪座|\bwhere\b", re.I),
    "number": re.compile(r"多少|几|幾|多久|多长|多長|多大|多高|多远|多遠|多重|\bhow (?:many|much|long|old|far|big)\b", re.I),
    "why": re.compile(r"为什么|為什麼|為甚麼|为何|為何|原因|\bwhy\b", re.I),
    "how": re.compile(r"怎么|怎麼|怎样|怎樣|如何|\bhow\b(?! (?:many|much|long|old|far|big))", re.I),
    "which": re.compile(r"哪|\bwhich\b", re.I),
    "name": re.compile(r"叫什么|叫甚麼|叫什麼|名字|名称|名稱|名叫|称为|稱為|叫做|\b(?:called|named|name)\b", re.I),
    "what": re.compile(r"什么|什麼|甚么|甚麼|何(?!时|時|处|處|地|人)|\bwhat\b", re.I),
    "whether": re.compile(r"是否|是不是|有没有|有沒有|能否|会不会|會不會|吗|嗎|^\s*(?:is|are|was|were|does|do|did|can|has|have)\b", re.I),
}
# Question words carry no content: a sentence need not contain 多少 to answer it.
_QUESTION_WORDS = re.compile(r"为什么|為什麼|為甚麼|为何|為何|什么|什麼|甚麼|甚么|多少|哪|几|幾|吗|嗎|呢|如何|怎么|怎麼|怎样|怎樣|"
                             r"是否|谁|誰|\b(?:what|why|how|which|when|who|whom|whose|where)\b", re.I)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_CN_NUMBER = re.compile(r"[零〇一二两兩三四五六七八九十百千万萬亿億]{2,}|"
                        r"[二两兩三四五六七八九十百千万萬亿億](?=[个個位种種次年岁歲名人项項条條座部届屆家所成倍])|"
                        r"[一二三四五六七八九十百千万萬]分之[零〇一二两兩三四五六七八九十百]")
_SPACE = re.compile(r"\s+")
_ALNUM = re.compile(r"[0-9a-z]")
WORD_ODDS = range(1, 5)  # boundary buckets of a character pair inside a word (rag.answering.short_answer.Tables)

SENTENCE_FEATURES = (
    *(f"q_{t}" for t in QUESTION_TYPES), "q_english", "q_cross", "q_known", "q_chars", "q_figure",
    "sim", "sim_gap", "sim_rank", "cov", "cov_gap", "cov_rank", "cov_bigram", "cov_rare", "cov_context",
    "cov_passage", "common_run", "novelty", "novel_rare",
    "miss_word", "miss_words", "miss_alnum", "cov_subject", "subject_gain", "miss_subject",
    "s_chars", "s_digits", "s_new_number",
    "p_rank", "p_dense", "p_lexical", "p_score",
)


@dataclass(frozen=True)
class Sentence:
    """One candidate: the hit it is read from, its absolute span and text."""

    hit_rank: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Question:
    """A question read once: its content terms with their IDF, its types, its language."""

    text: str
    terms: dict[str, float]  # content tokens -> IDF (unknown to the corpus: the maximum)
    rare: frozenset[str]  # its rarest few content terms
    types: dict[str, float]
    english: bool
    known: float  # share of its tokens the corpus knows
    squashed: str  # without spaces and question words, for the common-run signal
    words: frozenset[str] = frozenset()  # content bigrams that read as (part of) a dictionary word
    alnum: frozenset[str] = frozenset()  # content figures and Latin words (GPT, 4, B)
    unknown: float = 0.0  # share of ``words`` the corpus never uses: it cannot hold what they name
    figure: float = float("nan")  # P(it asks for a figure), read from its vector (rag.answering.asked); NaN: unknown

    @classmethod
    def read(cls, question: str, bm25: CorpusStats, figure: float = float("nan")) -> Question:
        tokens = tokenize(question)
        known = sum(1 for t in tokens if t in bm25.vocab) / len(tokens) if tokens else 0.0
        unknown = bm25.max_idf()
        terms = {t: (bm25.idf(t) if t in bm25.vocab else unknown) for t in sorted(set(content_tokens(question)))}
        # ties by the term itself: set order changes with PYTHONHASHSEED, and answers with it
        specific = sorted((t for t in terms if len(t) > 1 or not _is_cjk_char(t)), key=lambda t: (-terms[t], t))
        types = {name: 1.0 if p.search(question) else 0.0 for name, p in QUESTION_TYPES.items()}
        squashed = _SPACE.sub("", _QUESTION_WORDS.sub(" ", question)).lower()
        words = frozenset(t for t in terms if t in _word_bigrams(question))
        alnum = frozenset(t for t in terms if _ALNUM.match(t))
        unknown = sum(1 for t in words if t not in bm25.vocab) / len(words) if words else 0.0
        return cls(question, terms, frozenset(specific[:3]), types, is_english(question), known, squashed,
                   words, alnum, unknown, figure)


def _word_bigrams(text: str) -> set[str]:
    """The character pairs of ``text`` that a dictionary has inside its words (重组, 晶圆,
    not 组后 or 名员): bigram tokens cross word boundaries, and a missing cross-boundary
    bigram says nothing.  Read in simplified script, so both scripts agree."""
    t = tables()
    odds = t.boundaries(normalise(text, t))
    return {text[i - 1 : i + 1].lower() for i in range(1, len(text)) if odds[i] in WORD_ODDS}


def _is_cjk_char(token: str) -> bool:
    return len(token) == 1 and "\u3400" <= token <= "\uffff"


def content_tokens(question: str) -> list[str]:
    """The question's tokens without its question words, which carry no content."""
    return tokenize(_QUESTION_WORDS.sub(" ", question))


def bare_term(question: str, bm25: CorpusStats, max_parts: int = 3, max_chars: int = 12) -> tuple[str, ...]:
    """The parts of a bare name or term the corpus uses ("Hugging Face" → hugging, face;
    大模型), or () for a question.  Typed alone, a term asks where the corpus speaks of
    it: the judge learned from questions, and a term asks for no kind of answer."""
    if "?" in question or "？" in question or any(p.search(question) for p in QUESTION_TYPES.values()):
        return ()
    parts = tuple(question.lower().split())
    if not parts or len(parts) > max_parts or sum(len(x) for x in parts) > max_chars:
        return ()
    used = all(all(t in bm25.vocab for t in tokenize(x) if len(t) > 1 or not _is_cjk_char(t)) for x in parts)
    return parts if used and looks_up(question, bm25) else ()


def looks_up(question: str, bm25: CorpusStats, min_foreign_words: int = 3) -> bool:
    """Whether the question has something to look up: a word (not a lone character or a
    question word) the corpus uses; or, for a question without Chinese, enough words.
    "什么?", "x", "你好" and "hello" have none, and every sentence is about as similar to
    them as to anything."""
    words = [t for t in content_tokens(question) if len(t) > 1]
    if any(t in bm25.vocab for t in words):
        return True
    return is_english(question) and len(words) >= min_foreign_words


def coverage(terms: dict[str, float], tokens: set[str]) -> float:
    """Share of the question's IDF mass whose terms occur in ``tokens``."""
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in tokens) / total if total else 0.0


def figures_of(text: str) -> set[str]:
    """The figures of ``text``, in digits or Chinese numerals (两百一十万, 三成, 千分之一):
    reports and contracts write both.  Dates count too: keeping them apart paid on no
    corpus (benchmarks/sections/answerer.md)."""
    return ({m.group().replace(",", "") for m in _DIGITS.finditer(text)}
            | {m.group() for m in _CN_NUMBER.finditer(text)})


def _rank(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, 1 for the next …, capped at 10."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return np.minimum(ranks, 10.0)


def sentence_features(question: Question, sentences: list[Sentence], cosines: np.ndarray, hits: list[Hit],
                      bm25: CorpusStats, similarity_floor: float) -> np.ndarray:
    """One row of :data:`SENTENCE_FEATURES` per sentence."""
    n = len(sentences)
    if not n:
        return np.zeros((0, len(SENTENCE_FEATURES)))
    terms, rare = question.terms, question.rare
    bigram_terms = {t: w for t, w in terms.items() if not _is_cjk_char(t)}
    asked = set(tokenize(question.text))
    asked_numbers = figures_of(question.text)
    cross = question.known < 0.5 or across_scripts(question.text, (h.chunk.text for h in hits))
    # Across languages word overlap means nothing: the share of the question's names and
    # figures found stands in for every overlap signal.
    names = EnglishNames.of(question.text, bm25) if cross and question.english else None
    max_idf = bm25.max_idf() or 1.0
    sims = (np.asarray(cosines, dtype=np.float64) - similarity_floor) / (1.0 - similarity_floor)
    max_lex = max((h.lexical for h in hits), default=0.0) or 1.0
    max_score = max((h.score for h in hits), default=0.0) or 1.0
    # A passage says what its heading path says too (项目周报 > 进度), as a Wikipedia passage
    # opens with its article's title: a question may name the document or section, not the sentence.
    passage_texts = [f"{h.chunk.heading}\n{h.chunk.text}" if h.chunk.heading else h.chunk.text for h in hits]
    passage_cov = [names.coverage(t) if names else coverage(terms, set(tokenize(t))) for t in passage_texts]
    token_sets = [set(tokenize(s.text)) for s in sentences]
    covs = np.array([names.coverage(s.text) if names else coverage(terms, ts) for s, ts in zip(sentences, token_sets)])
    rows = np.zeros((n, len(SENTENCE_FEATURES)))
    q_part = [*(question.types[t] for t in QUESTION_TYPES), float(question.english), float(cross), question.known,
              min(len(question.text), 100) / 100, question.figure]
    sim_max, cov_max = float(sims.max()), float(covs.max())
    sim_rank, cov_rank = _rank(sims), _rank(covs)
    # Each passage's subject sentence: the one covering most of the question.  A sentence
    # that answers an attribute (体长可达80公分) often leaves its subject to an earlier one;
    # read together with it, it covers the question, where the subject sentence alone lacks
    # the attribute.
    lead: dict[int, int] = {}
    for i, s in enumerate(sentences):
        if s.hit_rank not in lead or covs[i] > covs[lead[s.hit_rank]]:
            lead[s.hit_rank] = i
    for i, (s, ts) in enumerate(zip(sentences, token_sets)):
        # the sentence with its neighbours in the same passage: a pronoun's antecedent
        has_before = i > 0 and sentences[i - 1].hit_rank == s.hit_rank
        has_after = i + 1 < n and sentences[i + 1].hit_rank == s.hit_rank
        before = sentences[i - 1].text if has_before else ""
        after = sentences[i + 1].text if has_after else ""
        context = ts | (token_sets[i - 1] if has_before else set()) | (token_sets[i + 1] if has_after else set())
        squashed = _SPACE.sub("", s.text).lower()
        run = SequenceMatcher(None, question.squashed, squashed, autojunk=False).find_longest_match(
            0, len(question.squashed), 0, len(squashed)).size if question.squashed else 0
        novel = [t for t in ts if t not in asked]
        novel_rare = max((bm25.idf(t) if t in bm25.vocab else max_idf for t in novel if not _is_cjk_char(t)),
                         default=0.0) / max_idf
        numbers = figures_of(s.text)
        hit = hits[s.hit_rank]
        if names:
            bigram_cov = rare_cov = covs[i]
            context_cov = names.coverage(before + s.text + after)
        else:
            bigram_cov = coverage(bigram_terms, ts)
            rare_cov = (sum(1 for t in rare if t in ts) / len(rare)) if rare else 0.0
            context_cov = coverage(terms, context)
        # What the sentence and its neighbours lack of the question: its rarest missing word,
        # the share of its words missing, the share of its figures and Latin words missing.
        missing = [t for t in question.words if t not in context]
        miss_word = 0.0 if names else max((terms[t] for t in missing), default=0.0) / max_idf
        miss_words = 0.0 if names or not question.words else len(missing) / len(question.words)
        miss_alnum = 0.0 if names or not question.alnum else (
            sum(1 for t in question.alnum if t not in context) / len(question.alnum))
        subject = lead[s.hit_rank]
        with_subject = ts | token_sets[subject]
        if names:
            subject_cov = names.coverage(s.text + sentences[subject].text) if subject != i else covs[i]
        else:
            subject_cov = coverage(terms, with_subject)
        subject_gain = subject_cov - covs[subject]  # what it adds to its subject sentence (0 for that one)
        miss_subject = 0.0 if names or not question.words else (
            sum(1 for t in question.words if t not in with_subject) / len(question.words))
        rows[i] = [
            *q_part,
            sims[i], sim_max - sims[i], sim_rank[i], covs[i], cov_max - covs[i], cov_rank[i],
            bigram_cov, rare_cov, context_cov, passage_cov[s.hit_rank],
            run / max(len(question.squashed), 1), len(novel) / max(len(ts), 1), novel_rare,
            miss_word, miss_words, miss_alnum, subject_cov, subject_gain, miss_subject,
            min(len(s.text), 200) / 200, float(bool(numbers)), float(bool(numbers - asked_numbers)),
            min(s.hit_rank, 10), hit.dense, hit.lexical / max_lex, hit.score / max_score,
        ]
    return rows


JUDGE_FEATURES = (
    *(f"q_{t}" for t in QUESTION_TYPES), "q_english", "q_cross", "q_known", "looks_up",
    "p1", "p2", "p_margin", "p_sum",
    "best_sim", "best_cov", "best_cov_rare", "best_cov_passage", "best_cov_context", "best_common_run",
    "best_novelty", "best_new_number", "best_novel_rare", "best_number_fits", "best_name_fits",
    "best_miss_word", "best_miss_words", "best_miss_alnum", "min_miss_word", "min_miss_alnum", "q_unknown",
    "q_figure", "best_figure_fits",
    "max_sim", "max_cov", "max_cov_rare", "max_cov_passage", "max_common_run",
    "hit_dense", "hit_dense_gap", "type_ratio", "typed_p", "best_span",
)
_COL = {name: i for i, name in enumerate(SENTENCE_FEATURES)}


SPAN_RANK = 3  # the span model reads the best sentence only when it is among the few most similar or covering


def reads_span(row: np.ndarray) -> bool:
    """Whether the span model reads this sentence when it is the best (training reads only these)."""
    return bool(row[_COL["sim_rank"]] < SPAN_RANK or row[_COL["cov_rank"]] < SPAN_RANK)


def span_signal(question: Question, sentence: Sentence, row: np.ndarray) -> float:
    """The span model's confidence that ``sentence`` holds the answer's words (NaN: not
    read; nor for an English question, since the model learned from Chinese ones)."""
    if question.english or not reads_span(row):
        return float("nan")
    return span_confidence(question.text, sentence.text)


def question_features(question: Question, rows: np.ndarray, probabilities: np.ndarray, dense: list[float],
                      looks: bool, span: float = float("nan")) -> np.ndarray:
    """One row of :data:`JUDGE_FEATURES`: the question, its best-scored sentence, and the
    best any sentence reaches on each signal.  ``dense`` holds the passages' similarities
    (``Hit.dense``), ``looks`` whether the question has a word to look up (:func:`looks_up`),
    ``span`` the best sentence's :func:`span_signal`."""
    q_part = [*(question.types[t] for t in QUESTION_TYPES), float(question.english)]
    if not len(rows):
        return np.array([*q_part, 1.0, question.known, float(looks)] + [0.0] * (len(JUDGE_FEATURES) - len(q_part) - 3))
    fits = _fits(rows)
    # How well the best sentence holding the kind of answer asked for matches the question,
    # relative to the best match of all (1 when it is the best, 0 when none holds one): a
    # near miss finds its subject in one sentence and the nearest figure or date in a
    # weaker one about something else.
    match = 0.5 * rows[:, _COL["sim"]] + 0.5 * rows[:, _COL["cov"]]
    best_match = float(match.max())
    typed = float(match[fits].max()) if fits.any() else 0.0
    type_ratio = 1.0 if fits[int(np.argmax(match))] else max(0.0, typed / best_match) if best_match > 0 else 0.0
    typed_p = float(probabilities[fits].max()) if fits.any() else 0.0
    order = np.argsort(-probabilities, kind="stable")
    best = rows[order[0]]
    p1 = float(probabilities[order[0]])
    p2 = float(probabilities[order[1]]) if len(order) > 1 else 0.0
    col = _COL
    dense = sorted(dense, reverse=True)
    return np.array([
        *q_part, best[col["q_cross"]], question.known, float(looks),
        p1, p2, p1 - p2, float(np.minimum(probabilities, 1.0).sum()),
        best[col["sim"]], best[col["cov"]], best[col["cov_rare"]], best[col["cov_passage"]],
        best[col["cov_context"]], best[col["common_run"]], best[col["novelty"]], best[col["s_new_number"]],
        best[col["novel_rare"]],
        # a figure for a how-many question (1 when not asked)
        1.0 - best[col["q_number"]] * (1.0 - best[col["s_new_number"]]),
        # a name for a who- or what-is-it-called question: a rare word the question lacks
        1.0 - max(best[col["q_who"]], best[col["q_name"]]) * (1.0 - best[col["novel_rare"]]),
        best[col["miss_word"]], best[col["miss_words"]], best[col["miss_alnum"]],
        rows[:, col["miss_word"]].min(), rows[:, col["miss_alnum"]].min(), question.unknown,
        # the learned reading of the asked kind (rows carry it: training fills it per fold),
        # and whether the best sentence holds a figure the question lacks when one is asked
        best[col["q_figure"]], 1.0 - best[col["q_figure"]] * (1.0 - best[col["s_new_number"]]),
        rows[:, col["sim"]].max(), rows[:, col["cov"]].max(), rows[:, col["cov_rare"]].max(),
        rows[:, col["cov_passage"]].max(), rows[:, col["common_run"]].max(),
        dense[0] if dense else 0.0, (dense[0] - dense[1]) if len(dense) > 1 else 0.0,
        type_ratio, typed_p, span,
    ])


def _fits(rows: np.ndarray) -> np.ndarray:
    """Per sentence: does it hold the kind of answer the question asks for (all do when it
    asks for none of these)?  A new figure for how many, a rare word the question lacks
    for who and what-is-it-called."""
    c = _COL
    number = rows[:, c["s_new_number"]]
    name = (rows[:, c["novel_rare"]] > 0.6) * 1.0
    ok = np.ones(len(rows), dtype=bool)
    for asked, held in (("q_number", number), ("q_who", name), ("q_name", name)):
        ok &= (rows[:, c[asked]] == 0) | (held > 0)
    return ok
