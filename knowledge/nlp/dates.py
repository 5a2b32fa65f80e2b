"""Resolving relative dates ("Friday", "earlier this month") against an article's date."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


def resolve_date(text: str, *, article_date: dt.date, future: bool = False) -> str | None:
    """Resolve a DATE expression to an ISO string (``2017-07-14``, ``2017-07``, ``2017``) or None.

    ``future`` is the tense of the clause: a bare weekday about the future is the next one,
    otherwise the last one on or before the article date (news reports the past).
    """
    t = re.sub(r"['’]s$", "", text.strip().lower())
    t = re.sub(r"^(on|in|at|by|since|from|until|till|of)\s+", "", t)
    future = future or t.startswith("next")
    d = article_date
    if t in {"today", "tonight", "this morning", "this afternoon", "this evening"}:
        return d.isoformat()
    if t == "yesterday":
        return (d - dt.timedelta(days=1)).isoformat()
    if t == "tomorrow":
        return (d + dt.timedelta(days=1)).isoformat()
    words = t.split()
    if words and words[-1] in _WEEKDAYS and len(words) <= 2:
        target = _WEEKDAYS[words[-1]]
        if future or words[0] == "next":
            delta = (target - d.weekday()) % 7 or 7
            return (d + dt.timedelta(days=delta)).isoformat()
        delta = (d.weekday() - target) % 7
        if words[0] == "last" and delta == 0:
            delta = 7
        return (d - dt.timedelta(days=delta)).isoformat()
    if re.fullmatch(r"(earlier |later |)this week|the week|this past week", t):
        return _week(d)
    if t in {"last week", "the previous week", "past week"}:
        return _week(d - dt.timedelta(days=7))
    if t == "next week":
        return _week(d + dt.timedelta(days=7))
    if re.fullmatch(r"(earlier |later |early |late |)this month", t):
        return f"{d.year:04d}-{d.month:02d}"
    if t == "last month":
        prev = d.replace(day=1) - dt.timedelta(days=1)
        return f"{prev.year:04d}-{prev.month:02d}"
    if t == "next month":
        nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return f"{nxt.year:04d}-{nxt.month:02d}"
    if re.fullmatch(r"(earlier |later |)this year", t):
        return f"{d.year:04d}"
    if t == "last year":
        return f"{d.year - 1:04d}"
    if t == "next year":
        return f"{d.year + 1:04d}"
    return _calendar_date(t, d, future=future)


def relative_time(resolved: str, day: dt.date) -> int:
    """Whether a resolved date (``resolve_date``'s ISO forms) lies after ``day`` (1), before it
    (-1), or holds it (0: "this month" of an article of this month)."""
    if resolved.startswith("week of "):
        monday = dt.date.fromisoformat(resolved.removeprefix("week of "))
        return 1 if monday > day else -1 if monday + dt.timedelta(days=6) < day else 0
    same = day.isoformat()[: len(resolved)]  # the day at the resolved date's precision
    return (resolved > same) - (resolved < same)


def _week(d: dt.date) -> str:
    monday = d - dt.timedelta(days=d.weekday())
    return f"week of {monday.isoformat()}"


def _calendar_date(t: str, d: dt.date, *, future: bool) -> str | None:
    t = re.sub(r"^(early|mid|late|the end of|the start of|the beginning of)[\s-]+", "", t)
    m = re.fullmatch(r"(?:the )?(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)\.?,? ?(\d{4})?", t)
    if m and m.group(2) in _MONTHS:
        return _month_day(int(m.group(1)), _MONTHS[m.group(2)], m.group(3), d, future=future)
    m = re.fullmatch(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? ?(\d{4})?", t)
    if m and m.group(1) in _MONTHS:
        return _month_day(int(m.group(2)), _MONTHS[m.group(1)], m.group(3), d, future=future)
    m = re.fullmatch(r"([a-z]+),? (\d{4})", t)
    if m and m.group(1) in _MONTHS:
        return f"{int(m.group(2)):04d}-{_MONTHS[m.group(1)]:02d}"
    if t in _MONTHS:
        month = _MONTHS[t]
        year = d.year
        if future and month < d.month:
            year += 1
        elif not future and month > d.month:
            year -= 1
        return f"{year:04d}-{month:02d}"
    m = re.fullmatch(r"(?:the year )?(1[89]\d\d|2[01]\d\d)", t)
    if m:
        return m.group(1)
    return None


def _month_day(day: int, month: int, year: str | None, d: dt.date, *, future: bool) -> str | None:
    y = int(year) if year else d.year
    try:
        value = dt.date(y, month, day)
    except ValueError:
        return None
    if not year:
        if future and value < d:
            value = value.replace(year=y + 1)
        elif not future and value > d:
            value = value.replace(year=y - 1)
    return value.isoformat()
