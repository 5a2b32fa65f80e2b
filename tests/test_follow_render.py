"""What follow notices and timelines look like, from hand-built facts: names in bold (not
pronouns), long sentences and long timelines within one Telegram message, pages that clamp."""

from __future__ import annotations

import datetime as dt

from handlers import buttons
from handlers.follow import (
    NOTICE_FACTS,
    PAGE_ENTRIES,
    did_you_mean,
    notice_html,
    timeline_html,
    timeline_keyboard,
)
from handlers.render import LIMIT, utf16_len
from knowledge import (
    Article,
    Entity,
    Fact,
    Follow,
    FollowNotice,
    Resolved,
    Timeline,
    TimelineEntry,
)
from knowledge.models import Mention

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
ANA = Entity(7, "Ana Lund", "PERSON", ("Ana Lund", "Lund"), ("harbour master",))
ARTICLE = Article(3, "Port <news> & more", "Gazette", None, dt.date(2026, 2, 20), NOW)


def fact(position: int, text: str, *mentions: tuple[str, str]) -> Fact:
    """A fact about Ana whose ``mentions`` are (the words, their kind) in ``text``, in order."""
    ms, at = [], 0
    for words, kind in mentions:
        at = text.index(words, at)
        ms.append(Mention(ANA.id, at, at + len(words), kind))
        at += len(words)
    return Fact(100 + position, ARTICLE.id, position, 0, text, (), (), (ANA.id,), tuple(ms))


def test_a_notice_bolds_the_names_not_the_pronouns_and_escapes_the_rest() -> None:
    facts = (
        fact(0, "Ana Lund & Lund's crew sailed <early>.", ("Ana Lund", "name"), ("Lund", "alias")),
        fact(1, "She said the port would reopen.", ("She", "pronoun")),
    )
    follow = Follow(1, 5, ANA.id, ANA.name, ANA.label, NOW)
    html = notice_html(FollowNotice(ARTICLE, (follow,), facts))
    assert html.splitlines() == [
        "🔔 <b>Ana Lund</b> in a new article",
        "<i>Port &lt;news&gt; &amp; more</i>",
        "20 February 2026 · #3 · Gazette",
        "• <b>Ana Lund</b> &amp; <b>Lund</b>'s crew sailed &lt;early&gt;.",
        "• She said the port would reopen.",
    ]


def test_a_long_notice_stays_one_message_and_points_to_the_rest() -> None:
    long = "Ana Lund " + "spoke at length about the harbour " * 30
    facts = tuple(fact(i, long, ("Ana Lund", "name")) for i in range(NOTICE_FACTS + 3))
    follow = Follow(1, 5, ANA.id, ANA.name, ANA.label, NOW)
    html = notice_html(FollowNotice(ARTICLE, (follow,), facts))
    assert html.count("• ") == NOTICE_FACTS
    assert html.endswith("… and 3 more: /article 3")
    assert utf16_len(html) < LIMIT


def timeline_of(n: int) -> Timeline:
    text = "Lund " + "x" * 600
    entries = tuple(
        TimelineEntry(
            dt.date(2020, 1, 1) + dt.timedelta(days=i),
            None if i % 2 else f"{2020 + i // 365}",
            fact(i, text, ("Lund", "alias")),
            ARTICLE,
        )
        for i in range(n)
    )
    return Timeline(ANA, entries)


def test_a_timeline_page_fits_one_message_and_pages_clamp() -> None:
    timeline = timeline_of(PAGE_ENTRIES * 2 + 1)
    first = timeline_html(timeline)
    assert "oldest first (1–8 of 17)" in first
    assert first.count("<b>Lund</b>") == PAGE_ENTRIES
    assert "<b>reported 20 February 2026</b> · #3" in first
    assert utf16_len(first) < LIMIT
    assert [
        b.callback_data for row in timeline_keyboard(timeline).inline_keyboard for b in row
    ] == [
        buttons.timeline(ANA.id, 1),
        buttons.follow(ANA.id),
    ]
    last = timeline_html(timeline, 99)  # an old button past the end: the last page
    assert "(17–17 of 17)" in last
    assert timeline_html(timeline, -3) == first
    middle = [
        b.callback_data for row in timeline_keyboard(timeline, 1).inline_keyboard for b in row
    ]
    assert middle[:2] == [buttons.timeline(ANA.id, 0), buttons.timeline(ANA.id, 2)]


def test_an_empty_timeline_and_a_name_that_names_nothing() -> None:
    assert "say nothing more" in timeline_html(Timeline(ANA, ()))
    text, markup = did_you_mean(Resolved("<Xq>"), [])
    assert "“&lt;Xq&gt;”" in text
    assert markup is None
    text, markup = did_you_mean(Resolved("Lnd", choices=(ANA,)), [buttons.follow(7, choice=True)])
    assert text == "Whom do you mean by “Lnd”?"
    assert markup is not None
    assert markup.inline_keyboard[0][0].text == "Ana Lund · harbour master"
