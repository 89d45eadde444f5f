"""Figures as values, so that an English question's "100 million" is found in a Chinese
sentence's "1 亿", and "1,000 H800 GPUs" in "1000 张 H800".

Only Arabic numerals are read, with the scale words that follow them (million, 亿, 万);
a numeral inside a name (RT-2, GPT-3.5, H800) is part of the name, not a figure.
"""

from __future__ import annotations

import re

_ENGLISH_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_CHINESE_SCALE = {"千": 1e3, "万": 1e4, "十万": 1e5, "百万": 1e6, "千万": 1e7, "亿": 1e8, "十亿": 1e9, "百亿": 1e10,
                  "千亿": 1e11, "万亿": 1e12}
# A numeral after a letter and a hyphen is a version (RT-2, GPT-4); after a figure and a
# hyphen it ends a range (2019-2021).
_NUMBER = r"(?<![A-Za-z0-9.])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![A-Za-z0-9]|\.\d|-[A-Za-z])"
_ENGLISH_FIGURE = re.compile(_NUMBER + r"(?:\s*(thousand|million|billion|trillion)\b)?", re.I)
_CHINESE_FIGURE = re.compile(r"(?<![A-Za-z0-9.])(?<![A-Za-z]-)(\d+(?:\.\d+)?)(?![A-Za-z]|\.\d)\s*(万亿|[十百千]?亿|[十百千]?万|千)?")
# "过亿", "上亿": a hundred million without a numeral.
_ROUND_CHINESE = re.compile(r"[过上破超近数]([万亿])")


def english_figures(text: str) -> dict[str, float]:
    """The figures of an English text, as written → value ("100 million" → 1e8)."""
    out = {}
    for m in _ENGLISH_FIGURE.finditer(text):
        scale = _ENGLISH_SCALE[m.group(2).lower()] if m.group(2) else 1.0
        out[m.group().strip()] = float(m.group(1).replace(",", "")) * scale
    return out


def chinese_figures(text: str) -> set[float]:
    """Every value a Chinese text writes: a numeral alone and with its scale ("3 万" is
    both 3 and 30000, since "1.5 到 3 万" scales the 1.5 as well)."""
    values = set()
    for m in _CHINESE_FIGURE.finditer(text):
        number = float(m.group(1))
        values.add(number)
        if m.group(2):
            values.add(number * _CHINESE_SCALE[m.group(2)])
    values.update(_CHINESE_SCALE[m.group(1)] for m in _ROUND_CHINESE.finditer(text))
    return values


def holds(values: set[float], value: float) -> bool:
    """Is ``value`` among ``values``, up to floating-point error?"""
    return any(abs(v - value) <= 1e-9 * max(1.0, abs(value)) for v in values)
