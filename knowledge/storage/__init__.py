"""storage: the store's tables, queries and schema migrations (the one package that imports
SQLAlchemy). ``upgrade`` and ``current_revision`` are for a command that migrates a store
without opening it; ``Store`` upgrades the database it opens anyway."""

from knowledge.storage.migrate import current_revision, head_revision, upgrade

__all__ = ["current_revision", "head_revision", "upgrade"]
