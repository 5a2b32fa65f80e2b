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
from knowledge.schedule import ScheduleError, next_due, parse_subscription, parse_time, parse_zone
from knowledge.storage.subscribers import Subscribers
from tests.conftest import DATA

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
        ("", ("daily", dt.time(8, 0), "UTC")),
        ("7:05", ("daily", dt.time(7, 5), "UTC")),
        ("europe/berlin 21:30", ("daily", dt.time(21, 30), "Europe/Berlin")),
        ("instant", ("instant", dt.time(8, 0), "UTC")),
    ],
)
def test_parse_subscription(args: str, expected: tuple[str, dt.time, str]) -> None:
    assert parse_subscription(args, default_time=dt.time(8, 0), default_tz="UTC") == expected


@pytest.mark.parametrize("args", ["25:00", "8:61", "noon", "Mars/Olympus", "../etc/passwd"])
def test_parse_subscription_refuses_nonsense(args: str) -> None:
    with pytest.raises(ScheduleError):
        parse_subscription(args, default_time=dt.time(8, 0), default_tz="UTC")


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
    reopened = Subscribers(type(newsroom.store)(newsroom.store.url))
    assert reopened.pending(42) == []
    assert reopened.delivered(42) == {article.id}
    assert reopened.due(later) == []
    sub = reopened.get(42)
    assert sub is not None
    assert sub.next_due is not None
    assert sub.next_due > later


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
