"""The domain facade the bot talks to: questions (logged), digests, subscriptions and statistics.

Everything here is synchronous and blocking (spaCy, SQLite); the bot calls it from worker threads.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.dedupe import Fingerprints
from knowledge.digests import Digest, DigestItem
from knowledge.engine import KnowledgeBase
from knowledge.errors import DuplicateArticleError
from knowledge.feeds import Feed, FeedResponse, Feeds, PollResult
from knowledge.fetch import FEED_TYPES, fetch, read_url
from knowledge.journal import Journal, Window
from knowledge.models import Answer, Article, ArticleDraft, Fact, Turn
from knowledge.reading import read_article, read_document
from knowledge.subscribers import Subscribers
from knowledge.summary import key_facts, summarise

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class WebOptions:
    """How pages and feeds are fetched (settings ``TALKS_FETCH_*``)."""

    allow_hosts: frozenset[str] = frozenset()
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5

    def limits(self) -> dict[str, Any]:
        """The keyword arguments of ``fetch`` and ``read_url``."""
        return {
            "allow_hosts": self.allow_hosts,
            "timeout": self.timeout,
            "max_bytes": self.max_bytes,
            "max_redirects": self.max_redirects,
        }


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    facts: int
    entities: int
    subscribers: dict[str, int]
    day: Window
    week: Window
    unanswered: list[tuple[str, int]]
    sends_day: tuple[int, int]
    sends_week: tuple[int, int]
    feeds: list[Feed]


@dataclass(frozen=True, slots=True)
class Asked:
    """An answer with the id of its question-log row (buttons refer to it)."""

    answer: Answer
    question_id: int


class Newsroom:
    """Answers, digests and subscriptions over one knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        web: WebOptions = WebOptions(),
        feed_interval: dt.timedelta = dt.timedelta(minutes=15),
        max_question_chars: int | None = None,
    ) -> None:
        self.kb = kb
        self.web = web
        self.max_question_chars = max_question_chars  # longer ones are refused (the setting)
        self.subscribers = Subscribers(kb.store)
        self.journal = Journal(kb.store)
        self.feeds = Feeds(kb.store, interval=feed_interval)
        self.fingerprints = Fingerprints(kb.store)
        self.fingerprints.backfill()
        self._items: dict[tuple[int, ...], DigestItem] = {}

    # --- loading -----------------------------------------------------------------------------

    def load_text(self, raw: str, **meta: Any) -> Article:
        """Read and store an article (see ``KnowledgeBase.load_text``), refusing near copies."""
        return self.load_draft(read_article(raw, **meta))

    def load_document(self, data: bytes, *, filename: str, **meta: Any) -> Article:
        """Read an uploaded file (.txt .md .html .pdf, by its name) and store its article."""
        return self.load_draft(read_document(data, filename=filename, **meta))

    def load_draft(self, draft: ArticleDraft) -> Article:
        """Store a draft unless it is an exact or near copy of a stored article; a changed text
        from the URL of a stored article replaces that article (under the same id, so nobody
        gets it twice)."""
        self.kb.store.ensure_new(draft)  # the exact copy first: its message names the article
        previous = self.kb.store.article_by_url(draft.url) if draft.url else None
        if previous is not None:
            article = self.kb.replace(previous, draft)
            self.fingerprints.add(article.id, draft.body)
            self._items.clear()
            return article
        near = self.fingerprints.near(draft.body)
        if near is not None:
            raise DuplicateArticleError(
                f"This looks like article #{near.article_id} again "
                f"({near.containment:.0%} of the shorter text is the same).",
                existing_id=near.article_id,
            )
        article = self.kb.load_draft(draft)
        self.fingerprints.add(article.id, draft.body)
        return article

    def now(self) -> dt.datetime:
        return self.kb.clock()

    def load_url(self, url: str) -> Article:
        """Fetch a page (SSRF-guarded, within the limits) and store its article."""
        return self.load_draft(read_url(url, **self.web.limits()))

    # --- feeds -------------------------------------------------------------------------------

    def _get_feed(self, url: str, headers: Mapping[str, str]) -> FeedResponse:
        page = fetch(url, headers=headers, types=FEED_TYPES, **self.web.limits())
        return FeedResponse(page.status, page.body, etag=page.etag, modified=page.modified)

    def add_feed(self, url: str) -> Feed:
        return self.feeds.add(url, get=self._get_feed, now=self.now())

    def poll_feeds(self, *, due_only: bool = True) -> list[PollResult]:
        """Poll the feeds that are due (or all), loading their new entries as articles."""
        poll = self.feeds.poll_due if due_only else self.feeds.poll_all
        return poll(get=self._get_feed, load=self.load_url, now=self.now)

    # --- questions ---------------------------------------------------------------------------

    def ask(
        self, text: str, *, chat_id: int, user_id: int | None, context: Answer | None = None
    ) -> Asked:
        """A chat's question, answered and logged in the journal (for /stats and the buttons)."""
        answer = self.answer(text, context=context)
        qid = self.journal.log(
            chat_id=chat_id,
            user_id=user_id,
            text=text,
            answered=answer.answered,
            confidence=answer.confidence,
            now=self.now(),
        )
        return Asked(answer, qid)

    def answer(self, text: str, *, context: Turn | Answer | None = None) -> Answer:
        """A question answered under the question limit, not logged."""
        return self.kb.answer(text, context=context, max_chars=self.max_question_chars)

    def who(self, name: str) -> Answer:
        return self.kb.who(name)

    def fact(self, ref: str) -> Fact | None:
        """The fact a button names: "ARTICLE:POSITION" (stable when an article is re-extracted
        or replaced and its facts get new ids), or a bare fact id (buttons sent before)."""
        article_id, colon, position = ref.partition(":")
        if not colon:
            return self.kb.index.facts.get(int(ref))
        ids = self.kb.index.article_facts.get(int(article_id), [])
        for fid in ids:
            fact = self.kb.index.facts[fid]
            if fact.position == int(position):
                return fact
        return None

    def paragraph(self, ref: str) -> tuple[Article, list[Fact], Fact] | None:
        """The paragraph a fact stands in, as facts, with its article and the fact itself."""
        fact = self.fact(ref)
        if fact is None:
            return None
        same = [f for f in self.kb.facts_of(fact.article_id) if f.paragraph == fact.paragraph]
        return self.kb.article(fact.article_id), same, fact

    def again(self, question_id: int) -> Answer | None:
        """A logged question asked again (for "More answers" after a restart too)."""
        logged = self.journal.question(question_id)
        if logged is None:
            return None
        return self.kb.answer(logged.text)

    def entity_names(self, article_id: int) -> list[str]:
        """The entities an article names, the most mentioned first."""
        counts: Counter[int] = Counter()
        for fact in self.kb.facts_of(article_id):
            counts.update(set(fact.entity_ids))
        entities = self.kb.index.entities
        return [entities[e].name for e, _ in counts.most_common() if e in entities]

    def examples(self, *, limit: int = 3) -> list[str]:
        """Questions a newcomer could ask about what is stored, from its best-known entities."""
        index = self.kb.index
        ranked = sorted(
            index.entities.values(), key=lambda e: (-len(index.entity_facts.get(e.id, ())), e.id)
        )
        speakers = {spk for f in index.facts.values() for _, spk in f.quotes if spk is not None}
        questions: list[str] = []
        person = next((e for e in ranked if e.label == "PERSON"), None)
        if person is not None:
            questions.append(f"Who is {person.name}?")
        speaker = next(
            (e for e in ranked if e.id in speakers and e is not person and e.label == "PERSON"),
            person,
        )
        if speaker is not None:
            questions.append(f"What did {speaker.name} say?")
        place = next((e for e in ranked if e.label in {"GPE", "LOC", "FAC"}), None)
        if place is not None:
            questions.append(f"What happened in {place.name}?")
        return list(dict.fromkeys(questions))[:limit]

    # --- digests -----------------------------------------------------------------------------

    def digest(self, article_ids: Sequence[int]) -> Digest:
        """Each article's summary and key facts, oldest first; articles without facts left out."""
        index = self.kb.index
        articles = sorted(
            (index.articles[a] for a in article_ids if a in index.articles),
            key=lambda a: (a.loaded_at, a.id),
        )
        items = (self._item(a) for a in articles)
        return Digest(tuple(item for item in items if item.summary))

    def _item(self, article: Article) -> DigestItem:
        # A fan-out sends one article to thousands of chats: summarise it once. Keyed by its
        # fact ids, so an article replaced under the same id is summarised anew.
        key = (article.id, *self.kb.index.article_facts.get(article.id, ()))
        item = self._items.get(key)
        if item is None:
            facts = self.kb.facts_of(article.id)
            summary = summarise(facts, title=article.title)
            keys = key_facts(facts, self.kb.index.entities, summary=summary, title=article.title)
            item = DigestItem(article, tuple(summary), tuple(keys))
            if len(self._items) > 1024:
                self._items.clear()
            self._items[key] = item
        return item

    def pending_digest(self, chat_id: int) -> Digest:
        """What is new for a subscriber: articles loaded since it subscribed, not yet sent."""
        return self.digest(self.subscribers.pending(chat_id))

    def latest_digest(self, *, limit: int = 3) -> Digest:
        """The most recently loaded articles, for someone who is not subscribed."""
        articles = sorted(self.kb.articles(), key=lambda a: (a.loaded_at, a.id))[-limit:]
        return self.digest([a.id for a in articles])

    def heartbeat(self) -> None:
        """Note that the scheduler is alive (``talks-bot health`` reads it)."""
        self.kb.store.set_meta("heartbeat", self.now().isoformat())

    # --- statistics --------------------------------------------------------------------------

    def stats(self) -> Stats:
        now = self.now()
        index = self.kb.index
        return Stats(
            articles=len(index.articles),
            facts=len(index.facts),
            entities=len(index.entities),
            subscribers=self.subscribers.counts(),
            day=self.journal.window(now - DAY),
            week=self.journal.window(now - WEEK),
            unanswered=self.journal.top_unanswered(now - WEEK),
            sends_day=self.subscribers.send_counts(now - DAY),
            sends_week=self.subscribers.send_counts(now - WEEK),
            feeds=self.feeds.all(),
        )


def fact_ref(fact: Fact) -> str:
    """How a button names a fact: by article and position, which outlive its id (see
    ``Newsroom.fact``)."""
    return f"{fact.article_id}:{fact.position}"
