"""Check what an LLM answer claims against the passages it cites.

A citation marker says where a sentence comes from; it does not make the sentence
true.  Small local models cite a real passage and still write a figure that is not
in it, or invent a name outright.  So each answer sentence's *checkable claims* are
pulled out and looked up in the passages that sentence cites (a sentence without a
marker: in any retrieved passage):

* quantities — ``10亿``, ``1.5万``, ``48.9%``, ``四万八千``, ``两个月`` — compared by
  value, so ``10亿`` is found in "10 亿", "十亿" and "1000000000";
* dates — ``2016年``, ``3月15日`` — compared part by part (year, month, day);
* Latin names — ``GPT-4``, ``PaLM-E``, ``Jeff Dean`` word by word, case-insensitively;
* quoted titles and terms — ``《得到》``, ``“功利教育”``, ``「奇妙元」``;
* Chinese proper nouns — the words jieba's part-of-speech tagger calls a person,
  place, organisation or other proper name (``nr``, ``ns``, ``nt``, ``nz``).  jieba
  is imported only here, on the LLM path; its dictionary costs about a second once
  per process.

Text is normalised before any comparison (NFKC, so full-width ``１０％`` is ``10%``;
whitespace removed, so "10 亿" is "10亿"; lower case; ``1,000`` is ``1000``), so a
true claim written differently is not flagged.  What the question itself says is not
the answer's claim: a name or figure the question contains is never flagged.

What is not checked: relations between claims (a right figure attached to the wrong
company passes), words that are no name, number or title, and the meaning of a
sentence.  :mod:`benchmarks.claims` measures precision and recall on the dev set.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

_MARKER = re.compile(r"\[(\d+)\]")
# A sentence ends at a terminator (a half-width "." only before a space or the end,
# so "0.002" and "GPT-3.5" stay whole) with any closing quotes, then any markers.
_SENTENCE = re.compile(r".+?(?:(?:[。！？；!?;…]+|\.(?=\s|$))[”’」』）》)\"']*(?:\s*\[\d+\])*|\n+|$)", re.S)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_MAGNITUDES = {"万": 1e4, "亿": 1e8, "万亿": 1e12, "千": 1e3, "百": 1e2,
               "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
# Measure words after which a Chinese numeral is a quantity: 两个月 and 十亿 are, 一些
# and 统一 are not.
_MEASURE = "个种位家次倍亿万千百元成分天岁名项款条台张人月年周日号秒小股份米克吨"
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(万亿|亿|万|千)|\s*(thousand|million|billion|trillion)\b)?%?", re.I)
_CHINESE = re.compile(rf"[{_CN_NUM}]+")
_CN_DIGIT_CHARS = "零〇一二两三四五六七八九"
_PERCENT_CN = re.compile(rf"百分之([{_CN_NUM}]+|\d+(?:\.\d+)?)")
# "1.5 到 3 万": the magnitude after the range applies to its first number as well.
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:到|至|-|~|～|—)\s*(\d+(?:\.\d+)?)\s*(万亿|亿|万)")
_DATE = re.compile(r"(?:(\d{2,4}|[零〇一二三四五六七八九]{2,4})\s*年)?\s*(?:(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?!份?[前后内])"
                   r")?\s*(?:(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号])?")
# "一个", "一种": an article, not a figure anyone checks.
_ARTICLE = re.compile(r"一(?=[个种位家次项款条台张名])")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.+&'][A-Za-z0-9]+)*")
_QUOTED = re.compile(r"《([^《》]{1,40})》|“([^“”]{1,40})”|「([^「」]{1,40})」|『([^『』]{1,40})』|\"([^\"]{1,40})\"")
_ENGLISH_STOP = frozenset("""a an the of and or in on at to for by with from as is are was were be been it its this that
these those which who whom what when where why how not no but if than then so such into over under about after before
i we you he she they them his her their our your my me us also only just very more most less least""".split())
_PROPER_FLAGS = ("nr", "ns", "nt", "nz")


@dataclass(frozen=True)
class Claim:
    text: str  # as written in the answer: "5620亿", "3月16日", "GPT-5", "得到"
    kind: str  # "quantity" | "date" | "latin" | "title" | "name"
    value: float | None = None  # a quantity's value
    parts: tuple[tuple[str, float], ...] = ()  # a date's parts: ("年", 2016), ("月", 3)


@dataclass
class Sentence:
    text: str  # the sentence with its markers
    start: int  # offsets in the answer text
    end: int
    cites: list[int]  # citation numbers of its markers

    @property
    def plain(self) -> str:
        return _MARKER.sub("", self.text).strip()


@dataclass
class Verification:
    unsupported: list[str] = field(default_factory=list)  # claim strings, in answer order, once each
    checked: int = 0  # how many claims were looked up


# ---------------------------------------------------------------- normalising

def normalise(text: str) -> str:
    """The form claims are compared in: NFKC, no whitespace, lower case, no 1,000 commas."""
    flat = unicodedata.normalize("NFKC", text).lower()
    flat = re.sub(r"\s+", "", flat)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", flat)


def chinese_number(text: str) -> float | None:
    """四万八千 → 48000, 两 → 2, 十五 → 15, 五千六百二十亿 → 562000000000; None if not a numeral."""
    if not text or any(ch not in _CN_NUM for ch in text):
        return None
    if len(text) > 1 and all(ch in _CN_DIGITS for ch in text):  # 二〇二三 read digit by digit
        return float("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0.0, 0.0, None
    for ch in text:
        if ch in "零〇":  # a gap (一百零五), not a digit
            continue
        if ch in _CN_DIGITS:
            if digit is not None:  # 六七十: "sixty or seventy", not a number
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:  # 万 or 亿 closes a section
            section += digit or 0
            magnitude = _MAGNITUDES[ch]
            total = (total + section) * magnitude if total < magnitude else total + section * magnitude
            section, digit = 0.0, None
    return total + section + (digit or 0)


def _number(raw: str) -> float | None:
    return float(raw) if raw[:1].isdigit() else chinese_number(raw)


def _blank(text: str, m: re.Match[str]) -> str:
    """``text`` with the match ``m`` blanked out (offsets kept), so it is read only once."""
    return text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]


def quantities(text: str) -> list[tuple[str, float]]:
    """(as written, value) of every quantity in ``text``, in reading order; the digits
    inside Latin names (GPT-4, RT-2) are not quantities."""
    text = _LATIN.sub(lambda m: " " * len(m.group()) if re.search(r"\d", m.group()) else m.group(), text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", unicodedata.normalize("NFKC", text))
    found: list[tuple[int, str, float]] = []
    for m in list(_RANGE.finditer(text)):
        magnitude = _MAGNITUDES[m.group(3)]
        found += [(m.start(), m.group(1), float(m.group(1)) * magnitude),
                  (m.start(2), f"{m.group(2)}{m.group(3)}", float(m.group(2)) * magnitude)]
        text = _blank(text, m)
    for m in list(_PERCENT_CN.finditer(text)):
        value = _number(m.group(1))
        if value is not None:
            found.append((m.start(), m.group(0), value))
        text = _blank(text, m)
    for m in list(_ARABIC.finditer(text)):
        unit = m.group(2) or m.group(3)
        value = float(m.group(1)) * (_MAGNITUDES[unit.lower()] if unit else 1)
        found.append((m.start(), re.sub(r"\s+", "", m.group(0)), value))
        text = _blank(text, m)
    for m in _CHINESE.finditer(text):
        run, after = m.group(), text[m.end() : m.end() + 1]
        # A numeral is a quantity before a measure word (两个月, 十亿元), or when it has
        # both a digit and a unit (四万八千); 百度, 千万 (must), 统一 and 一个 are not.
        measured = bool(after) and after in _MEASURE
        if not (measured or (any(c in _CN_DIGIT_CHARS for c in run) and any(c in "十百千万亿" for c in run))):
            continue
        if run == "一" and _ARTICLE.match(text, m.start()):
            continue
        value = chinese_number(run)
        if value is not None:
            found.append((m.start(), run, value))
    return [(written, value) for _, written, value in sorted(found)]


def dates(text: str) -> list[tuple[str, tuple[tuple[str, float], ...]]]:
    """(as written, parts) of every date: parts are ("年", 2016), ("月", 3), ("日", 15)."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for m in _DATE.finditer(text):
        if not m.group(0).strip():
            continue
        parts = tuple((unit, value) for unit, raw in zip("年月日", m.groups()) if raw
                      for value in [_number(raw)] if value is not None)
        if parts:
            out.append((m.group(0).strip(), parts))
    return out


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# ---------------------------------------------------------------- extracting

def split_answer(text: str) -> list[Sentence]:
    """The answer's sentences, each with the citation numbers of its own markers."""
    out = []
    for m in _SENTENCE.finditer(text):
        piece = m.group(0)
        if piece.strip():
            out.append(Sentence(piece, m.start(), m.end(), [int(n) for n in _MARKER.findall(piece)]))
    return out


@lru_cache(maxsize=1)
def _tagger():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def proper_nouns(text: str) -> list[str]:
    """Chinese proper nouns of two or more characters, by jieba's part-of-speech tags."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return []
    return [w for w, flag in _tagger().cut(text)
            if flag.startswith(_PROPER_FLAGS) and len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)]


def latin_names(text: str) -> list[str]:
    """Latin words that name something: in Chinese text all of them; in English text those
    with a digit or an inner capital, or capitalised words not opening the sentence."""
    english = not re.search(r"[\u4e00-\u9fff]", text)
    out = []
    for i, m in enumerate(_LATIN.finditer(text)):
        word = m.group()
        if not english:
            out.append(word)
        elif re.search(r"\d|.[A-Z]", word) or (word[0].isupper() and i > 0 and word.lower() not in _ENGLISH_STOP):
            out.append(word)
    return out


def extract_claims(sentence: str) -> list[Claim]:
    """The checkable claims of one sentence (markers already removed), in reading order."""
    claims: list[Claim] = []
    for groups in _QUOTED.findall(sentence):
        title = next(g for g in groups if g)
        claims.append(Claim(title.strip(), "title"))
    found_dates = dates(sentence)
    claims += [Claim(text, "date", parts=parts) for text, parts in found_dates]
    undated = _DATE.sub(lambda m: " " * len(m.group()), unicodedata.normalize("NFKC", sentence))
    claims += [Claim(text, "quantity", value) for text, value in quantities(undated)]
    claims += [Claim(word, "latin") for word in latin_names(sentence)]
    claims += [Claim(word, "name") for word in proper_nouns(sentence)]
    flat = normalise(sentence)
    return sorted(claims, key=lambda c: flat.find(normalise(c.text)) % (len(flat) + 1))


# ---------------------------------------------------------------- verifying

@dataclass
class Evidence:
    """What a set of passages can support, prepared once for many claims."""

    flat: str
    words: set[str]
    values: list[float]
    date_parts: set[tuple[str, float]]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Evidence:
        joined = "\n".join(texts)
        values = [v for _, v in quantities(joined)]
        parts = {p for _, ps in dates(joined) for p in ps}
        words = {w.lower() for w in _LATIN.findall(unicodedata.normalize("NFKC", joined))}
        return cls(normalise(joined), words, values, parts)

    def supports(self, claim: Claim) -> bool:
        if normalise(claim.text) in self.flat:
            return True
        if claim.kind == "quantity" and claim.value is not None:
            return any(_same(v, claim.value) for v in self.values)
        if claim.kind == "date":  # a year may stand without 年 in the passage ("2016 财年")
            return all(p in self.date_parts or (p[0] == "年" and any(_same(p[1], v) for v in self.values))
                       for p in claim.parts)
        if claim.kind == "latin":
            return all(w.lower() in self.words for w in _LATIN.findall(normalise(claim.text)))
        return False


def verify(answer: str, cited_texts: dict[int, str], all_texts: Sequence[str], question: str = "",
           lead: str = "") -> Verification:
    """The claims of ``answer`` that its passages do not hold.

    ``cited_texts`` maps citation numbers to the cited passages' text; a sentence is
    checked against the passages its markers name, a sentence without a valid marker
    against ``all_texts`` (every retrieved passage).  ``lead`` is the short answer stated
    before the answer, uncited: it is checked against every cited passage (every
    retrieved one when nothing is cited).  Claims the question contains are skipped.
    """
    asked = Evidence.of([question]) if question else None
    everything = Evidence.of(all_texts)
    result = Verification()
    checks = [(s.plain, [cited_texts[n] for n in s.cites if n in cited_texts]) for s in split_answer(answer)]
    if lead.strip():
        checks.insert(0, (lead, list(cited_texts.values())))
    for plain, cited in checks:
        evidence = Evidence.of(cited) if cited else everything
        for claim in extract_claims(plain):
            if asked is not None and asked.supports(claim):
                continue
            result.checked += 1
            if not evidence.supports(claim) and claim.text not in result.unsupported:
                result.unsupported.append(claim.text)
    return result


def supported_by(sentence: str, passage: str, question: str = "") -> bool:
    """Whether ``passage`` holds every claim of ``sentence`` (the question's excepted)."""
    return not verify(_MARKER.sub("", sentence), {}, [passage], question).unsupported
