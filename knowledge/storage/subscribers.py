"""Subscribers, their digest schedule and what was delivered to them, in the fact store's database.

The store is the truth for digests: a subscriber row holds the next due time (UTC), and a delivery
row (chat × article, unique) says an article reached that chat. A digest's deliveries and the next
due time are written in one transaction right after the send, so a restart neither repeats nor
loses a digest; the one window left (sent, not yet committed) falls on the side of a repeat.

Several processes may send from one store: each claims the chats it is about to send to
(``claim_due``, ``claim_instant``: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
claimers never wait for each other nor take the same chat) for a lease; the record of a send lets
the chat go, and a process that dies lets its chats go when the lease runs out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from knowledge.schedule import Mode, next_due, parse_time, parse_zone
from knowledge.storage.schema import (
    ArticleRow,
    DeliveryRow,
    SendRow,
    SubscriberRow,
)
from knowledge.storage.store import Store


@dataclass(frozen=True, slots=True)
class Subscriber:
    chat_id: int
    mode: Mode
    digest_time: dt.time
    timezone: str
    active: bool
    since: dt.datetime
    next_due: dt.datetime | None
    last_digest_at: dt.datetime | None
    place: str | None = None  # as the user named it; None: say it from the zone
    paused_since: dt.datetime | None = None
    paused_until: dt.datetime | None = None  # None with paused_since set: until /resume

    def paused(self, now: dt.datetime) -> bool:
        """Whether digests wait at ``now`` (a timed pause is over once its end has passed)."""
        return _paused(self.paused_since, self.paused_until, now)


def _paused(since: dt.datetime | None, until: dt.datetime | None, now: dt.datetime) -> bool:
    return since is not None and (until is None or until > now)


def _not_paused(now: dt.datetime) -> ColumnElement[bool]:
    """SQL for ``Subscriber.paused(now)`` being false."""
    return or_(
        SubscriberRow.paused_since.is_(None),
        and_(SubscriberRow.paused_until.is_not(None), SubscriberRow.paused_until <= now),
    )


def _free(now: dt.datetime) -> ColumnElement[bool]:
    """SQL for a chat nobody holds at ``now`` (never claimed, or its lease has run out)."""
    return or_(SubscriberRow.claimed_until.is_(None), SubscriberRow.claimed_until <= now)


def _unclaimed(now: dt.datetime, me: str) -> ColumnElement[bool]:
    """SQL for a chat no other process holds at ``now`` (free, or claimed by ``me``)."""
    return or_(_free(now), SubscriberRow.claimed_by == me)


def _subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        chat_id=row.chat_id,
        mode="instant" if row.mode == "instant" else "daily",
        digest_time=parse_time(row.digest_time),
        timezone=row.timezone,
        active=row.active,
        since=row.since,
        next_due=row.next_due,
        last_digest_at=row.last_digest_at,
        place=row.place,
        paused_since=row.paused_since,
        paused_until=row.paused_until,
    )


class Subscribers:
    """Subscriptions and deliveries; every method is one transaction. ``me`` names this
    process's claims: its ``name`` (stable across restarts: the replica's) and this
    incarnation, so that a restarted process can let go of what its previous one held."""

    def __init__(self, store: Store, *, name: str = "") -> None:
        self.store = store
        self.name = name
        self.me = f"{name}:{uuid.uuid4().hex[:12]}"

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.store.sessions.begin() as session:
            yield session

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(
        self,
        chat_id: int,
        *,
        mode: Mode,
        at: dt.time,
        timezone: str,
        now: dt.datetime,
        place: str | None = None,
    ) -> Subscriber:
        """Create or change a subscription; an inactive one starts afresh from ``now`` (and
        unpaused), an active one keeps its pause."""
        zone = parse_zone(timezone)
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            if row is None:
                row = SubscriberRow(chat_id=chat_id, since=now)
                s.add(row)
            elif not row.active:
                row.since = now
                row.paused_since = row.paused_until = None
            row.mode = mode
            row.digest_time = at.strftime("%H:%M")
            row.timezone = zone.key
            row.place = place
            row.active = True
            row.deactivated_reason = None
            self._schedule(row, now)
            s.flush()
            return _subscriber(row)

    def pause(
        self, chat_id: int, *, until: dt.datetime | None, now: dt.datetime
    ) -> Subscriber | None:
        """No digest until ``until`` (None: until ``resume``); what is loaded meanwhile stays
        pending, so the first digest after the pause has it. None when not subscribed."""
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            if row is None or not row.active:
                return None
            if not _paused(row.paused_since, row.paused_until, now):
                row.paused_since = now
            row.paused_until = until
            self._schedule(row, now)
            s.flush()
            return _subscriber(row)

    def resume(self, chat_id: int, *, now: dt.datetime) -> tuple[Subscriber | None, bool]:
        """End a pause: (the subscription, whether it was paused); (None, False) when not
        subscribed."""
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            if row is None or not row.active:
                return None, False
            was = _paused(row.paused_since, row.paused_until, now)
            row.paused_since = row.paused_until = None
            self._schedule(row, now)
            s.flush()
            return _subscriber(row), was

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop digests for a chat; False when it had none."""
        return self.deactivate(chat_id, reason="unsubscribed")

    def deactivate(self, chat_id: int, *, reason: str) -> bool:
        with self._session() as s:
            result = s.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id == chat_id, SubscriberRow.active.is_(True))
                .values(active=False, deactivated_reason=reason, next_due=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def get(self, chat_id: int) -> Subscriber | None:
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            return None if row is None else _subscriber(row)

    def due(self, now: dt.datetime, *, limit: int = 1000) -> list[Subscriber]:
        """Active daily subscribers whose digest time has come, the longest-waiting first."""
        with self._session() as s:
            rows = s.scalars(
                select(SubscriberRow)
                .where(
                    SubscriberRow.active.is_(True),
                    SubscriberRow.mode == "daily",
                    SubscriberRow.next_due <= now,
                    _not_paused(now),
                    _unclaimed(now, self.me),
                )
                .order_by(SubscriberRow.next_due, SubscriberRow.chat_id)
                .limit(limit)
            )
            return [_subscriber(r) for r in rows]

    # --- claims ------------------------------------------------------------------------------

    def claim_due(self, now: dt.datetime, *, lease: dt.timedelta, limit: int = 50) -> list[int]:
        """Claim up to ``limit`` daily subscribers that are due and held by no other process,
        the longest-waiting first, until ``now + lease``; their chat ids."""
        query = (
            select(SubscriberRow.chat_id)
            .where(
                SubscriberRow.active.is_(True),
                SubscriberRow.mode == "daily",
                SubscriberRow.next_due <= now,
                _not_paused(now),
                _free(now),  # those this process holds are on their way already
            )
            .order_by(SubscriberRow.next_due, SubscriberRow.chat_id)
        )
        return self._claim_rows(query, now=now, lease=lease, limit=limit)

    def claim_instant(
        self, now: dt.datetime, *, lease: dt.timedelta, limit: int = 50, after: int | None = None
    ) -> list[int]:
        """Claim up to ``limit`` instant subscribers owed an article and held by no other
        process (``instant_pending``'s chats, by chat id, those after ``after``: a round goes
        through them once, whatever a send does), until ``now + lease``."""
        query = self._instant_query(now).where(_free(now))
        if after is not None:
            query = query.where(SubscriberRow.chat_id > after)
        return self._claim_rows(query, now=now, lease=lease, limit=limit)

    def _claim_rows(
        self, query: Select[int], *, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[int]:
        """Take the first ``limit`` chats of ``query`` in one statement (an UPDATE of those the
        query picks), so that it is atomic on SQLite too; their ids in the query's order."""
        # SKIP LOCKED: a chat another claimer is taking right now is left to it, without
        # waiting; once it commits, its lease keeps the chat out of the query. SQLite leaves
        # FOR UPDATE out: one statement there holds the one write lock from its start.
        picked = query.limit(limit).with_for_update(skip_locked=True, of=SubscriberRow)
        with self._session() as s:
            rows = s.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id.in_(picked.scalar_subquery()))
                .values(claimed_until=now + lease, claimed_by=self.me)
                .returning(SubscriberRow.chat_id, SubscriberRow.next_due)
            ).all()
        far = dt.datetime.max.replace(tzinfo=dt.UTC)  # instant chats have no due time
        return [chat for chat, _ in sorted(rows, key=lambda r: (r[1] or far, r[0]))]

    def claim(self, chat_id: int, *, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Hold one chat until ``now + lease`` unless another process holds it (a chat this
        process holds already is claimed again)."""
        with self._session() as s:
            result = s.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id == chat_id, _unclaimed(now, self.me))
                .values(claimed_until=now + lease, claimed_by=self.me)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release_previous(self) -> int:
        """Let go of the chats held by earlier incarnations of this process (same name): one
        killed mid-round holds its batch until the lease runs out otherwise. How many."""
        with self._session() as s:
            result = s.execute(
                update(SubscriberRow)
                .where(
                    SubscriberRow.claimed_by.startswith(f"{self.name}:", autoescape=True),
                    SubscriberRow.claimed_by != self.me,
                )
                .values(claimed_until=None, claimed_by=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def release(self, chat_ids: Sequence[int]) -> None:
        """Let go of chats this process holds (another's claim stays)."""
        if not chat_ids:
            return
        with self._session() as s:
            s.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id.in_(chat_ids), SubscriberRow.claimed_by == self.me)
                .values(claimed_until=None, claimed_by=None)
            )

    def instant(self) -> list[Subscriber]:
        with self._session() as s:
            rows = s.scalars(
                select(SubscriberRow)
                .where(SubscriberRow.active.is_(True), SubscriberRow.mode == "instant")
                .order_by(SubscriberRow.chat_id)
            )
            return [_subscriber(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Active subscribers by mode."""
        with self._session() as s:
            rows = s.execute(
                select(SubscriberRow.mode, func.count())
                .where(SubscriberRow.active.is_(True))
                .group_by(SubscriberRow.mode)
            )
            return {mode: n for mode, n in rows}

    # --- deliveries --------------------------------------------------------------------------

    def pending(self, chat_id: int) -> list[int]:
        """Ids of the articles loaded since the chat subscribed and not yet delivered to it."""
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            if row is None:
                return []
            delivered = select(DeliveryRow.article_id).where(DeliveryRow.chat_id == chat_id)
            ids = s.scalars(
                select(ArticleRow.id)
                .where(ArticleRow.loaded_at > row.since, ArticleRow.id.not_in(delivered))
                .order_by(ArticleRow.loaded_at, ArticleRow.id)
            )
            return list(ids)

    def delivered(self, chat_id: int) -> set[int]:
        with self._session() as s:
            return set(
                s.scalars(select(DeliveryRow.article_id).where(DeliveryRow.chat_id == chat_id))
            )

    def record_sent(
        self, chat_id: int, article_ids: Sequence[int], *, now: dt.datetime, advance: bool
    ) -> None:
        """After a send: the deliveries, the send, and (for a scheduled digest) the next due
        time, in one transaction."""
        with self._session() as s:
            already = set(
                s.scalars(
                    select(DeliveryRow.article_id).where(
                        DeliveryRow.chat_id == chat_id, DeliveryRow.article_id.in_(article_ids)
                    )
                )
            )
            existing = set(
                s.scalars(select(ArticleRow.id).where(ArticleRow.id.in_(article_ids)))
            )  # an article removed meanwhile has nothing to point at
            s.add_all(
                DeliveryRow(chat_id=chat_id, article_id=a, sent_at=now)
                for a in dict.fromkeys(article_ids)
                if a not in already and a in existing
            )
            s.add(SendRow(chat_id=chat_id, at=now, ok=True, articles=len(article_ids)))
            row = s.get(SubscriberRow, chat_id)
            if row is not None:
                row.last_digest_at = now
                row.claimed_until = row.claimed_by = None  # recorded: nothing left to hold
                if advance:
                    self._advance(row, now)

    def record_failed(self, chat_id: int, *, now: dt.datetime, error: str) -> None:
        with self._session() as s:
            s.add(SendRow(chat_id=chat_id, at=now, ok=False, articles=0, error=error))

    def skip(self, chat_id: int, *, now: dt.datetime) -> None:
        """Nothing new for a due subscriber: move its due time on without sending."""
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            if row is not None:
                row.claimed_until = row.claimed_by = None
                self._advance(row, now)

    def retry_later(self, chat_id: int, *, now: dt.datetime, minutes: int) -> None:
        """A digest that could not be sent is tried again after a pause, not every tick."""
        with self._session() as s:
            row = s.get(SubscriberRow, chat_id)
            paused = row is not None and _paused(row.paused_since, row.paused_until, now)
            if row is not None and row.active and not paused:
                row.next_due = now + dt.timedelta(minutes=minutes)
            if row is not None:
                row.claimed_until = row.claimed_by = None

    def instant_pending(self, now: dt.datetime) -> list[int]:
        """Instant subscribers, not paused, with at least one article they have not had."""
        with self._session() as s:
            return list(s.scalars(self._instant_query(now)))

    @staticmethod
    def _instant_query(now: dt.datetime) -> Select[int]:
        # Correlated to both outer queries: left to itself, SQLAlchemy correlates only to the
        # one just outside, and "delivered" would mean "delivered to anybody".
        delivered = (
            select(DeliveryRow.id)
            .where(
                DeliveryRow.chat_id == SubscriberRow.chat_id,
                DeliveryRow.article_id == ArticleRow.id,
            )
            .correlate_except(DeliveryRow)
        )
        owed = select(ArticleRow.id).where(
            ArticleRow.loaded_at > SubscriberRow.since, ~delivered.exists()
        )
        return (
            select(SubscriberRow.chat_id)
            .where(
                SubscriberRow.active.is_(True),
                SubscriberRow.mode == "instant",
                _not_paused(now),
                owed.exists(),
            )
            .order_by(SubscriberRow.chat_id)
        )

    def send_counts(self, since: dt.datetime) -> tuple[int, int]:
        """(sent, failed) digest sends since a moment."""
        with self._session() as s:
            rows = dict(
                s.execute(
                    select(SendRow.ok, func.count())
                    .where(SendRow.at >= since)
                    .group_by(SendRow.ok)
                ).all()
            )
            return rows.get(True, 0), rows.get(False, 0)

    def prune_sends(self, before: dt.datetime) -> int:
        """Forget the record of sends before a moment (what /stats counts; the deliveries,
        which keep an article from being sent twice, stay); how many."""
        with self._session() as s:
            result = s.execute(delete(SendRow).where(SendRow.at < before))
            return int(result.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def _advance(row: SubscriberRow, now: dt.datetime) -> None:
        Subscribers._schedule(row, now)

    @staticmethod
    def _schedule(row: SubscriberRow, now: dt.datetime) -> None:
        """The one place a next due time is set: the first digest time after ``now``, or after
        the pause where one is on; none for instant, inactive or paused-until-resumed rows."""
        after = now
        if _paused(row.paused_since, row.paused_until, now):
            after = row.paused_until  # type: ignore[assignment]  # None: stays None below
        if row.mode != "daily" or not row.active or after is None:
            row.next_due = None
            return
        row.next_due = next_due(parse_time(row.digest_time), parse_zone(row.timezone), after=after)
