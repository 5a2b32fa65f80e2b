"""What the facade hands out and takes besides the models: fetch options, statistics (totals and
per day), a logged answer, the clock, and how buttons name facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from knowledge.models import Answer, Fact, Feed
from knowledge.storage.journal import Window

# How long work shows its progress: ``progress(what, total)`` is entered around the work and
# gives ``advance(n)``, called as steps get done. The CLI draws a bar; the bot and tests pass
# ``no_progress``.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


def no_progress(what: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
    """Progress shown nowhere."""
    return nullcontext(_ignore)


def _ignore(n: int) -> None:
    pass


def default_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class WebOptions:
    """How pages and feeds are fetched (settings ``TALKS_FETCH_*``)."""

    allow_hosts: frozenset[str] = frozenset()
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5

    def limits(self) -> dict[str, Any]:
        """The keyword arguments of ``fetch`` and ``read_url``."""
        return {
            "allow_hosts": self.allow_hosts,
            "timeout": self.timeout,
            "max_bytes": self.max_bytes,
            "max_redirects": self.max_redirects,
        }


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    facts: int
    entities: int
    subscribers: dict[str, int]
    day: Window
    week: Window
    unanswered: list[tuple[str, int]]
    sends_day: tuple[int, int]
    sends_week: tuple[int, int]
    feeds: list[Feed]


@dataclass(frozen=True, slots=True)
class Activity:
    """Questions per calendar day in ``zone``, oldest first, ending today: every day has its
    ``Window`` (zeros where nothing was asked), so a chart needs no gaps filled."""

    zone: str
    days: tuple[dt.date, ...]
    counts: tuple[Window, ...]


@dataclass(frozen=True, slots=True)
class Asked:
    """An answer with the id of its question-log row (buttons refer to it)."""

    answer: Answer
    question_id: int


def fact_ref(fact: Fact) -> str:
    """How a button names a fact: by article and position, which outlive its id (see
    ``Newsroom.fact``)."""
    return f"{fact.article_id}:{fact.position}"
