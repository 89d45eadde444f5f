"""The citation marker syntax: one definition for the checker, the prompt and the UI.

``[1]``, ``[1,3]``, ``[1, 3]``, ``[1，3]``, ``[1、3]``, ``【1】``: the forms LLMs write.
Numbers have at most three digits, so a bracketed year (``[2023]``) stays prose.
"""

from __future__ import annotations

import re

OPENERS = "[【"
MARKER = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]")
# What a marker can look like before its closing bracket has arrived (while streaming).
PARTIAL = re.compile(r"[\[【]\s*(\d{1,3}(\s*[,，、]\s*\d{0,3})*)?\s*")
_SEPARATOR = re.compile(r"\s*[,，、]\s*")


def marker_numbers(group: str) -> list[str]:
    """The numbers of a marker, as written, from its first group (``"1，3"`` → ``["1", "3"]``)."""
    return _SEPARATOR.split(group.strip())
