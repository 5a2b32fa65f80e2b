"""Follows (a chat × an entity) and the follow notices sent, in the fact store's database.

A notice is owed for each article loaded after the chat followed an entity it mentions, until a
``follow_notices`` row (chat × article, unique) says it was sent: that row is written in one
transaction right after the send, as a digest's deliveries are, so a restart neither repeats a
recorded notice nor loses an unsent one (sent but not yet recorded falls on the side of a
repeat). One notice per article, however many followed entities it names.

What is owed is found once per article: ``scan`` matches the articles stored since it last ran
against the follows and writes ``follow_pending`` rows, marking the articles scanned in the same
transaction; a send settles them. Asking every round which articles mention a followed entity
cost each round every mention of it, per follower (12 s for 1,000 followers of an entity
named in each of 10,000 articles).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.storage.schema import (
    AliasRow,
    ArticleRow,
    EntityRow,
    FactRow,
    FollowNoticeRow,
    FollowPendingRow,
    FollowRow,
    FollowScanRow,
    MentionRow,
    SendRow,
)
from knowledge.storage.store import Store
from knowledge.text import alias_norm

log = logging.getLogger(__name__)

_SCAN_CHUNK = 500  # articles matched per transaction (and per IN list)


@dataclass(frozen=True, slots=True)
class Follow:
    """One chat following one entity; ``entity_id`` is None while the entity is gone and no
    entity of its name and kind has come back."""

    id: int
    chat_id: int
    entity_id: int | None
    name: str
    label: str
    since: dt.datetime
    thread_id: int | None = None  # the forum topic it was made in: its notices go there


def _follow(row: FollowRow, name: str | None = None) -> Follow:
    return Follow(
        row.id, row.chat_id, row.entity_id, name or row.name, row.label, row.since, row.thread_id
    )


class Follows:
    """Follows and follow notices; every method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.store.sessions.begin() as session:
            yield session

    def follow(
        self,
        chat_id: int,
        *,
        entity_id: int,
        name: str,
        label: str,
        now: dt.datetime,
        thread_id: int | None = None,
    ) -> tuple[Follow, bool]:
        """Follow an entity from ``now`` on: (the follow, whether it is new). Following again
        keeps the first follow, and with it what is owed since (in the topic now asked in)."""
        with self._session() as s:
            row = s.scalar(
                select(FollowRow).where(
                    FollowRow.chat_id == chat_id, FollowRow.entity_id == entity_id
                )
            )
            if row is not None:
                row.thread_id = thread_id
                return _follow(row, name), False
            row = FollowRow(
                chat_id=chat_id,
                entity_id=entity_id,
                name=name,
                label=label,
                since=now,
                thread_id=thread_id,
            )
            s.add(row)
            s.flush()
            return _follow(row), True

    def unfollow(self, chat_id: int, follow_id: int) -> Follow | None:
        """Stop one of the chat's follows; None when it has no such follow (another chat's id
        included)."""
        with self._session() as s:
            row = s.get(FollowRow, follow_id)
            if row is None or row.chat_id != chat_id:
                return None
            gone = _follow(row, self._name(s, row))
            s.delete(row)
            return gone

    def forget_topic(self, chat_id: int, thread_id: int) -> None:
        """The chat's follows made in a forum topic that is gone notify the chat itself."""
        with self._session() as s:
            s.execute(
                update(FollowRow)
                .where(FollowRow.chat_id == chat_id, FollowRow.thread_id == thread_id)
                .values(thread_id=None)
            )

    def drop_chat(self, chat_id: int) -> int:
        """Forget every follow of a chat (it blocked the bot); how many there were."""
        with self._session() as s:
            result = s.execute(delete(FollowRow).where(FollowRow.chat_id == chat_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def of_chat(self, chat_id: int) -> list[Follow]:
        """A chat's follows, by name; an entity's current name where it has one."""
        self.relink()
        with self._session() as s:
            rows = s.execute(
                select(FollowRow, EntityRow.name)
                .outerjoin(EntityRow, EntityRow.id == FollowRow.entity_id)
                .where(FollowRow.chat_id == chat_id)
            ).all()
            follows = [_follow(row, name) for row, name in rows]
        return sorted(follows, key=lambda f: (f.name.casefold(), f.id))

    def scan(self) -> int:
        """Match the articles stored since the last scan against the follows: a notice is owed
        (``follow_pending``) for each follow whose entity an article mentions, the article
        loaded after the follow. Each article is matched once, in the transaction that marks it
        scanned; how many articles were. Two scans at once: one does it, the other finds it
        done (its transaction rolls back on the unique rows)."""
        self.relink()
        scanned = 0
        while True:
            try:
                with self._session() as s:
                    done = select(FollowScanRow.article_id).where(
                        FollowScanRow.article_id == ArticleRow.id
                    )
                    new = list(
                        s.scalars(
                            select(ArticleRow.id)
                            .where(~done.exists())
                            .order_by(ArticleRow.id)
                            .limit(_SCAN_CHUNK)
                        )
                    )
                    if not new:
                        return scanned
                    told = select(FollowNoticeRow.id).where(
                        FollowNoticeRow.chat_id == FollowRow.chat_id,
                        FollowNoticeRow.article_id == ArticleRow.id,
                    )
                    owed = s.execute(
                        select(FollowRow.id, ArticleRow.id)
                        .select_from(FactRow)
                        .join(MentionRow, MentionRow.fact_id == FactRow.id)
                        .join(FollowRow, FollowRow.entity_id == MentionRow.entity_id)
                        .join(ArticleRow, ArticleRow.id == FactRow.article_id)
                        .where(
                            FactRow.article_id.in_(new),
                            ArticleRow.loaded_at > FollowRow.since,
                            ~told.exists(),
                        )
                        .distinct()
                    ).all()
                    if owed:
                        s.execute(
                            insert(FollowPendingRow),
                            [{"follow_id": f, "article_id": a} for f, a in owed],
                        )
                    s.execute(insert(FollowScanRow), [{"article_id": a} for a in new])
                scanned += len(new)
            except IntegrityError:
                log.info("another scan matched these articles first")
                return scanned

    def chats_owed(self) -> list[int]:
        """Chats owed at least one notice (new articles scanned first)."""
        self.scan()
        with self._session() as s:
            return list(
                s.scalars(_owed().with_only_columns(FollowRow.chat_id).distinct().order_by(None))
            )

    def owed(self, chat_id: int) -> list[tuple[int, list[Follow]]]:
        """The articles the chat is owed a notice of (as the last ``scan`` found them), the
        first loaded first, each with the chat's follows it mentions."""
        with self._session() as s:
            rows = s.execute(
                _owed()
                .where(FollowRow.chat_id == chat_id)
                .add_columns(EntityRow.name)
                .outerjoin(EntityRow, EntityRow.id == FollowRow.entity_id)
            ).all()
        by_article: dict[int, list[Follow]] = {}
        for _, article_id, row, name in rows:
            by_article.setdefault(article_id, []).append(_follow(row, name))
        return list(by_article.items())

    def record_sent(self, chat_id: int, article_id: int, *, now: dt.datetime) -> None:
        """After a send: the notice, what it settles, and the send, in one transaction (an
        article removed meanwhile has nothing to point at; one recorded already stays)."""
        with self._session() as s:
            known = s.scalar(
                select(FollowNoticeRow.id).where(
                    FollowNoticeRow.chat_id == chat_id, FollowNoticeRow.article_id == article_id
                )
            )
            if known is None and s.get(ArticleRow, article_id) is not None:
                s.add(FollowNoticeRow(chat_id=chat_id, article_id=article_id, sent_at=now))
            chats = select(FollowRow.id).where(FollowRow.chat_id == chat_id)
            s.execute(
                delete(FollowPendingRow).where(
                    FollowPendingRow.article_id == article_id,
                    FollowPendingRow.follow_id.in_(chats),
                )
            )
            s.add(SendRow(chat_id=chat_id, at=now, ok=True, articles=1))

    def record_failed(self, chat_id: int, *, now: dt.datetime, error: str) -> None:
        with self._session() as s:
            s.add(SendRow(chat_id=chat_id, at=now, ok=False, articles=0, error=error))

    def notified(self, chat_id: int) -> set[int]:
        """The articles the chat was told of."""
        with self._session() as s:
            return set(
                s.scalars(
                    select(FollowNoticeRow.article_id).where(FollowNoticeRow.chat_id == chat_id)
                )
            )

    def relink(self) -> int:
        """Link the follows whose entity went to the entity now bearing their name and kind
        (the lowest id; a chat that follows that entity already keeps that one); how many."""
        with self._session() as s:
            orphans = list(s.scalars(select(FollowRow).where(FollowRow.entity_id.is_(None))))
            linked = 0
            for row in orphans:
                entity_id = s.scalar(
                    select(AliasRow.entity_id)
                    .join(EntityRow, EntityRow.id == AliasRow.entity_id)
                    .where(
                        AliasRow.norm == alias_norm(row.name),
                        AliasRow.kind == "name",
                        EntityRow.label == row.label,
                    )
                    .order_by(AliasRow.entity_id)
                    .limit(1)
                )
                if entity_id is None:
                    continue
                twin = s.scalar(
                    select(FollowRow.id).where(
                        FollowRow.chat_id == row.chat_id, FollowRow.entity_id == entity_id
                    )
                )
                if twin is None:
                    row.entity_id = entity_id
                else:
                    s.delete(row)
                s.flush()  # a second orphan of the same chat and name sees the first linked
                linked += 1
            return linked

    @staticmethod
    def _name(s: Session, row: FollowRow) -> str:
        if row.entity_id is None:
            return row.name
        return s.scalar(select(EntityRow.name).where(EntityRow.id == row.entity_id)) or row.name


def _owed() -> Select[dt.datetime, int, FollowRow]:
    """(loaded_at, article id, follow) for each notice pending with no notice to that chat
    yet; the first loaded first."""
    told = select(FollowNoticeRow.id).where(
        FollowNoticeRow.chat_id == FollowRow.chat_id,
        FollowNoticeRow.article_id == FollowPendingRow.article_id,
    )
    return (
        select(ArticleRow.loaded_at, ArticleRow.id, FollowRow)
        .select_from(FollowPendingRow)
        .join(FollowRow, FollowRow.id == FollowPendingRow.follow_id)
        .join(ArticleRow, ArticleRow.id == FollowPendingRow.article_id)
        .where(~told.exists())
        .order_by(ArticleRow.loaded_at, ArticleRow.id, FollowRow.id)
    )
