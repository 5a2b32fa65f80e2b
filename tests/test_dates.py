"""Relative dates resolved against the article's date (a Friday here)."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.nlp.dates import relative_time, resolve_date

FRIDAY = dt.date(2017, 7, 14)


@pytest.mark.parametrize(
    ("text", "future", "expected"),
    [
        ("Friday", False, "2017-07-14"),
        ("Friday's", False, "2017-07-14"),
        ("Monday", False, "2017-07-10"),
        ("on Monday", True, "2017-07-17"),
        ("next Tuesday", False, "2017-07-18"),
        ("yesterday", False, "2017-07-13"),
        ("earlier this month", False, "2017-07"),
        ("this week", False, "week of 2017-07-10"),
        ("last month", False, "2017-06"),
        ("early September", True, "2017-09"),
        ("May 19", False, "2017-05-19"),
        ("May 19", True, "2018-05-19"),
        ("19 May 2015", False, "2015-05-19"),
        ("July 2014", False, "2014-07"),
        ("2011", False, "2011"),
        ("next year", False, "2018"),
        ("six-year", False, None),
        ("the coming weeks", True, None),
    ],
)
def test_resolve(text: str, future: bool, expected: str | None) -> None:
    assert resolve_date(text, article_date=FRIDAY, future=future) == expected


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        ("2017-07-14", 0),
        ("2017-07-17", 1),
        ("2017-07-10", -1),
        ("2017-07", 0),  # "earlier this month" holds the day
        ("2017-09", 1),
        ("2017-05", -1),
        ("2017", 0),
        ("2018", 1),
        ("2011", -1),
        ("week of 2017-07-10", 0),
        ("week of 2017-07-17", 1),
        ("week of 2017-07-03", -1),
    ],
)
def test_relative_time_tells_the_side_of_the_day(resolved: str, expected: int) -> None:
    assert relative_time(resolved, FRIDAY) == expected
