"""A store read without opening it: no migration, no write, no NLP, no Alembic.

``Store`` upgrades the schema of the database it opens, and the facade re-extracts and seeds it:
right for a command that loads or answers, two seconds too many for one that lists the articles
or asks when the scheduler last ran. A ``Peek`` says which revision a store is at and reads what
those commands print; the caller opens the store properly when it is not at the newest revision.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Date, Integer, String, Text, column, func, make_url, select, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from knowledge.models import Article, Feed
from knowledge.storage.engine import make_engine
from knowledge.storage.types import UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The columns the listings read, as light Core tables: the ORM and the row classes of ``schema``
# would double the import time (``tests/test_startup.py`` checks these agree with ``schema``).
ARTICLES = table(
    "articles",
    column("id", Integer),
    column("title", Text),
    column("source", Text),
    column("url", Text),
    column("published", Date),
    column("loaded_at", UTCDateTime),
    column("caption", Text),
)
FACTS = table("facts", column("id", Integer), column("article_id", Integer))
FEEDS = table(
    "feeds",
    column("id", Integer),
    column("url", Text),
    column("title", Text),
    column("failures", Integer),
    column("last_error", Text),
    column("polled_at", UTCDateTime),
    column("next_poll", UTCDateTime),
)
META = table("meta", column("key", String), column("value", Text))
TABLES = (ARTICLES, FACTS, FEEDS, META)

VERSIONS = Path(__file__).resolve().with_name("migrations") / "versions"
_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


def head_revision() -> str | None:
    """The newest revision, from the revision files themselves (Alembic's ``ScriptDirectory``
    would cost a quarter of a second to import); None when they do not name exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        for kind, value in _REVISION.findall(path.read_text("utf-8")):
            if value:
                (revisions if kind == "revision" else parents).add(value)
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


class Peek:
    """Read-only queries over a store's engine."""

    def __init__(self, engine: Engine, revision: str | None) -> None:
        self.engine = engine
        self.revision = revision

    @classmethod
    def open(cls, url: str) -> Peek | None:
        """A peek at the store at ``url``; None where there is no store there yet (an SQLite
        file that does not exist is not made) or it has no schema (never opened)."""
        parsed = make_url(url)
        file = parsed.database if parsed.get_backend_name() == "sqlite" else None
        if file and file != ":memory:" and not Path(file).expanduser().is_file():
            return None
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:  # no alembic_version: a new database, or one from before 0001
            engine.dispose()
            return None
        return cls(engine, revision)

    def current(self) -> bool:
        """Whether the store's schema is the newest (what the models below describe)."""
        return self.revision is not None and self.revision == head_revision()

    def close(self) -> None:
        self.engine.dispose()

    def meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(META.c.value).where(META.c.key == key)).scalar()

    def articles(self) -> list[Article]:
        with self.engine.connect() as conn:
            return articles_in(conn)

    def feeds(self) -> list[Feed]:
        with self.engine.connect() as conn:
            return feeds_in(conn)


def articles_in(conn: Connection | Session) -> list[Article]:
    """The stored articles with their fact counts, by id (``Store.articles`` too)."""
    counts = select(FACTS.c.article_id, func.count(FACTS.c.id).label("n")).group_by(
        FACTS.c.article_id
    )
    counted = counts.subquery()
    rows = conn.execute(
        select(*ARTICLES.c, func.coalesce(counted.c.n, 0).label("fact_count"))
        .outerjoin(counted, counted.c.article_id == ARTICLES.c.id)
        .order_by(ARTICLES.c.id)
    )
    return [Article(**row._mapping) for row in rows]


def feeds_in(conn: Connection | Session) -> list[Feed]:
    """The feeds, by id (``FeedTable.all`` too)."""
    return [Feed(**row._mapping) for row in conn.execute(select(*FEEDS.c).order_by(FEEDS.c.id))]
