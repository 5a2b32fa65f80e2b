"""Does a text read as prose? Code, logs and tables of numbers are not articles.

Each line is one of four kinds, by its own tokens:

- ``log``: it starts as log records do (a timestamp, a level such as ``INFO``);
- ``code``: it holds at least one code marker per ten tokens (a call ``f(``, ``a.b(``,
  ``snake_case``, an operator, a brace or a semicolon closing the line, a tag, a comment, a
  docstring, an ``import``, ``def`` or annotated field, a path ``a/b/c``);
- ``table``: a third of its characters are digits, fewer than half its tokens are words, or it
  is a row of fields (separated by commas with no space after them, tabs or pipes): CSV rows,
  score tables, separator lines;
- ``prose`` otherwise.

A text is prose when at least ``MIN_PROSE_SHARE`` of its characters stand in prose lines. The
threshold is chosen on data by ``bench/prose.py``: every BBC article has 0.979 or more of its
text in prose lines and every English page of the extraction benchmark 0.651 or more (a sports
page half made of stat tables), while this project's own ``.py`` files have at most 0.49 and
logs and CSV files at most 0.24; 0.55 sits between.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_PROSE_SHARE = 0.55
CODE_MARKERS_PER_TOKEN = 0.1  # a line with at least this many markers per token is code
TABLE_DIGIT_SHARE = 0.3  # of a line's characters
MIN_WORD_SHARE = 0.5  # of a line's tokens
# A row of fields: two separators or more, one per this many tokens or more (so that a page whose
# whole text stands in one table cell, "| ... |", is still prose).
TOKENS_PER_FIELD = 8

# A word with the punctuation prose puts around it: "(the", "UN's", "well-known,", "said:".
_WORD = re.compile(r"[(\"“‘'\[]*[^\W\d_]+(?:['’.-][^\W\d_]+)*[)\"”’'.,;:!?\]]*")
_CODE = re.compile(
    "|".join(
        [
            r"[A-Za-z_]\w*\(",  # a call
            r"\b[a-z_]\w*\.[a-z_]\w*\(|\bself\.\w",  # a method call, an attribute
            r"\b[A-Za-z]+_\w+\b",  # snake_case
            r"[=!<>+*/-]=|->|=>|::|\s=\s|\w=[\w\"'({\[]|\w\[",  # operators, indexing
            r"[{};]\s*$|^\s*[{}]",  # braces and semicolons that close or open a line
            r"</?\w+>|^\s*#!|^\s*(?:#|//)\s*\w|\S\s{2,}#\s",  # tags, comments
            r"\"\"\"|``|^\s*[\"'][^\"']*[\"'],\s*$",  # docstrings, strings listed one a line
            r"^\s*(?:(?:async\s+)?def|class)\s+\w+|^\s*import\s+\w|^\s*from\s+[\w.]+\s+import\b",
            r"^\s+[a-z_]\w*:\s*[A-Za-z_][\w.\[\], |]*$",  # an annotated field
            r"^\s*(?:return|raise|elif|else:|try:|except\b|finally:|pass$|yield)\b",
            r"\b[A-Za-z_][\w.-]*/[A-Za-z_][\w.-]*/",  # a path or a URL
        ]
    )
)
# Field separators: a comma with no space after it (not a thousands separator, nor before a
# closing quote, but before a quoted field), a tab, a pipe between spaces.
_DELIMITER = re.compile(
    r"(?<![\s\d]),(?=[^\s\"'”’)\]])|,(?=[^\s\d\"'”’)\]])"  # commas
    r"|(?<=\S),(?=[\"'][^\s,.;])"  # a comma opening a quoted field
    r"|\S\t+(?=\S)|\s\|(?=\s)"  # tabs, pipes
)
_LOG = re.compile(
    r"^\s*\[?(?:\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d|\d+\s+(?:verbose|info|silly|timing|http)\b"
    r"|(?:DEBUG|INFO|WARN(?:ING)?|ERROR|TRACE|FATAL|CRITICAL)\b)"
)

_REASONS = {
    "code": "This reads as program code, not an article",
    "table": "This reads as a table of numbers or data, not an article",
    "log": "This reads as a log file, not an article",
}


def line_kind(line: str) -> str | None:
    """``prose``, ``code``, ``table`` or ``log``; None for a blank line."""
    tokens = line.split()
    if not tokens:
        return None
    if _LOG.match(line):
        return "log"
    if len(_CODE.findall(line)) >= max(1.0, CODE_MARKERS_PER_TOKEN * len(tokens)):
        return "code"
    chars = sum(len(t) for t in tokens)
    digits = sum(ch.isdigit() for t in tokens for ch in t)
    words = sum(1 for t in tokens if _WORD.fullmatch(t))
    if (
        digits >= TABLE_DIGIT_SHARE * chars
        or words < MIN_WORD_SHARE * len(tokens)
        or len(_DELIMITER.findall(line)) >= max(2.0, len(tokens) / TOKENS_PER_FIELD)
    ):
        return "table"
    return "prose"


@dataclass(frozen=True, slots=True)
class Shares:
    """The share of a text's characters in lines of each kind."""

    prose: float
    code: float
    table: float
    log: float

    @property
    def other(self) -> str:
        """The commonest kind that is not prose."""
        return max(("code", "table", "log"), key=lambda k: getattr(self, k))


def shares(lines: Iterable[str]) -> Shares:
    """How much of the text (by characters, blank lines aside) is in lines of each kind."""
    sizes = {"prose": 0, "code": 0, "table": 0, "log": 0}
    for line in lines:
        kind = line_kind(line)
        if kind is not None:
            sizes[kind] += len(line.strip())
    total = sum(sizes.values()) or 1
    return Shares(**{k: v / total for k, v in sizes.items()})


def refusal(lines: Iterable[str]) -> str | None:
    """Why the text is not prose (code, a table, a log), or None when it is."""
    measured = shares(lines)
    if measured.prose >= MIN_PROSE_SHARE:
        return None
    kind = measured.other
    return (
        f"{_REASONS[kind]} ({getattr(measured, kind):.0%} of its text is {kind} lines, "
        f"{measured.prose:.0%} prose)."
    )
