"""The schema over time: a new store is at the newest revision and matches the models; a store
written before migrations (``tests/data/store_v0.db``, see ``make_v0_store.py``) is upgraded in
place with every row intact; stored times are aware UTC, old rows too; an article id is never
handed out twice. The PostgreSQL tests make a database of their own on 127.0.0.1:5432 (user
postgres) and drop it after, or skip when no server answers there."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from spacy.language import Language
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from knowledge import Newsroom
from knowledge.errors import StoreBusyError
from knowledge.storage import current_revision, head_revision, upgrade
from knowledge.storage.engine import make_engine
from knowledge.storage.feeds import FeedTable
from knowledge.storage.follows import Follows
from knowledge.storage.journal import Journal
from knowledge.storage.locks import MIGRATION_LOCK
from knowledge.storage.migrate import BASE_REVISION, schema_diff, upgrade_engine
from knowledge.storage.schema import Base, EntryRow, FeedRow, MetaRow, QuestionRow
from knowledge.storage.store import Store
from knowledge.storage.subscribers import Subscribers

from .conftest import DATA, make_newsroom

UTC = dt.UTC
V0_NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # make_v0_store's clock


# What make_v0_store wrote, table by table.
V0_ROWS = {
    "articles": 3,
    "facts": 25,
    "entities": 32,
    "aliases": 51,
    "mentions": 83,
    "meta": 2,
    "subscribers": 2,
    "deliveries": 1,
    "digest_sends": 1,
    "questions": 1,
    "feeds": 1,
    "feed_entries": 1,
    "fingerprints": 96,
}


FERRY = """Ferry timetable changes at Halden

The ferry company of Halden said on Tuesday that it would add two evening crossings from March,
after the town council agreed to keep the harbour office open until ten at night.
"""


def minutes(n: int) -> dt.datetime:
    return V0_NOW + dt.timedelta(minutes=n)


def row_counts(path: Path) -> dict[str, int]:
    """Rows per table, read with sqlite3 (not through the models being tested)."""
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in V0_ROWS}
    conn.close()
    return counts


def schema_of(engine: Engine) -> dict[str, object]:
    """A database's tables as reflection sees them, in no particular order: two stores with the
    same schema give the same value whatever order their tables were made in."""
    insp = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
            insp.get_pk_constraint(table)["constrained_columns"],
            sorted(
                (i["name"], tuple(i["column_names"]), i["unique"]) for i in insp.get_indexes(table)
            ),
            sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            sorted(
                (
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    f["options"].get("ondelete"),
                )
                for f in insp.get_foreign_keys(table)
            ),
        )
        for table in sorted(insp.get_table_names())
    }


@pytest.fixture
def v0(tmp_path: Path) -> Path:
    """A copy of the store from before migrations, to open (and so upgrade) in place."""
    path = tmp_path / "v0.db"
    shutil.copyfile(DATA / "store_v0.db", path)
    return path


def test_times_come_back_aware_utc_and_naive_ones_are_refused(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'talks.db'}")
    journal = Journal(store)
    berlin = dt.datetime(2026, 11, 24, 13, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    qid = journal.log(chat_id=1, user_id=None, text="q", answered=False, confidence=0, now=berlin)
    with store.sessions() as s:
        asked = s.scalar(select(QuestionRow.asked_at).where(QuestionRow.id == qid))
    assert asked == V0_NOW
    assert asked is not None
    assert asked.tzinfo is UTC
    assert journal.window(V0_NOW).declined == 1  # the bound compares in UTC too
    assert journal.window(minutes(1)).declined == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        journal.log(
            chat_id=1,
            user_id=None,
            text="q",
            answered=False,
            confidence=0,
            now=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the naive time it must refuse
        )


def test_rows_of_an_old_store_read_back_aware_and_compare_with_new_ones(v0: Path) -> None:
    store = Store(f"sqlite:///{v0}")
    subs = Subscribers(store)
    sub = subs.get(42)
    assert sub is not None
    assert (sub.since, sub.next_due, sub.last_digest_at) == (
        V0_NOW,
        dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC),  # 09:00 in Berlin
        minutes(5),
    )
    assert all(t.tzinfo is UTC for t in (sub.since, sub.next_due, sub.last_digest_at) if t)
    assert [a.loaded_at for a in store.articles()] == [V0_NOW, minutes(2), minutes(7)]
    assert subs.pending(42) == [3, 4]  # old loaded_at against old since, in SQL
    assert [s.chat_id for s in subs.due(dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC))] == [42]
    (feed,) = FeedTable(store).all()
    assert (feed.polled_at, feed.next_poll) == (minutes(7), minutes(22))

    subs.subscribe(8, mode="instant", at=dt.time(8), timezone="UTC", now=minutes(3))
    assert subs.pending(8) == [4]  # a new row against old ones
    with sqlite3.connect(v0) as conn:  # and it is stored as the old rows are
        (since,) = conn.execute("SELECT since FROM subscribers WHERE chat_id = 8").fetchone()
    conn.close()
    assert since == "2026-11-24 12:03:00.000000"


def test_a_new_store_is_at_head_and_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'talks.db'}"
    assert current_revision(url) is None
    store = Store(url)
    assert current_revision(url) == head_revision()
    assert schema_diff(store.engine) == []  # what `alembic check` checks: nothing to generate
    assert set(inspect(store.engine).get_table_names()) == {
        *Base.metadata.tables,
        "alembic_version",
    }


def test_upgrade_and_current_revision_without_opening_a_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'talks.db'}"
    assert current_revision(url) is None
    assert not (tmp_path / "talks.db").exists()  # asking made no file
    assert upgrade(url, BASE_REVISION) == BASE_REVISION
    assert upgrade(url) == head_revision()
    assert upgrade(url) == head_revision()  # already there: nothing to do


def test_a_store_from_before_migrations_upgrades_in_place_with_every_row(
    v0: Path, nlp: Language
) -> None:
    url = f"sqlite:///{v0}"
    assert row_counts(v0) == V0_ROWS
    assert current_revision(url) is None  # tables, but no alembic_version
    store = Store(url)
    assert current_revision(url) == head_revision()
    assert row_counts(v0) == V0_ROWS
    assert schema_diff(store.engine) == []

    articles = store.articles()
    assert [(a.id, a.fact_count) for a in articles] == [(1, 20), (3, 3), (4, 2)]
    assert [a.title for a in articles[1:]] == [
        "Ferry operators welcome Port Ellery decision",
        "Larvik opens a new library",
    ]
    assert articles[0].source == "Xinhua"
    assert store.get_meta("extractor") is not None
    assert store.get_meta("seeded") == V0_NOW.isoformat()
    assert [e.name for e in store.entities() if e.name == "Ingrid Halvorsen"]

    journal = Journal(store)
    assert journal.question(1) is not None
    assert journal.window(V0_NOW).thumbs_up == 1
    with store.sessions() as s:
        assert s.scalar(select(QuestionRow.asked_at)) == minutes(6)
        feed = s.scalars(select(FeedRow)).one()
        assert (feed.title, feed.etag, feed.added_at) == ("Harbour News", '"v1"', V0_NOW)
        entry = s.scalars(select(EntryRow)).one()
        assert (entry.status, entry.article_id, entry.done) == ("loaded", 4, True)
        assert s.scalar(select(func.count()).select_from(MetaRow)) == 2
    subs = Subscribers(store)
    assert subs.delivered(42) == {1}
    assert subs.send_counts(V0_NOW) == (1, 0)
    unsubscribed = subs.get(7)
    assert unsubscribed is not None
    assert not unsubscribed.active

    newsroom = Newsroom(store, nlp, clock=lambda: V0_NOW, seed=False)  # the index from old rows
    answer = newsroom.answer("Who is the mayor of Port Ellery?")
    assert answer.answered
    assert "Halvorsen" in answer.reply


def test_an_upgraded_store_has_the_schema_of_a_new_one(v0: Path, tmp_path: Path) -> None:
    old = Store(f"sqlite:///{v0}")
    new = Store(f"sqlite:///{tmp_path / 'new.db'}")
    assert schema_of(old.engine) == schema_of(new.engine)


def test_tables_an_old_store_never_got_are_created(v0: Path) -> None:
    """Before migrations a table was made when the first object that used it was built: a store
    the bot never ran on had no questions table, say."""
    with sqlite3.connect(v0) as conn:
        conn.execute("DROP TABLE questions")
    conn.close()
    store = Store(f"sqlite:///{v0}")
    assert row_counts(v0) == {**V0_ROWS, "questions": 0}
    Journal(store).log(chat_id=1, user_id=None, text="q", answered=True, confidence=1, now=V0_NOW)
    assert Journal(store).window(V0_NOW).answered == 1


def test_foreign_keys_are_on_again_after_an_upgrade(v0: Path) -> None:
    """The upgrade turns SQLite's foreign keys off while it runs (rebuilding a table would cascade
    otherwise); the store's connections have them on afterwards, so a delete still cascades."""
    store = Store(f"sqlite:///{v0}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.remove_article(3)
    assert row_counts(v0)["facts"] == V0_ROWS["facts"] - 3


def test_a_failed_upgrade_leaves_the_store_as_it_was(v0: Path) -> None:
    """The DDL is inside the upgrade's transaction on SQLite too: here revision 0001 creates the
    missing questions table, then fails on its index (a name already taken), and the table is
    gone again with everything else the upgrade did."""
    with sqlite3.connect(v0) as conn:
        conn.execute("DROP TABLE questions")
        conn.execute("CREATE INDEX ix_questions_asked_at ON feeds (url)")
    conn.close()
    with pytest.raises(OperationalError, match="already exists"):
        Store(f"sqlite:///{v0}")
    with sqlite3.connect(v0) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "questions" not in tables
    assert "alembic_version" not in tables
    assert "ix_questions_asked_at" in tables  # the index it tripped on, as it was


def test_an_old_dangling_row_does_not_stop_the_upgrade(v0: Path) -> None:
    with sqlite3.connect(v0) as conn:  # foreign keys are off in a bare sqlite3 connection
        conn.execute("INSERT INTO deliveries (chat_id, article_id, sent_at) VALUES (1, 99, '')")
    conn.close()
    Store(f"sqlite:///{v0}")
    assert current_revision(f"sqlite:///{v0}") == head_revision()


def test_an_article_id_is_never_handed_out_again(nlp: Language, tmp_path: Path) -> None:
    """Removing the newest article used to give its id to the next one (SQLite's max + 1), so a
    reference to it named another article; across a restart, too."""
    path = tmp_path / "talks.db"
    newsroom = make_newsroom(nlp, path)
    gone = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    assert gone.id == 2
    newsroom.remove(gone.id)
    newsroom.store.engine.dispose()
    again = make_newsroom(nlp, path)
    assert again.load_text(FERRY).id == 3


def test_an_upgraded_store_hands_out_ids_above_every_one_it_had(v0: Path, nlp: Language) -> None:
    store = Store(f"sqlite:///{v0}")
    with store.engine.connect() as conn:
        seq = "SELECT seq FROM sqlite_sequence WHERE name = 'articles'"
        assert conn.exec_driver_sql(seq).scalar() == 4
    store.remove_article(4)  # the newest: before the upgrade, the next load would be #4 again
    store.engine.dispose()
    newsroom = make_newsroom(nlp, v0)
    assert newsroom.load_text(FERRY).id == 5


# --- PostgreSQL ---------------------------------------------------------------------------------


def test_postgres_a_new_store_is_at_head_and_matches_the_models(postgres_url: str) -> None:
    assert current_revision(postgres_url) is None
    store = Store(postgres_url)
    try:
        assert current_revision(postgres_url) == head_revision()
        assert schema_diff(store.engine) == []
        columns = {c["name"]: c["type"] for c in inspect(store.engine).get_columns("subscribers")}
        assert getattr(columns["since"], "timezone", False)  # timestamptz
    finally:
        store.engine.dispose()


def test_postgres_an_article_id_is_never_handed_out_again(
    postgres_url: str, nlp: Language
) -> None:
    newsroom = Newsroom(Store(postgres_url), nlp, clock=lambda: V0_NOW)
    gone = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    assert gone.id == 2
    newsroom.remove(gone.id)
    newsroom.store.engine.dispose()
    again = Newsroom(Store(postgres_url), nlp, clock=lambda: V0_NOW)
    assert again.load_text(FERRY).id == 3
    assert [a.loaded_at for a in again.articles()] == [V0_NOW, V0_NOW]
    again.store.engine.dispose()


def test_postgres_a_store_from_before_migrations_upgrades_with_its_rows(postgres_url: str) -> None:
    """Revision 0001 is what create_all made (naive timestamps, a serial id): rows written so
    come out as the same moments, and ids go on after the sequence, not after max(id)."""
    assert upgrade(postgres_url, BASE_REVISION) == BASE_REVISION
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO articles (title, published, loaded_at, content_hash, body, "
                    "word_count) VALUES ('t', '2026-11-24', :at, :hash, 'b', 1)"
                ),
                {"at": minutes(n), "hash": str(n)},
            )
        conn.execute(text("DELETE FROM articles WHERE id = 3"))
        conn.execute(
            text(
                "INSERT INTO subscribers VALUES (42, 'daily', '09:00', 'Europe/Berlin', true, "
                "'2026-11-24 12:00:00', '2026-11-25 08:00:00', '2026-11-24 12:05:00', NULL)"
            )
        )
    engine.dispose()
    store = Store(postgres_url)
    try:
        assert current_revision(postgres_url) == head_revision()
        assert schema_diff(store.engine) == []
        sub = Subscribers(store).get(42)
        assert sub is not None
        assert (sub.since, sub.next_due, sub.last_digest_at) == (
            V0_NOW,
            dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
            minutes(5),
        )
        assert [a.loaded_at for a in store.articles()] == [V0_NOW, minutes(1)]
        with store.engine.begin() as conn:
            new_id = conn.execute(
                text(
                    "INSERT INTO articles (title, published, loaded_at, content_hash, body, "
                    "word_count) VALUES ('t', '2026-11-24', now(), 'new', 'b', 1) RETURNING id"
                )
            ).scalar()
        assert new_id == 4
    finally:
        store.engine.dispose()


def test_revision_0005_adds_follows_to_a_store_at_0004(v0: Path) -> None:
    """Follows come in a revision of their own: a store at 0004 gets both tables, its rows
    untouched; a follow outlives its entity (SET NULL), a notice goes with its article."""
    url = f"sqlite:///{v0}"
    assert upgrade(url, "0004") == "0004"
    with sqlite3.connect(v0) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert not {"follows", "follow_notices"} & tables
    assert upgrade(url) == head_revision()
    assert row_counts(v0) == V0_ROWS
    with sqlite3.connect(v0) as conn:
        scanned = [a for (a,) in conn.execute("SELECT article_id FROM follow_scans ORDER BY 1")]
    conn.close()
    assert scanned == [1, 3, 4], "no one followed anything before: no article owes a notice"
    store = Store(url)
    assert schema_diff(store.engine) == []

    follows = Follows(store)
    assert follows.scan() == 0
    ingrid = next(e for e in store.entities() if e.name == "Ingrid Halvorsen")
    follow, _ = follows.follow(
        42, entity_id=ingrid.id, name=ingrid.name, label="PERSON", now=V0_NOW
    )
    follows.record_sent(42, 3, now=V0_NOW)
    assert follows.notified(42) == {3}
    store.remove_article(3)  # the article that names her: she goes, the follow stays unlinked
    assert follows.notified(42) == set()
    (left,) = follows.of_chat(42)
    assert (left.id, left.entity_id, left.name) == (follow.id, None, "Ingrid Halvorsen")


def test_postgres_stores_opened_at_once_migrate_once(postgres_url: str) -> None:
    """Replicas starting together on a new database: one makes the schema, the others wait for
    the migration lock and find it done (without it, the second create_all fails)."""
    with ThreadPoolExecutor(3) as pool:
        stores = list(pool.map(Store, [postgres_url] * 3))
    try:
        assert current_revision(postgres_url) == head_revision()
        assert schema_diff(stores[0].engine) == []
    finally:
        for store in stores:
            store.engine.dispose()


def test_postgres_a_held_migration_lock_is_waited_for_then_named(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    psycopg = pytest.importorskip("psycopg")
    engine = make_engine(postgres_url)
    holder = psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        with caplog.at_level(logging.WARNING), pytest.raises(StoreBusyError) as refused:
            upgrade_engine(engine, wait=0.5)
        assert "another process holds the store's lock for a schema upgrade" in caplog.text
        assert "a schema upgrade" in str(refused.value)
        assert current_revision(postgres_url) is None  # nothing done meanwhile
        # Let go while another waits: it goes on and upgrades.
        threading.Timer(0.5, holder.execute, ("SELECT pg_advisory_unlock_all()",)).start()
        upgrade_engine(engine, wait=10)
        assert current_revision(postgres_url) == head_revision()
    finally:
        holder.close()
        engine.dispose()
