"""The short answer: the words of the cited sentence that answer a factoid question.

"谷歌的Bard是什么时候发布的?" is answered by a 70-character sentence with "2 月份" inside it;
the short answer is that span, shown before the sentence.  Questions whose answer is a
reason (为什么, 为何) get none, nor do English questions (the model learned from Chinese
ones); an explanation (如何…, 什么是…) usually gets none from the decision below.

**The model** is a log-linear span scorer learned from span-labelled reading-comprehension
data (CMRC 2018 trial, DRCD dev: ``python -m benchmarks.short_answers``), with no tagger
on the ask path (jieba costs ~0.6 s cold, ~1 s with its part-of-speech tagger).  Every
span of at most :data:`MAX_SPAN` characters (and at most :data:`MAX_SHARE` of the
sentence) that crosses no sentence stop and has no punctuation at its edges is a
candidate; spaces are read past ("10 亿元" as "10亿元") and given back.  Its score is

    start(i) + end(j) + Σ_k span_k(i, j)

* ``start``/``end`` are hashed indicator features of the boundary: the characters on
  either side and their kinds (digit/CJK/Latin/punctuation), whether the text just
  outside the span repeats the question's words, how far the sentence around the
  boundary aligns with the question's words around its interrogative ("则多少分钟内" in the
  question against "则4分钟内" in the sentence), how likely a word boundary falls there,
  and what part of speech words starting or ending with that character usually are
  (both distilled from jieba's dictionary at training time into two tables).  Many are
  crossed with the question's kind (who/when/how many/…) or the noun it asks about
  (哪个[国家]), so "多少…" learns that spans end in units, "谁" that they end before 是/说.
* ``span_k`` are bucketed span properties crossed with the question's kind: length,
  share repeating the question, digits, punctuation inside, unbalanced brackets,
  alignment on both sides, distance to the question's words, words inside.

The best span is then kept or dropped by a small logistic **decision** (will this span
score better than the whole sentence?), learned on held-out predictions of the span
model and weighted by how much better or worse it was.
Traditional characters are mapped to simplified ones (one to one, OpenCC's character
table, Apache-2.0) before features are read, so one model serves both scripts.

Weights: ``short_answer.npz`` beside this module (~1.3 MB, ``allow_pickle=False``).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.records import Answer
from rag.text.lexical import is_english

WEIGHTS = Path(__file__).with_name("short_answer.npz")
HASH_BITS = 18
HASH_DIM = 1 << HASH_BITS
MAX_SPAN = 24  # characters; a longer answer is a clause, and the sentence shows it
MAX_SHARE = 0.7  # of the sentence: a span nearly as long as its sentence is the sentence

# Interrogatives by the kind of answer they ask for, longest first (simplified script:
# questions are normalised first).  The kinds are crossed with the span features, so
# what each kind's answer looks like is learned, not written here.
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("why", ("为什么", "为何", "何故", "怎么会", "why")),
    ("when", ("什么时候", "什么时间", "何时", "哪一年", "哪年", "哪一天", "哪天", "几月", "几年", "何年",
              "哪个时期", "什么年代", "when", "what year")),
    ("where", ("什么地方", "哪个地方", "哪里", "哪儿", "何处", "何地", "哪座", "哪国", "哪个国家", "where")),
    ("who", ("什么人", "哪位", "哪些人", "谁", "who", "whom", "whose")),
    ("count", ("多少", "多久", "多长", "多大", "多高", "多远", "多重", "多深", "多宽", "多快", "多少钱", "几",
               "how many", "how much", "how long", "how old", "how far", "how big")),
    ("how", ("怎么样", "怎样", "怎么", "如何", "何以", "how")),
    ("which", ("哪一", "哪些", "哪个", "哪", "which")),
    ("what", ("什么", "甚么", "啥", "何", "what")),
    ("yesno", ("是否", "是不是", "有没有", "能不能", "吗")),
)
KINDS = ("none",) + tuple(k for k, _ in _KINDS)
# Verbs that take 为 as their complement: "被誉为什么" asks what it is called, not why.
_TAKES_WEI = set("称誉成作认视改译定列选封名分转变化更划升评命奉尊追册立当")
_INTERROGATIVES = sorted(((w, k) for k, ws in _KINDS for w in ws), key=lambda x: -len(x[0]))
_SENTENCE_STOP = set("。！？；!?;")
_PUNCT = set("，。、；：？！,.;:?!…—－-～~·（）()《》「」『』“”‘’\"'【】[]〈〉 \t\n")
_OPEN = set("（(《「『“‘【[〈")
_CLOSE = set("）)》」』”’】]〉")
BAD_START = _PUNCT - _OPEN
BAD_END = _PUNCT - _CLOSE
_PAIRS = (("（", "）"), ("(", ")"), ("《", "》"), ("「", "」"), ("『", "』"), ("“", "”"), ("【", "】"), ("〈", "〉"))
_CN_NUM = set("零〇一二两三四五六七八九十百千万亿")
_TRAILING = re.compile(r"[\s？?。！!，,、：:；;呢吗呀啊]+$")


@dataclass(frozen=True)
class Question:
    """The question as the features read it: normalised text, its kind, and the text on
    either side of its interrogative (what the sentence should repeat around the answer)."""

    text: str
    kind: str
    wh: str
    left: str
    right: str
    head: str  # the noun the interrogative asks about (哪一个[国家]), its first two characters

    @property
    def kind_id(self) -> int:
        return KINDS.index(self.kind)


@dataclass(frozen=True)
class Span:
    """A short answer: ``text == sentence[start:end]`` of the ``sentence``-th sentence."""

    text: str
    sentence: int
    start: int
    end: int
    score: float  # the span model's probability among the candidate spans
    keep: float  # the decision's probability that the span beats the whole sentence


# ---------------------------------------------------------------- normalising


@dataclass(frozen=True)
class Tables:
    """What the features look up: the script table and the word-boundary odds of character pairs."""

    script: dict[int, int]  # traditional → simplified code points (plus full-width ASCII)
    pair_keys: np.ndarray  # sorted (first << 21 | second) of character pairs seen inside words
    pair_odds: np.ndarray  # per pair: its word-boundary bucket (1: surely inside a word … 6: likely a boundary)
    # Per character: the commonest part of speech (an index into WORD_KINDS) of the
    # dictionary's words it starts, and of those it ends (国 ends place names, 司 nouns).
    word_kinds: dict[str, tuple[int, int]]

    @classmethod
    def of(cls, script: dict[int, int], pair_keys: np.ndarray, pair_odds: np.ndarray,
           kind_chars: np.ndarray, kind_codes: np.ndarray) -> Tables:
        table = dict(script)
        for c in range(0xFF01, 0xFF5F):  # full-width ASCII as ASCII: one character each, offsets kept
            table[c] = c - 0xFEE0
        kinds = {chr(c): (int(k) // 16, int(k) % 16) for c, k in zip(kind_chars.tolist(), kind_codes.tolist())}
        return cls(table, pair_keys, pair_odds, kinds)

    def boundaries(self, s: str) -> list[int]:
        """Per position 0..len(s): the boundary bucket between s[b-1] and s[b] (0: a pair
        never seen inside a word, or an edge)."""
        out = [0] * (len(s) + 1)
        if len(s) < 2 or not len(self.pair_keys):
            return out
        codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        keys = (codes[:-1] << 21) | codes[1:]
        at = np.minimum(np.searchsorted(self.pair_keys, keys), len(self.pair_keys) - 1)
        found = np.where(self.pair_keys[at] == keys, self.pair_odds[at], 0)
        out[1:-1] = found.tolist()
        return out


@lru_cache(maxsize=1)
def _model() -> tuple[Tables, dict[str, np.ndarray], dict[str, object]]:
    with np.load(WEIGHTS, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    script = dict(zip(arrays.pop("ts_from").tolist(), arrays.pop("ts_to").tolist()))
    tables = Tables.of(script, arrays.pop("pair_keys"), arrays.pop("pair_odds"), arrays.pop("kind_chars"),
                       arrays.pop("kind_codes"))
    meta = json.loads(str(arrays.pop("meta")))
    arrays["hashed"] = arrays["hashed"].astype(np.float32)
    return tables, arrays, meta


def tables() -> Tables:
    return _model()[0]


def normalise(text: str, t: Tables | None = None) -> str:
    """Simplified script, ASCII for full-width forms, lower case; same length as ``text``."""
    out = text.translate((t or tables()).script).lower()
    return out if len(out) == len(text) else text  # lower() can lengthen a few letters (İ)


# Parts of speech of jieba's dictionary, grouped (what a word starting or ending in a character
# usually is); index 0 is "no word known".
WORD_KINDS = ("", "nr", "ns", "nt", "nz", "m", "q", "t", "n", "v", "a", "x")


# Measure words between an interrogative and the noun it asks about (哪一[个]国家, 几[座]城市).
_MEASURE = set("个位座种家所支部条次名只件项本首届年")


def read_question(question: str, t: Tables | None = None) -> Question:
    q = _TRAILING.sub("", normalise(question.strip(), t))
    best: tuple[int, int, str, str] | None = None  # (position, -length, word, kind)
    for word, kind in _INTERROGATIVES:
        pos = q.find(word)
        while pos > 0 and word[0] == "为" and q[pos - 1] in _TAKES_WEI:
            pos = q.find(word, pos + 1)
        if word.isascii():  # English interrogatives only as whole words
            m = re.search(rf"\b{re.escape(word)}\b", q)
            pos = m.start() if m else -1
        if pos >= 0 and (best is None or (pos, -len(word)) < best[:2]):
            best = (pos, -len(word), word, kind)
    if best is None:
        return Question(q, "none", "", q, "", "")
    pos, neg, word, kind = best
    right = q[pos - neg:]
    head = right[1:] if right[:1] in _MEASURE and len(right) > 1 and kind != "when" else right
    return Question(q, kind, word, q[:pos], right, head[:2])


# ---------------------------------------------------------------- features


def _kind_of_char(c: str) -> str:
    if c == "^" or c == "$":
        return c
    if c.isdigit():
        return "d"
    if c in _CN_NUM:
        return "n"
    if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf":
        return "h"
    if c.isascii() and c.isalpha():
        return "a"
    if c in _OPEN:
        return "o"
    if c in _CLOSE:
        return "c"
    if c in _PUNCT:
        return "p"
    return "x"


# A boundary's features are hashed as the crc32 of "s" + feature (a span starts there) or
# "e" + feature (one ends there), in HASH_DIM buckets.  crc32 continues from the prefix's
# value, so encode() need not build the prefixed strings.
_CRC_S, _CRC_E = zlib.crc32(b"s"), zlib.crc32(b"e")


def _common_suffix(a: str, b: str, cap: int = 8) -> int:
    n = 0
    while n < cap and n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str, cap: int = 8) -> int:
    n = 0
    while n < cap and n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def _bucket(value: float, edges: Sequence[float]) -> int:
    """Index of the first edge ``value`` does not exceed (len(edges) if above all)."""
    for i, edge in enumerate(edges):
        if value <= edge:
            return i
    return len(edges)


# Span templates: (name, number of values).  Each is crossed with the question's kind.
_LEN_EDGES = (1, 2, 3, 4, 5, 6, 8, 10, 13, 17, 23)
_TEMPLATES: tuple[tuple[str, int], ...] = (
    ("length", len(_LEN_EDGES) + 1),
    ("repeats", 6),  # share of the span's characters in words of the question
    ("digits", 4),
    ("punct", 4),
    ("unbalanced", 2),
    ("aligned", 8),  # characters aligned with the question on both sides
    ("sides", 4),  # aligned left × aligned right
    ("distance", 7),  # to the nearest word of the question
    ("whole", 2),
    ("position", 5),
    ("cn_number", 2),
    ("latin", 2),
    ("unit", 3),  # the span ends with what follows the interrogative (多少[分钟])
    ("runs", 4),  # question words right before × right after
    ("length_rel", 5),  # share of the sentence
    ("words", 5),  # likely word boundaries inside the span: about how many words it holds
    ("edges", 4),  # a likely word boundary at its start × at its end
    ("left_gap", 8),  # characters since the question's words, on the left
    ("right_gap", 8),  # characters until the question's words, on the right
)
_OFFSETS = np.cumsum([0] + [v * len(KINDS) for _, v in _TEMPLATES]).tolist()
SPAN_DIM = _OFFSETS[-1]


@dataclass
class Encoded:
    """A sentence's candidate spans and their features for one question."""

    sentence: str
    starts: np.ndarray  # (S,) span start offsets in the sentence without its spaces
    ends: np.ndarray  # (S,) span end offsets (exclusive), likewise
    boundary_start: list[list[int]]  # per boundary 0..n: hashed features of a span starting there
    boundary_end: list[list[int]]  # per boundary 0..n: hashed features of a span ending there
    span_ids: np.ndarray  # (S, len(_TEMPLATES)) indices into the span weights
    text_starts: np.ndarray  # (S,) the spans' offsets in ``sentence`` itself
    text_ends: np.ndarray

    def text(self, k: int) -> str:
        return self.sentence[int(self.text_starts[k]) : int(self.text_ends[k])]


def _matched(s: str, q: str) -> np.ndarray:
    """Per character of ``s``: is it part of a character pair the question also holds
    (or a Latin/digit run the question holds)?"""
    pairs = {q[k : k + 2] for k in range(len(q) - 1)}
    n = len(s)
    m = np.zeros(n, dtype=bool)
    for k in range(n - 1):
        if s[k : k + 2] in pairs:
            m[k] = m[k + 1] = True
    for run in re.finditer(r"[a-z0-9]+", s):
        if run.group() in q:
            m[run.start() : run.end()] = True
    return m


LONG = 120  # characters: in a longer sentence only spans near the question's words are read
NEAR = 40


def _near_question(m: np.ndarray, n: int) -> list[bool]:
    """Per boundary 0..n: may a span start or end here?  In a sentence of at most LONG
    characters anywhere; in a longer one (a run-on line of a table or a list) within NEAR
    characters of the question's words, where answers are: it bounds the work per ask."""
    if n <= LONG or not m.any():
        return [True] * (n + 1)
    hits = np.flatnonzero(m)
    pos = np.arange(n + 1)
    k = np.clip(np.searchsorted(hits, pos), 1, len(hits)) - 1
    gap = np.minimum(np.abs(pos - hits[k]), np.abs(pos - hits[np.minimum(k + 1, len(hits) - 1)]))
    return (gap <= NEAR).tolist()


def encode(question: Question, sentence: str, t: Tables | None = None) -> Encoded:
    """Candidate spans of ``sentence`` and their features.  Spaces are read past ("10 亿元"
    as "10亿元": the training text has almost none), and given back in the span's text."""
    t = t or tables()
    normal = normalise(sentence, t)
    kept = [k for k, c in enumerate(normal) if not c.isspace()]
    s = "".join(normal[k] for k in kept)
    n = len(s)
    q = question
    kind = q.kind
    m = _matched(s, q.text)
    padded = "^" + s + "$"
    kinds = [_kind_of_char(c) for c in padded]
    # Runs of question words ending just before / starting at each boundary.
    left_run = [0] * (n + 1)
    for b in range(1, n + 1):
        left_run[b] = left_run[b - 1] + 1 if m[b - 1] else 0
    right_run = [0] * (n + 1)
    for b in range(n - 1, -1, -1):
        right_run[b] = right_run[b + 1] + 1 if m[b] else 0
    suffix = [_common_suffix(s[max(0, b - 8) : b], q.left) for b in range(n + 1)]
    prefix = [_common_prefix(s[b : b + 8], q.right) for b in range(n + 1)]
    wh_next = q.right[:1] or "$"
    head = q.head or "$"
    odds = t.boundaries(s)
    near_left, near_right = set(q.left[-6:]), set(q.right[:6])
    pos_start = [t.word_kinds.get(c, (0, 0))[0] for c in s]
    pos_end = [t.word_kinds.get(c, (0, 0))[1] for c in s]
    near = _near_question(m, n)
    crc32, mask = zlib.crc32, HASH_DIM - 1
    bstart: list[list[int]] = []
    bend: list[list[int]] = []
    for b in range(n + 1):
        if not near[b]:  # no span starts or ends here: nothing to score
            bstart.append([])
            bend.append([])
            continue
        before, after = padded[b], padded[b + 1]  # s[b-1], s[b] (with ^/$ at the edges)
        before2, after2 = padded[max(0, b - 1) : b + 1], padded[b + 1 : b + 3]
        kb, ka = kinds[b], kinds[b + 1]
        lr, rr = min(left_run[b], 4), min(right_run[b], 4)
        su, pr = min(suffix[b], 6), min(prefix[b], 6)
        ob = odds[b]
        common = (f"b{before}", f"a{after}", f"B{before2}", f"A{after2}", f"ba{before}{after}", f"k{kb}{ka}",
                  f"lr{lr}", f"rr{rr}", f"lrr{lr}{rr}", f"K{kind}b{before}", f"K{kind}a{after}",
                  f"K{kind}k{kb}{ka}", f"K{kind}lrr{lr}{rr}", f"W{q.wh}b{before}", f"W{q.wh}a{after}",
                  f"o{ob}", f"K{kind}o{ob}", f"o{ob}k{kb}{ka}")
        wl = sum(c in near_left for c in s[max(0, b - 4) : b])
        wr = sum(c in near_right for c in s[b : b + 4])
        ps = pos_start[b] if b < n else 99
        pe = pos_end[b - 1] if b > 0 else 99
        shared = [f.encode() for f in common]
        bstart.append([crc32(f, _CRC_S) & mask for f in shared] + [crc32(f.encode(), _CRC_S) & mask for f in (
            f"su{su}", f"K{kind}su{su}", f"su{su}lr{lr}", f"H{head}|{after}", f"H{head[:1]}|{after}", f"wl{wl}",
            f"K{kind}wl{wl}", f"P{ps}", f"K{kind}P{ps}", f"H{head}P{ps}")])
        bend.append([crc32(f, _CRC_E) & mask for f in shared] + [crc32(f.encode(), _CRC_E) & mask for f in (
            f"wr{wr}", f"K{kind}wr{wr}", f"P{pe}", f"K{kind}P{pe}", f"H{head}P{pe}",
            f"pr{pr}", f"K{kind}pr{pr}", f"pr{pr}rr{rr}", f"W{q.wh}{wh_next}|{before}",
            f"K{kind}u{int(bool(q.right) and s[max(0, b - 2):b] == q.right[:2])}",
            f"K{kind}h{int(bool(q.head) and s[max(0, b - 2):b] == q.head[:2])}",
            f"H{head}|{before}", f"H{head[:1]}|{before}", f"H{head}|{before2}")])
    # Candidate spans: no sentence stop inside, no punctuation at either edge.
    stops = [k for k, c in enumerate(s) if c in _SENTENCE_STOP]
    max_len = min(MAX_SPAN, max(2, int(MAX_SHARE * n)))
    starts_l: list[int] = []
    ends_l: list[int] = []
    for i in range(n):
        if s[i] in BAD_START or s[i].isspace() or not near[i]:
            continue
        limit = min(n, i + max_len)
        for k in stops:
            if k >= i:
                limit = min(limit, k)
                break
        for j in range(i + 1, limit + 1):
            if s[j - 1] in BAD_END or s[j - 1].isspace() or not near[j]:
                continue
            starts_l.append(i)
            ends_l.append(j)
    starts = np.asarray(starts_l, dtype=np.int32)
    ends = np.asarray(ends_l, dtype=np.int32)
    ids = _span_ids(s, q, starts, ends, m, suffix, prefix, left_run, right_run, odds)
    origin = np.asarray(kept + [len(sentence)], dtype=np.int32)
    return Encoded(sentence, starts, ends, bstart, bend, ids, origin[starts],
                   origin[np.maximum(ends - 1, 0)] + 1)


def _span_ids(s: str, q: Question, starts: np.ndarray, ends: np.ndarray, m: np.ndarray,
              suffix: list[int], prefix: list[int], left_run: list[int], right_run: list[int],
              odds: list[int]) -> np.ndarray:
    n = len(s)
    count = len(starts)
    kind = KINDS.index(q.kind)
    if count == 0:
        return np.zeros((0, len(_TEMPLATES)), dtype=np.int32)
    length = ends - starts
    cm = np.concatenate([[0], np.cumsum(m)])

    def cum(flags: Sequence[bool]) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(np.asarray(flags, dtype=np.int32))])

    digit = cum([c.isdigit() for c in s])
    cn = cum([c in _CN_NUM for c in s])
    latin = cum([c.isascii() and c.isalpha() for c in s])
    comma = cum([c in "，," for c in s])
    dun = cum([c == "、" for c in s])
    other = cum([c in _PUNCT and c not in "，,、" and c not in _OPEN and c not in _CLOSE for c in s])
    opens = {a: cum([c == a for c in s]) for a, _ in _PAIRS}
    closes = {b: cum([c == b for c in s]) for _, b in _PAIRS}
    # Distance from each position to the nearest question word on its left / right.
    matched = np.flatnonzero(m)
    big = 99
    left_gap = np.full(count, big)
    right_gap = np.full(count, big)
    if len(matched):
        k = np.searchsorted(matched, starts) - 1  # last matched index < start
        ok = k >= 0
        left_gap[ok] = starts[ok] - matched[k[ok]] - 1
        k2 = np.searchsorted(matched, ends)  # first matched index >= end
        ok2 = k2 < len(matched)
        right_gap[ok2] = matched[k2[ok2]] - ends[ok2]
    suf = np.asarray(suffix)[starts]
    pre = np.asarray(prefix)[ends]
    lr = np.asarray(left_run)[starts] > 0
    rr = np.asarray(right_run)[ends] > 0

    def sum_in(c: np.ndarray) -> np.ndarray:
        return c[ends] - c[starts]

    rep = (cm[ends] - cm[starts]) / length
    values = np.zeros((count, len(_TEMPLATES)), dtype=np.int64)
    values[:, 0] = np.searchsorted(np.asarray(_LEN_EDGES), length)
    values[:, 1] = np.where(rep == 0, 0, np.where(rep == 1, 5, 1 + np.minimum(3, (rep * 4).astype(int))))
    d = sum_in(digit)
    first_digit = np.array([s[i].isdigit() for i in starts.tolist()])
    values[:, 2] = np.where(d == 0, 0, np.where(d == length, 3, np.where(first_digit, 2, 1)))
    values[:, 3] = np.where(sum_in(other) > 0, 3, np.where(sum_in(comma) > 0, 2, np.where(sum_in(dun) > 0, 1, 0)))
    unbalanced = np.zeros(count, dtype=bool)
    for a, b in _PAIRS:
        unbalanced |= sum_in(opens[a]) != sum_in(closes[b])
    values[:, 4] = unbalanced
    values[:, 5] = np.minimum(suf + pre, 7)
    values[:, 6] = 2 * (suf > 0) + (pre > 0)
    gap = np.minimum(left_gap, right_gap)
    values[:, 7] = np.searchsorted(np.asarray([0, 1, 2, 4, 8, 16]), gap)
    whole = (starts == 0) & (ends >= n - 1)
    values[:, 8] = whole
    values[:, 9] = np.minimum(4, (starts * 5) // max(n, 1))
    values[:, 10] = sum_in(cn) > 0
    values[:, 11] = sum_in(latin) > 0
    unit: np.ndarray = np.zeros(count, dtype=np.int64)
    if q.right:
        for size in (1, 2):
            tail = q.right[:size]
            if len(tail) == size:
                ends_with = np.array([j >= size and s[j - size : j] == tail for j in range(n + 1)])
                hit = ends_with[ends] & (length > size)
                unit = np.where(hit, size, unit)
    values[:, 12] = unit
    values[:, 13] = 2 * lr + rr
    values[:, 14] = np.minimum(4, (length * 5) // max(n, 1))
    likely = np.asarray(odds) >= 4  # a pair seen inside words no more often than across them
    likely[0] = likely[n] = True
    unseen = np.asarray(odds) == 0  # never inside a word in the dictionary: a boundary too
    cut = likely | unseen
    inner = np.concatenate([[0], np.cumsum(cut[1:n])])  # cut boundaries 1..b
    values[:, 15] = np.minimum(4, inner[np.maximum(ends - 1, 0)] - inner[starts])
    values[:, 16] = 2 * cut[starts] + cut[ends]
    gaps = np.asarray([0, 1, 2, 4, 8, 16, 98])
    values[:, 17] = np.searchsorted(gaps, left_gap)
    values[:, 18] = np.searchsorted(gaps, right_gap)
    sizes = np.asarray([v for _, v in _TEMPLATES])
    ids = np.asarray(_OFFSETS[:-1]) + kind * sizes + values
    return ids.astype(np.int32)


# ---------------------------------------------------------------- scoring


def span_scores(enc: Encoded, hashed: np.ndarray, span_weights: np.ndarray) -> np.ndarray:
    """The log-linear score of every candidate span of ``enc``."""
    if len(enc.starts) == 0:
        return np.zeros(0)
    start = np.array([hashed[ids].sum() for ids in enc.boundary_start])
    end = np.array([hashed[ids].sum() for ids in enc.boundary_end])
    return start[enc.starts] + end[enc.ends] + span_weights[enc.span_ids].sum(axis=1)


def decision_features(question: Question, sentence: str, probs: np.ndarray, best: int, enc: Encoded) -> np.ndarray:
    """What the keep-or-drop decision reads: the question's kind, how sure the span model
    is, and how long the span is against its sentence."""
    kind = np.zeros(len(KINDS))
    kind[question.kind_id] = 1.0
    order = np.sort(probs)[::-1]
    second = order[1] if len(order) > 1 else 0.0
    length = int(enc.text_ends[best] - enc.text_starts[best])
    return np.concatenate([kind, [order[0], order[0] - second, math.log(length), math.log(max(len(sentence), 1)),
                                  length / max(len(sentence), 1), math.log(max(len(question.text), 1))]])


@lru_cache(maxsize=32)
def _scored(question: str, sentence: str) -> tuple[Encoded, np.ndarray]:
    """``sentence`` encoded for ``question`` and its spans' scores.  Cached: the judge reads
    the best sentence (:func:`span_confidence`) and the short answer reads it again."""
    t, arrays, _ = _model()
    enc = encode(read_question(question, t), sentence, t)
    return enc, span_scores(enc, arrays["hashed"], arrays["span"])


def best_span(question: str, sentences: Sequence[str]) -> Span | None:
    """The best-scoring span over ``sentences`` (the cited ones), with the decision's
    probability that it answers better than its sentence; None if no sentence has a span."""
    t, arrays, _ = _model()
    q = read_question(question, t)
    best: tuple[float, int, Encoded, np.ndarray, int] | None = None
    scored = []
    for k, sentence in enumerate(sentences):
        enc, scores = _scored(question, sentence)
        if len(scores):
            scored.append((k, enc, scores))
    if not scored:
        return None
    top = max(float(sc.max()) for _, _, sc in scored)
    total = sum(float(np.exp(sc - top).sum()) for _, _, sc in scored)
    for k, enc, scores in scored:
        i = int(np.argmax(scores))
        if best is None or scores[i] > best[0]:
            best = (float(scores[i]), k, enc, np.exp(scores - top) / total, i)
    assert best is not None
    _, k, enc, probs, i = best
    feats = decision_features(q, enc.sentence, probs, i, enc)
    keep = 1.0 / (1.0 + math.exp(-float(feats @ arrays["decision"] + arrays["decision_bias"][0])))
    a, b = int(enc.text_starts[i]), int(enc.text_ends[i])
    return Span(enc.sentence[a:b], k, a, b, float(probs[i]), keep)


NO_SPAN = -20.0  # the span score of a sentence with no candidate span (scores run about -5 … 15)


def span_confidence(question: str, sentence: str) -> float:
    """The span model's best raw score in ``sentence``: how well any of its spans reads as
    the answer to ``question``.  A sentence that names what the question names but not
    what it asks scores low, so the answerability judge reads it too."""
    scores = _scored(question, sentence)[1]
    return float(scores.max()) if len(scores) else NO_SPAN


def short_answer(question: str, sentences: Sequence[str]) -> str | None:
    """The span of the cited ``sentences`` that answers ``question``, or None when the
    question asks for a reason or an explanation, or the sentence answers better whole."""
    if not sentences or not question.strip():
        return None
    if read_question(question).kind == "why":  # a reason is a clause: the sentence says it
        return None
    if is_english(question):  # the model learned from Chinese questions only
        return None
    span = best_span(question, sentences)
    if span is None or span.keep < 0.5:
        return None
    return span.text


def quoted_sentences(answer: Answer) -> list[str]:
    """The sentences an extractive answer quotes, in the order it cites them."""
    return [c.text[a - c.start : b - c.start] for c in sorted(answer.citations, key=lambda c: c.n)
            for a, b in c.quotes]


def of_answer(question: str, answer: Answer) -> str | None:
    """The short answer of an extractive ``answer``: None when it abstained."""
    if answer.abstained:
        return None
    return short_answer(question, quoted_sentences(answer))
