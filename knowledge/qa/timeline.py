"""What the articles say about one entity, in time order.

Each sentence that mentions the entity is placed at the date it names, resolved against its
article's date when the extractor stored it ("Friday" → 2017-07-14); a sentence naming several
dates is placed at the one nearest its article's date (news tells what just happened; the
farther dates are mostly background, "since 2011", or outlook); one naming none, at its
article's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from knowledge.models import Article, Entity, Fact


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One sentence about the entity. ``when``: the resolved date as stored ("2017-07-14",
    "2017-07", "2017", "week of 2017-07-10"), or None where the sentence names no date and
    ``day`` is its article's."""

    day: dt.date
    when: str | None
    fact: Fact
    article: Article


@dataclass(frozen=True, slots=True)
class Timeline:
    entity: Entity
    entries: tuple[TimelineEntry, ...]  # oldest first


def build_timeline(
    entity: Entity, facts: Iterable[Fact], articles: Mapping[int, Article]
) -> Timeline:
    """The entity's timeline from the facts that mention it (their articles in ``articles``)."""
    entries = []
    for fact in facts:
        article = articles.get(fact.article_id)
        if article is None or entity.id not in fact.entity_ids:
            continue
        when, day = _dated(fact, article.published)
        entries.append(TimelineEntry(day, when, fact, article))
    entries.sort(key=lambda e: (e.day, e.article.published, e.article.id, e.fact.position))
    return Timeline(entity, tuple(entries))


def _dated(fact: Fact, published: dt.date) -> tuple[str | None, dt.date]:
    """The resolved date of ``fact`` nearest to ``published``, with the day it starts on."""
    dated = [
        (abs((day - published).days), day, sp.resolved)
        for sp in fact.spans
        if sp.label == "DATE" and sp.resolved
        for day in [start_of(sp.resolved)]
        if day is not None
    ]
    if not dated:
        return None, published
    _, day, when = min(dated)
    return when, day


def start_of(resolved: str) -> dt.date | None:
    """The first day of a resolved date: "2017-07" → 1 July 2017; None for what is not one."""
    iso = resolved.removeprefix("week of ")
    try:
        if len(iso) == 10:
            return dt.date.fromisoformat(iso)
        if len(iso) == 7:
            return dt.date.fromisoformat(iso + "-01")
        if len(iso) == 4 and iso.isdigit():
            return dt.date(int(iso), 1, 1)
    except ValueError:
        return None
    return None
