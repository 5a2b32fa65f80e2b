"""Band keys of every stored article (``knowledge.ingest.dedupe`` computes them): the table the
near-duplicate lookup starts from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select

from knowledge.storage.schema import ArticleRow, FingerprintRow
from knowledge.storage.store import Store


class FingerprintTable:
    """Which stored article has which band keys."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def replace(self, article_id: int, keys: Iterable[int]) -> None:
        """An article's keys, replacing those it had."""
        with self.store.sessions.begin() as s:
            s.execute(delete(FingerprintRow).where(FingerprintRow.article_id == article_id))
            s.add_all(FingerprintRow(article_id=article_id, band=k) for k in keys)

    def missing(self) -> list[int]:
        """Stored articles without fingerprints (stored before this table, or a crash between
        the article's commit and its fingerprint's)."""
        with self.store.sessions.begin() as s:
            have = select(FingerprintRow.article_id)
            return list(s.scalars(select(ArticleRow.id).where(ArticleRow.id.not_in(have))))

    def sharing(self, keys: Sequence[int]) -> set[int]:
        """The articles that share at least one band key with ``keys``."""
        with self.store.sessions.begin() as s:
            return set(
                s.scalars(select(FingerprintRow.article_id).where(FingerprintRow.band.in_(keys)))
            )
