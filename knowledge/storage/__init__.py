"""storage: the store's tables, queries and schema migrations (the one package that imports
SQLAlchemy). ``upgrade`` and ``current_revision`` are for a command that migrates a store
without opening it; ``Store`` upgrades the database it opens anyway.

They are imported on first use: Alembic costs a quarter of a second, which ``peek`` (reading a
store without opening it, for the quick CLI commands) does not pay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.storage.migrate import current_revision, head_revision, upgrade

__all__ = ["current_revision", "head_revision", "upgrade"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from knowledge.storage import migrate

    return getattr(migrate, name)
