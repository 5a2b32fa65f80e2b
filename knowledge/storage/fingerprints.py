"""Band keys of every stored article (``knowledge.ingest.dedupe`` computes them): the table the
near-duplicate lookup starts from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select

from knowledge.storage.schema import ArticleRow, FingerprintRow
from knowledge.storage.store import Store


class FingerprintTable:
    """Which stored article has which band keys."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def replace(self, keys_by_article: Mapping[int, Iterable[int]]) -> None:
        """Articles' keys, replacing those they had, in one transaction (a commit per article
        would cost more than the keys when many are written: minutes for 10,000)."""
        with self.store.sessions.begin() as s:
            ids = list(keys_by_article)
            s.execute(delete(FingerprintRow).where(FingerprintRow.article_id.in_(ids)))
            s.add_all(
                FingerprintRow(article_id=article_id, band=k)
                for article_id, keys in keys_by_article.items()
                for k in keys
            )

    def bodies(self, article_ids: Sequence[int]) -> dict[int, str]:
        """Several stored articles' texts, by id, in one query."""
        with self.store.sessions.begin() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.body).where(ArticleRow.id.in_(article_ids))
            )
            return {article_id: body for article_id, body in rows}

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
