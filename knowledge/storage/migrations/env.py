"""Alembic's environment: run by ``knowledge.storage.migrate``, which passes the connection."""

from __future__ import annotations

from alembic import context

from knowledge.storage.engine import make_engine
from knowledge.storage.migrate import _compare_options
from knowledge.storage.schema import Base


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # the alembic CLI, with an alembic.ini of its own
        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        **_compare_options(connection),  # type: ignore[arg-type]
    )
    with context.begin_transaction():
        context.run_migrations()


run()
