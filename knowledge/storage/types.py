"""Column types of the store, apart from the tables (``schema``): ``peek`` reads with them
without importing the ORM."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware time in UTC; ValueError for a naive one (it is ambiguous)."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a stored time must be timezone-aware, not {value!r}")
    return value.astimezone(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment, always in UTC: aware on the way out, and only aware ones are taken in.

    PostgreSQL keeps a timestamptz. SQLite has no offsets: it keeps the UTC wall time as text in
    SQLAlchemy's format, the one rows from before this type hold, so old and new rows compare
    alike (as strings, in SQL)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        utc = as_utc(value)
        # SQLite's DATETIME would drop an offset, not convert: it gets the UTC wall time
        return utc.replace(tzinfo=None) if utc is not None and dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite, and PostgreSQL's naive columns before 0002
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
