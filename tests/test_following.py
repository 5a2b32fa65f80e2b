"""Following through the newsroom, over real SQLite stores and real spaCy: names resolved
through the stored aliases (exact, described, ambiguous, misspelt), notices owed once per
article and chat and never again once recorded (a reopened store included), follows that
outlive their entity, and timelines in the order of the dates the sentences name."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from spacy.language import Language

from knowledge import Article, Entity, Fact, Newsroom, Span
from knowledge.qa.timeline import build_timeline, start_of
from knowledge.storage.follows import Follows
from knowledge.storage.store import Store
from tests.botkit import Clock

from .conftest import DATA

# Articles written for these tests; the bundled one (Xinhua, 14 July 2017) is the seed.
VISIT = """title: Macron visits Beijing to talk trade
date: 2026-02-20
source: Test Wire

French President Emmanuel Macron arrived in Beijing on Thursday for three days of talks on trade \
and climate.

Macron said France wanted fairer access for its farmers to Chinese markets.

The visit follows a meeting of European trade ministers in Brussels last month.

Business leaders travelling with the president signed contracts worth two billion euros."""
BERGS = """title: Two Bergs lead the regional election
date: 2026-02-21

Anna Berg of the Green Party won the most votes in the northern district on Sunday.

Her cousin Lars Berg, a Labour candidate, came first in the southern district.

Anna Berg said she would work with any party that backs the new rail line."""
HARBOUR = (DATA / "harbour_council.txt").read_text()
START = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


def open_newsroom(nlp: Language, path: Path, clock: Clock) -> Newsroom:
    return Newsroom(Store(f"sqlite:///{path}"), nlp, clock=clock, reader=False)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def room(nlp: Language, tmp_path: Path, clock: Clock) -> Newsroom:
    return open_newsroom(nlp, tmp_path / "talks.db", clock)


def entity(room: Newsroom, name: str) -> Entity:
    found = room.follows.resolve(name).entity
    assert found is not None, name
    return found


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("de Mistura", "Staffan de Mistura"),  # a name the article uses
        ("STAFFAN DE MISTURA", "Staffan de Mistura"),
        ("the UN envoy", "Staffan de Mistura"),  # a description of him
        ("Chinese envoy", "Xie Xiaoyan"),
        ("Security Council", "UN Security Council"),
        ("Putin", "Vladimir Putin"),
    ],
)
def test_a_name_or_description_of_one_entity_resolves_to_it(
    room: Newsroom, said: str, meant: str
) -> None:
    resolved = room.follows.resolve(said)
    assert resolved.entity is not None
    assert (resolved.entity.name, resolved.choices) == (meant, ())


@pytest.mark.parametrize(
    ("said", "offered"),
    [
        ("de Mistrua", "Staffan de Mistura"),  # misspelt
        ("Mistura", "Staffan de Mistura"),  # a part of his name, never used alone
        ("Mistrua", "Staffan de Mistura"),  # that part misspelt
        ("Macrn", "Emmanuel Macron"),
        ("Vladimir Putn", "Vladimir Putin"),
    ],
)
def test_a_misspelt_name_offers_the_nearest_entities(
    room: Newsroom, said: str, offered: str
) -> None:
    resolved = room.follows.resolve(said)
    assert resolved.entity is None
    assert resolved.choices
    assert resolved.choices[0].name == offered


def test_a_name_two_entities_share_offers_both_and_nothing_offers_nothing(
    room: Newsroom,
) -> None:
    room.load_text(BERGS)
    shared = room.follows.resolve("Berg")
    assert shared.entity is None
    assert [e.name for e in shared.choices] == ["Anna Berg", "Lars Berg"], "most mentioned first"
    assert entity(room, "Lars Berg").name == "Lars Berg"
    assert room.follows.resolve("Xqzzv Wwplk").choices == ()
    assert room.follows.resolve("  ").choices == ()


def test_a_notice_is_owed_once_per_article_with_its_facts_on_the_followed(
    room: Newsroom, clock: Clock
) -> None:
    macron, china = entity(room, "Macron"), entity(room, "China")
    follow, new = room.follows.follow(5, macron.id) or (None, False)
    assert follow is not None
    assert new
    again = room.follows.follow(5, macron.id)
    assert again is not None
    assert again == (follow, False), "following again keeps the first follow"
    room.follows.follow(5, china.id)
    assert room.follows.chats_owed() == [], "the seed was loaded before the follow"

    clock.advance(minutes=1)
    room.load_text(HARBOUR)  # names neither
    visit = room.load_text(VISIT)
    assert room.follows.chats_owed() == [5]
    (notice,) = room.follows.owed(5)
    assert notice.article.id == visit.id
    assert set(notice.names) == {"Emmanuel Macron"}, "China is not named (Chinese is a NORP)"
    texts = [f.text for f in notice.facts]
    assert texts[0].startswith("French President Emmanuel Macron arrived in Beijing")
    assert not any("Brussels" in t for t in texts), "only the sentences about him"
    assert [f.position for f in notice.facts] == sorted(f.position for f in notice.facts)

    room.follows.notice_sent(5, visit.id)
    room.follows.notice_sent(5, visit.id)  # recorded twice (a race): still one row
    assert room.follows.owed(5) == []
    assert room.follows.notified(5) == {visit.id}
    assert room.stats().sends_day == (2, 0)


def test_one_notice_for_an_article_naming_several_followed(room: Newsroom, clock: Clock) -> None:
    for name in ("Macron", "France"):
        room.follows.follow(9, entity(room, name).id)
    clock.advance(minutes=1)
    visit = room.load_text(VISIT)
    assert room.follows.chats_owed() == [9]
    (notice,) = room.follows.owed(9)
    assert notice.article.id == visit.id
    assert set(notice.names) == {"Emmanuel Macron", "France"}
    assert any("France wanted" in f.text for f in notice.facts)


def test_what_was_recorded_is_not_owed_after_a_restart_and_what_was_not_still_is(
    nlp: Language, tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "talks.db"
    room = open_newsroom(nlp, path, clock)
    room.follows.follow(5, entity(room, "Macron").id)
    room.follows.follow(6, entity(room, "Macron").id)
    clock.advance(minutes=1)
    visit = room.load_text(VISIT)
    room.follows.notice_sent(5, visit.id)  # chat 6's send never happened
    room.store.engine.dispose()

    again = open_newsroom(nlp, path, clock)
    assert again.follows.chats_owed() == [6]
    assert again.follows.owed(5) == []
    assert [n.article.id for n in again.follows.owed(6)] == [visit.id]
    assert [f.name for f in again.follows.following(6)] == ["Emmanuel Macron"]


def test_a_failed_notice_stays_owed_and_a_blocked_chat_loses_its_follows(
    room: Newsroom, clock: Clock
) -> None:
    room.follows.follow(5, entity(room, "Macron").id)
    clock.advance(minutes=1)
    room.load_text(VISIT)
    room.follows.notice_failed(5, "Timed out")
    assert room.follows.chats_owed() == [5]
    room.follows.notice_failed(5, "Forbidden: bot was blocked by the user", blocked=True)
    assert room.follows.following(5) == []
    assert room.follows.chats_owed() == []
    assert room.stats().sends_day == (0, 2)


def test_unfollow_by_name_among_the_chats_follows(room: Newsroom) -> None:
    room.load_text(BERGS)
    for name in ("Anna Berg", "Lars Berg", "Macron"):
        room.follows.follow(5, entity(room, name).id)
    one, choices = room.follows.find_followed(5, "macron")
    assert one is not None
    assert (one.name, choices) == ("Emmanuel Macron", [])
    one, choices = room.follows.find_followed(5, "Berg")
    assert one is None
    assert {f.name for f in choices} == {"Anna Berg", "Lars Berg"}
    one, choices = room.follows.find_followed(5, "Lars Brg")
    assert one is None
    assert [f.name for f in choices][:1] == ["Lars Berg"]
    assert room.follows.find_followed(5, "China") == (None, [])
    assert room.follows.unfollow(6, one.id if one else choices[0].id) is None, "not chat 6's"
    gone = room.follows.unfollow(5, choices[0].id)
    assert gone is not None
    assert [f.name for f in room.follows.following(5)] == ["Anna Berg", "Emmanuel Macron"]


def test_a_follow_outlives_its_entity_and_links_again_by_name(
    room: Newsroom, clock: Clock
) -> None:
    """Removing every article that names an entity deletes it; the follow stays, and a later
    article naming it again (a new entity row) is linked and owed."""
    room.load_text(BERGS)
    anna = entity(room, "Anna Berg")
    room.follows.follow(5, anna.id)
    room.remove(2)
    assert room.follows.find_followed(5, "Anna Berg")[0] is not None
    (orphan,) = room.follows.following(5)
    assert (orphan.entity_id, orphan.name) == (None, "Anna Berg")

    clock.advance(minutes=1)
    later = room.load_text(BERGS.replace("Two Bergs lead", "Bergs ahead").replace("rail", "tram"))
    assert room.follows.chats_owed() == [5]
    (linked,) = room.follows.following(5)
    # SQLite may give the new row the old id: the follow was unlinked (SET NULL) all the same,
    # so an id handed to another entity meanwhile would never have been followed by mistake
    assert linked.entity_id == entity(room, "Anna Berg").id
    assert [n.article.id for n in room.follows.owed(5)] == [later.id]


def test_timeline_of_the_bundled_article_is_in_date_order(room: Newsroom) -> None:
    timeline = room.follows.timeline(entity(room, "de Mistura").id)
    assert timeline is not None
    days = [e.day for e in timeline.entries]
    assert days == sorted(days)
    assert len(timeline.entries) == 12
    first = timeline.entries[0]
    assert (first.when, first.day) == ("2014-07", dt.date(2014, 7, 1))
    assert "since July 2014" in first.fact.text
    undated = [e for e in timeline.entries if e.when is None]
    assert undated
    assert {e.day for e in undated} == {dt.date(2017, 7, 14)}, "the article's date"
    assert room.follows.timeline(10**6) is None


def _fact(fid: int, article: int, position: int, spans: tuple[Span, ...] = ()) -> Fact:
    return Fact(fid, article, position, 0, "x", (), spans, (1,))


def _date(resolved: str) -> Span:
    return Span(0, 1, "x", "DATE", resolved)


def test_build_timeline_places_each_sentence_at_the_date_nearest_its_article() -> None:
    who = Entity(1, "Ana Lund", "PERSON", ("Ana Lund",))
    loaded = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    articles = {
        1: Article(1, "Old", None, None, dt.date(2020, 5, 10), loaded),
        2: Article(2, "New", None, None, dt.date(2024, 3, 1), loaded),
    }
    facts = [
        _fact(10, 2, 0),  # no date: its article's, 1 March 2024
        _fact(11, 2, 1, (_date("2011"), _date("2024-02-27"))),  # the nearer: 27 February
        _fact(12, 1, 0, (_date("week of 2020-05-04"),)),
        _fact(13, 1, 1, (_date("2019-11"), _date("not a date"))),
        Fact(14, 1, 2, 0, "x", (), (), (2,)),  # about someone else
        _fact(15, 3, 0),  # an article not given (removed)
    ]
    timeline = build_timeline(who, facts, articles)
    assert [(e.fact.id, e.when, e.day) for e in timeline.entries] == [
        (13, "2019-11", dt.date(2019, 11, 1)),
        (12, "week of 2020-05-04", dt.date(2020, 5, 4)),
        (11, "2024-02-27", dt.date(2024, 2, 27)),
        (10, None, dt.date(2024, 3, 1)),
    ]


@pytest.mark.parametrize(
    ("resolved", "day"),
    [
        ("2017-07-14", dt.date(2017, 7, 14)),
        ("2017-07", dt.date(2017, 7, 1)),
        ("2017", dt.date(2017, 1, 1)),
        ("week of 2017-07-10", dt.date(2017, 7, 10)),
        ("2017-02-30", None),
        ("soon", None),
    ],
)
def test_start_of_a_resolved_date(resolved: str, day: dt.date | None) -> None:
    assert start_of(resolved) == day


def test_scans_at_once_match_each_article_once(room: Newsroom, clock: Clock) -> None:
    """The tick and a load's own round may scan together: each article is matched once, and
    what it owes is owed once."""
    room.follows.follow(5, entity(room, "Macron").id)
    clock.advance(minutes=1)
    visit = room.load_text(VISIT)
    scanners = [Follows(room.store) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        owed = list(pool.map(lambda f: f.chats_owed(), scanners))
    assert all(o == [5] for o in owed)
    assert [n.article.id for n in room.follows.owed(5)] == [visit.id]
    assert scanners[0].scan() == 0, "nothing left to match"
