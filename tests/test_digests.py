"""Digest timing (DST-safe), subscription parsing, and the subscribers table (no loss, no
repeat)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge import Newsroom
from knowledge.places import Place, resolve_place, zone_at
from knowledge.schedule import (
    ScheduleError,
    UnknownPlaceError,
    Wish,
    next_due,
    parse_pause,
    parse_subscription,
    parse_time,
    parse_zone,
)
from knowledge.storage.subscribers import Subscribers
from tests.conftest import DATA


@pytest.fixture
def newsroom(dialect_newsroom: Newsroom) -> Newsroom:
    """The store's tests hold on SQLite and on PostgreSQL alike."""
    return dialect_newsroom


BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("clock", "zone", "after", "due"),
    [
        ("08:00", "UTC", at(2026, 5, 1, 7, 0), at(2026, 5, 1, 8, 0)),
        ("08:00", "UTC", at(2026, 5, 1, 8, 0), at(2026, 5, 2, 8, 0)),  # strictly after
        ("07:30", "Europe/Berlin", at(2026, 3, 1, 6, 0), at(2026, 3, 1, 6, 30)),  # CET
        ("07:30", "Europe/Berlin", at(2026, 7, 1, 6, 0), at(2026, 7, 2, 5, 30)),  # CEST
        # spring forward in Berlin (29 March 2026, 02:00 → 03:00): 02:30 does not exist
        ("02:30", "Europe/Berlin", at(2026, 3, 28, 12, 0), at(2026, 3, 29, 1, 30)),
        # fall back in New York (1 Nov 2026, 02:00 → 01:00): 01:30 happens twice, sent once
        ("01:30", "America/New_York", at(2026, 10, 31, 12, 0), at(2026, 11, 1, 5, 30)),
        ("01:30", "America/New_York", at(2026, 11, 1, 5, 30), at(2026, 11, 2, 6, 30)),
    ],
)
def test_next_due_keeps_local_time_across_dst(
    clock: str, zone: str, after: dt.datetime, due: dt.datetime
) -> None:
    assert next_due(parse_time(clock), parse_zone(zone), after=after) == due


@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)),  # noqa: DTZ001 - hypothesis wants naive bounds
    st.times(),
    st.sampled_from(
        ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
    ),
)
def test_next_due_is_soon_after_and_never_repeats(
    after: dt.datetime, clock: dt.time, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    start = after.replace(tzinfo=UTC)
    due = next_due(clock.replace(second=0, microsecond=0), zone, after=start)
    assert start < due <= start + dt.timedelta(hours=49)
    again = next_due(clock.replace(second=0, microsecond=0), zone, after=due)
    assert again - due >= dt.timedelta(hours=22)  # a day later, give or take a DST change


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", Wish("daily", dt.time(8, 0), "UTC")),
        ("7:05", Wish("daily", dt.time(7, 5), "UTC")),
        ("europe/berlin 21:30", Wish("daily", dt.time(21, 30), "Europe/Berlin", "Berlin")),
        ("instant", Wish("instant", dt.time(8, 0), "UTC")),
        ("8am London", Wish("daily", dt.time(8, 0), "Europe/London", "London")),
        ("7:30 Paris", Wish("daily", dt.time(7, 30), "Europe/Paris", "Paris")),
        ("20:00 New York", Wish("daily", dt.time(20, 0), "America/New_York", "New York")),
        ("tokyo 9", Wish("daily", dt.time(9, 0), "Asia/Tokyo", "Tokyo")),
        ("at 7.30pm in Munich", Wish("daily", dt.time(19, 30), "Europe/Berlin", "Munich")),
        ("12am UTC+3", Wish("daily", dt.time(0, 0), "Etc/GMT-3", "UTC+3")),
        ("noon bombay", Wish("daily", dt.time(12, 0), "Asia/Kolkata", "Mumbai")),
        ("instant Москва", Wish("instant", dt.time(8, 0), "Europe/Moscow", "Moscow")),
    ],
)
def test_parse_subscription(args: str, expected: Wish) -> None:
    assert parse_subscription(args, default_time=dt.time(8, 0), default_tz="UTC") == expected


@pytest.mark.parametrize(
    "args",
    ["25:00", "8:61", "13pm", "0930 London", "8am 9pm", "Mars/Olympus", "../etc/passwd"],
)
def test_parse_subscription_refuses_nonsense(args: str) -> None:
    with pytest.raises(ScheduleError):
        parse_subscription(args, default_time=dt.time(8, 0), default_tz="UTC")


@pytest.mark.parametrize(
    ("said", "suggested"),
    [("Lodnon", "London"), ("Nwe York", "New York"), ("Sna Francisco", "San Francisco")],
)
def test_a_misspelt_place_is_refused_with_the_place_meant(said: str, suggested: str) -> None:
    with pytest.raises(UnknownPlaceError) as refused:
        parse_subscription(f"8am {said}", default_time=dt.time(9), default_tz="UTC")
    assert refused.value.suggestions[0].name == suggested
    assert refused.value.wish.at == dt.time(8), "the time said stays with the suggestion"


@pytest.mark.parametrize(
    ("said", "place"),
    [
        ("London", Place("London", "Europe/London")),  # a zone's city, not London, Ontario
        ("paris", Place("Paris", "Europe/Paris")),  # not Paris, Texas
        ("San Francisco", Place("San Francisco", "America/Los_Angeles")),  # GeoNames
        ("St Petersburg", Place("Saint Petersburg", "Europe/Moscow")),  # Russia, not Florida
        ("são paulo", Place("Sao Paulo", "America/Sao_Paulo")),  # accents do not matter
        ("Europe/Kyiv", Place("Kyiv", "Europe/Kyiv")),
        ("Kiev", Place("Kiev", "Europe/Kyiv")),  # an old name: the zone it points at
        ("Calcutta", Place("Calcutta", "Asia/Kolkata")),
        ("utc", Place("UTC", "UTC")),
    ],
)
def test_places_resolve_to_their_zones(said: str, place: Place) -> None:
    assert resolve_place(said) == place


def test_a_shared_location_gives_its_zone() -> None:
    assert zone_at(51.5072, -0.1276) == "Europe/London"
    assert zone_at(35.6895, 139.6917) == "Asia/Tokyo"
    assert zone_at(40.7128, -74.0060) == "America/New_York"
    assert zone_at(91.0, 0.0) is None


@pytest.mark.parametrize(
    ("said", "length"),
    [
        ("7d", dt.timedelta(days=7)),
        ("2w", dt.timedelta(days=14)),
        ("12h", dt.timedelta(hours=12)),
        ("3 days", dt.timedelta(days=3)),
        ("1 month", dt.timedelta(days=30)),
        ("", None),
    ],
)
def test_parse_pause(said: str, length: dt.timedelta | None) -> None:
    assert parse_pause(said) == length


@pytest.mark.parametrize("said", ["7x", "0d", "400d", "soon", "-3d"])
def test_parse_pause_refuses_nonsense(said: str) -> None:
    with pytest.raises(ScheduleError):
        parse_pause(said)


def test_a_pause_moves_the_digest_past_it_and_keeps_what_is_new(newsroom: Newsroom) -> None:
    subs = Subscribers(newsroom.store)
    now = newsroom.clock() + dt.timedelta(seconds=1)  # 24 Nov 2026, 12:00 UTC
    subs.subscribe(42, mode="daily", at=dt.time(9, 0), timezone="Europe/Berlin", now=now)
    paused = subs.pause(42, until=now + dt.timedelta(days=3), now=now)
    assert paused is not None
    assert paused.paused(now)
    assert paused.next_due == at(2026, 11, 28, 8, 0), "the first 09:00 after the pause"
    newsroom.clock = lambda: now + dt.timedelta(minutes=5)
    article = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    assert subs.due(at(2026, 11, 26, 8, 0)) == []
    assert [s.chat_id for s in subs.due(at(2026, 11, 28, 8, 0))] == [42]
    assert subs.pending(42) == [article.id], "what came in the pause waits for the digest"

    forever = subs.pause(42, until=None, now=now)
    assert forever is not None
    assert forever.next_due is None
    assert forever.paused(now + dt.timedelta(days=999))
    resumed, was = subs.resume(42, now=now)
    assert was
    assert resumed is not None
    assert not resumed.paused(now)
    assert resumed.next_due == at(2026, 11, 25, 8, 0)
    assert subs.resume(42, now=now)[1] is False
    assert subs.pause(99, until=None, now=now) is None, "no subscription, nothing to pause"


def test_a_paused_instant_subscriber_is_owed_nothing_until_the_pause_ends(
    newsroom: Newsroom,
) -> None:
    subs = Subscribers(newsroom.store)
    now = newsroom.clock() + dt.timedelta(seconds=1)
    subs.subscribe(7, mode="instant", at=dt.time(8, 0), timezone="UTC", now=now)
    subs.pause(7, until=now + dt.timedelta(hours=12), now=now)
    newsroom.clock = lambda: now + dt.timedelta(minutes=5)
    newsroom.load_text((DATA / "harbour_council.txt").read_text())
    assert subs.instant_pending(now + dt.timedelta(hours=1)) == []
    assert subs.instant_pending(now + dt.timedelta(hours=12)) == [7]


def test_deliveries_are_recorded_once_and_survive_reopening(newsroom: Newsroom) -> None:
    subs = Subscribers(newsroom.store)
    now = newsroom.clock() + dt.timedelta(seconds=1)
    subs.subscribe(42, mode="daily", at=dt.time(9, 0), timezone="Europe/Berlin", now=now)
    assert subs.pending(42) == [], "articles loaded before subscribing are not news"
    newsroom.clock = lambda: now + dt.timedelta(minutes=5)
    article = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    assert subs.pending(42) == [article.id]
    later = now + dt.timedelta(hours=22)  # past 09:00 in Berlin the next day
    assert [s.chat_id for s in subs.due(later)] == [42]
    subs.record_sent(42, [article.id], now=later, advance=True)
    subs.record_sent(42, [article.id], now=later, advance=True)  # a retried commit adds nothing
    other = type(newsroom.store)(newsroom.store.url)
    reopened = Subscribers(other)
    assert reopened.pending(42) == []
    assert reopened.delivered(42) == {article.id}
    assert reopened.due(later) == []
    sub = reopened.get(42)
    assert sub is not None
    assert sub.next_due is not None
    assert sub.next_due > later
    other.engine.dispose()


def test_unsubscribe_then_subscribe_starts_afresh(newsroom: Newsroom, tmp_path: Path) -> None:
    subs = Subscribers(newsroom.store)
    now = newsroom.clock() + dt.timedelta(seconds=1)
    subs.subscribe(7, mode="instant", at=dt.time(8, 0), timezone="UTC", now=now)
    assert subs.instant_pending(now) == []
    assert subs.unsubscribe(7)
    assert not subs.unsubscribe(7)
    again = subs.subscribe(7, mode="daily", at=dt.time(6, 0), timezone="utc", now=now)
    assert again.active
    assert (again.mode, again.timezone) == ("daily", "UTC")
    assert subs.counts() == {"daily": 1}


def test_an_article_delivered_to_one_instant_subscriber_is_still_owed_to_another(
    newsroom: Newsroom,
) -> None:
    subs = Subscribers(newsroom.store)
    now = newsroom.clock() + dt.timedelta(seconds=1)
    for chat in (7, 8):
        subs.subscribe(chat, mode="instant", at=dt.time(8, 0), timezone="UTC", now=now)
    newsroom.clock = lambda: now + dt.timedelta(minutes=5)
    article = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    subs.record_sent(7, [article.id], now=now + dt.timedelta(minutes=6), advance=False)
    assert subs.instant_pending(now + dt.timedelta(minutes=7)) == [8]
