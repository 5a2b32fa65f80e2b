"""Schema migrations: Alembic, configured here (no alembic.ini), with its revisions in
``migrations/versions``. ``Store`` upgrades the database it opens to the newest revision.

Revision 0001 is the schema the stores had before migrations (each table made by
``create_all``). Such a store has the tables but no ``alembic_version``: it is upgraded from
0001's place, whose tables already exist, and 0001 only adds those a store never got (a table was
made when the first object that used it was built). A new revision goes in ``versions`` by hand
(``script.py.mako`` is the template), and ``tests/test_migrations.py`` checks that the models and
the revisions agree.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, make_url
from sqlalchemy.engine import Connection, Engine

from knowledge.storage.engine import make_engine
from knowledge.storage.locks import MIGRATION_LOCK, exclusive
from knowledge.storage.schema import Base

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
BASE_REVISION = "0001"  # the schema of the stores from before migrations


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest revision: the one the models in ``schema`` describe."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def _current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for one never migrated (empty, or a
    store from before migrations, or a SQLite file not made yet: asking does not make it)."""
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).expanduser().exists():
        return None
    engine = make_engine(url)
    try:
        return _current(engine)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> str | None:
    """Upgrade the database at ``url`` (to the newest revision unless told); its revision now."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision)
        return _current(engine)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head", *, wait: float = 120.0) -> None:
    """Upgrade the database behind ``engine``, in one transaction: a failed upgrade leaves the
    store as it was. A store already there costs one read. Processes starting together on one
    PostgreSQL store take turns (an advisory lock): the first upgrades, the others find it
    done; one that waits says so, and gives up with ``StoreBusyError`` after ``wait`` s."""
    target = head_revision() if revision == "head" else revision
    if _current(engine) == target:
        return
    lock = exclusive(engine, MIGRATION_LOCK, what="a schema upgrade", wait=wait)
    with lock, _migrating(engine) as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == target:  # another process upgraded it while this one waited
            return
        if current is None and revision == "head" and not inspect(conn).get_table_names():
            # A new store: the models' tables at once, marked as the newest revision (what
            # Alembic advises; tests/test_migrations checks models and revisions agree). Running
            # every revision instead costs a fresh store about 45 ms more.
            Base.metadata.create_all(conn)
            MigrationContext.configure(conn).stamp(_scripts(), "head")
            return
        old = current is not None or inspect(conn).has_table("articles")
        if current is None and old:
            log.info("a store from before migrations: taken as revision %s", BASE_REVISION)
        command.upgrade(_config(conn), revision)
        if old:
            log.info("store upgraded from revision %s to %s", current or BASE_REVISION, target)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for migrations.

    On SQLite, foreign keys are off while it lasts (a batch migration drops and rebuilds a table,
    and dropping ``articles`` with them on would cascade to every fact), and are checked before
    the commit (only new violations count: an old store's dangling row is not the upgrade's
    doing). The driver is told to leave transactions to us, so that the DDL is inside the
    transaction too (pysqlite otherwise begins one only before an INSERT or UPDATE)."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
        conn.commit()
        dbapi: Any = conn.connection.dbapi_connection
        level = dbapi.isolation_level
        dbapi.isolation_level = None
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                before = set(conn.exec_driver_sql("PRAGMA foreign_key_check").all())
                yield conn
                broken = set(conn.exec_driver_sql("PRAGMA foreign_key_check").all()) - before
                if broken:
                    raise RuntimeError(f"the upgrade would break foreign keys: {sorted(broken)}")
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            dbapi.isolation_level = level
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def schema_diff(engine: Engine) -> list[Any]:
    """What autogenerate would add to a revision for this database: empty when its schema is the
    one the models describe (``alembic check``)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=_compare_options(conn))
        return list(compare_metadata(context, Base.metadata))


def _compare_options(conn: Connection) -> dict[str, Any]:
    """How env.py and ``schema_diff`` compare the models with a database."""
    return {"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
