"""Following people, places and organisations, and their timelines: the newsroom's part that
resolves names against the index and keeps follows and follow notices in the store.

A notice is owed to a chat for each article loaded after it followed an entity the article
mentions; ``owed`` builds them, ``notice_sent`` records one right after its send (the store's
``follow_notices``, unique per chat and article), so they go out exactly as digests do: once,
and again only if a crash fell between a send and its record.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from knowledge.models import Article, Entity, Fact
from knowledge.qa.index import Index
from knowledge.qa.names import (
    SUGGEST_CUTOFF,
    Resolved,
    entities_of,
    near_names,
    resolve_exact,
)
from knowledge.qa.timeline import Timeline, build_timeline
from knowledge.storage.follows import Follow, Follows
from knowledge.storage.store import Store
from knowledge.text import alias_norm

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FollowNotice:
    """What one new article says about the entities a chat follows: its facts that mention
    them, in the article's order."""

    article: Article
    follows: tuple[Follow, ...]
    facts: tuple[Fact, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.follows)


class Following:
    """Follows, notices and timelines over the newsroom's store and index (read under the
    newsroom's lock: a load may be changing the index)."""

    def __init__(
        self,
        store: Store,
        *,
        index: Callable[[], Index],
        lock: threading.RLock,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._follows = Follows(store)
        self._index = index
        self._lock = lock
        self._clock = clock

    # --- names -------------------------------------------------------------------------------

    def resolve(self, name: str) -> Resolved:
        """The entity a name stands for, or the ones it may mean. The fuzzy comparison with
        every name runs outside the lock (on a copy of the names), so questions asked
        meanwhile do not wait for it."""
        with self._lock:
            exact = resolve_exact(self._index(), name)
            if exact is not None:
                return exact
            keys = list(self._index().aliases)
        near = near_names(keys, name)
        with self._lock:
            return Resolved(name, choices=tuple(entities_of(self._index(), near)))

    def entity(self, entity_id: int) -> Entity | None:
        with self._lock:
            return self._index().entities.get(entity_id)

    # --- follows -----------------------------------------------------------------------------

    def follow(
        self, chat_id: int, entity_id: int, *, thread_id: int | None = None
    ) -> tuple[Follow, bool] | None:
        """Follow an entity from now on: (the follow, whether it is new); None for an entity
        the store no longer has. ``thread_id``: the forum topic its notices go to."""
        entity = self.entity(entity_id)
        if entity is None:
            return None
        return self._follows.follow(
            chat_id,
            entity_id=entity.id,
            name=entity.name,
            label=entity.label,
            now=self._clock(),
            thread_id=thread_id,
        )

    def forget_topic(self, chat_id: int, thread_id: int | None) -> None:
        """A forum topic that is gone: the chat's follows made there notify the chat itself."""
        if thread_id is not None:
            self._follows.forget_topic(chat_id, thread_id)

    def following(self, chat_id: int) -> list[Follow]:
        return self._follows.of_chat(chat_id)

    def unfollow(self, chat_id: int, follow_id: int) -> Follow | None:
        """Stop one of the chat's follows; None when it has no such follow."""
        return self._follows.unfollow(chat_id, follow_id)

    def find_followed(self, chat_id: int, name: str) -> tuple[Follow | None, list[Follow]]:
        """Which of the chat's follows ``name`` means: (the one, []) or (None, those it may
        mean), by the entity the name resolves to, else by the nearest followed names."""
        follows = self.following(chat_id)
        resolved = self.resolve(name)
        candidates = [resolved.entity] if resolved.entity else list(resolved.choices)
        ids = {e.id for e in candidates}
        same = [f for f in follows if f.entity_id in ids]
        same += [f for f in follows if f not in same and alias_norm(f.name) == alias_norm(name)]
        exact = resolved.entity is not None or any(
            alias_norm(f.name) == alias_norm(name) for f in same
        )
        if len(same) == 1 and exact:
            return same[0], []
        if same:  # several, or one only near the name: the user says which
            return None, same
        names = {f.id: f.name for f in follows}
        near = process.extract(
            name,
            names,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=SUGGEST_CUTOFF,
        )
        by_id = {f.id: f for f in follows}
        return None, [by_id[key] for _, _, key in near]

    # --- notices -----------------------------------------------------------------------------

    def chats_owed(self) -> list[int]:
        """Chats owed at least one follow notice."""
        return self._follows.chats_owed()

    def owed(self, chat_id: int) -> list[FollowNotice]:
        """The notices a chat is owed, the first loaded article first. An article with no fact
        on the followed entities left (replaced meanwhile) is recorded as told, not sent."""
        notices = []
        for article_id, follows in self._follows.owed(chat_id):
            with self._lock:
                index = self._index()
                article = index.articles.get(article_id)
                ids = {f.entity_id for f in follows}
                facts = tuple(
                    index.facts[f]
                    for f in index.article_facts.get(article_id, ())
                    if ids.intersection(index.facts[f].entity_ids)
                )
            if article is None:
                continue  # stored, not indexed yet (a load under way): the next round has it
            if not facts:
                self.notice_sent(chat_id, article_id)
                continue
            notices.append(FollowNotice(article, tuple(follows), facts))
        return notices

    def notice_sent(self, chat_id: int, article_id: int) -> None:
        """Record a notice as sent, right after the send: never sent again."""
        self._follows.record_sent(chat_id, article_id, now=self._clock())

    def notice_failed(self, chat_id: int, error: str, *, blocked: bool = False) -> None:
        """A notice that could not be sent: recorded for /stats; still owed (the next tick
        tries again), unless the chat blocked the bot, which ends its follows."""
        self._follows.record_failed(chat_id, now=self._clock(), error=error)
        if blocked:
            dropped = self._follows.drop_chat(chat_id)
            log.info("chat %s blocked the bot: %d follows dropped (%s)", chat_id, dropped, error)

    def notified(self, chat_id: int) -> set[int]:
        """The articles the chat was told of."""
        return self._follows.notified(chat_id)

    # --- timelines ---------------------------------------------------------------------------

    def timeline(self, entity_id: int) -> Timeline | None:
        """What the articles say about an entity, oldest first; None for one not stored."""
        with self._lock:
            index = self._index()
            entity = index.entities.get(entity_id)
            if entity is None:
                return None
            facts = [index.facts[f] for f in index.entity_facts.get(entity_id, ())]
            return build_timeline(entity, facts, index.articles)
