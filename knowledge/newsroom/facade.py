"""``Newsroom``, the one facade the bot and the CLI talk to: articles in (text, files, URLs,
feeds), answers out (questions logged), digests, subscriptions and statistics.

Everything here is synchronous and blocking (spaCy, SQLite); the bot calls it from worker threads.
One re-entrant lock serialises what touches the in-memory index or spaCy: a load changes the
index while a question, a digest or ``examples`` would read it. Subscriptions and the question
log are rows in the store, each method one short transaction: they need no lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from spacy.language import Language

from knowledge.conversation import ChatReply
from knowledge.digests.summary import key_facts, summarise
from knowledge.errors import ArticleError, DuplicateArticleError, UnknownArticleError
from knowledge.ingest.dedupe import Fingerprints
from knowledge.ingest.feeds import FeedResponse, Feeds, PollResult
from knowledge.ingest.fetch import FEED_TYPES, fetch, read_url
from knowledge.ingest.reading import read_article, read_document
from knowledge.models import (
    Answer,
    Article,
    ArticleDraft,
    Digest,
    DigestItem,
    Entity,
    Extraction,
    Fact,
    Feed,
    Turn,
)
from knowledge.newsroom.briefing import article_context
from knowledge.newsroom.bulk import store_many
from knowledge.newsroom.catalogue import heartbeat_key
from knowledge.newsroom.conversing import converse
from knowledge.newsroom.following import Following
from knowledge.newsroom.loading import (
    embedded,
    fill_vectors,
    index_stored,
    refresh_stale,
    seed_draft,
)
from knowledge.newsroom.values import (
    Activity,
    Asked,
    Progress,
    Stats,
    WebOptions,
    default_clock,
    no_progress,
)
from knowledge.nlp.extract import extract
from knowledge.qa.config import DEFAULT, QAConfig
from knowledge.qa.embedding import Embedder, shipped_embedder
from knowledge.qa.engine import Engine
from knowledge.qa.index import Index
from knowledge.qa.reader import Reader, shipped_reader
from knowledge.schedule import Mode, parse_zone
from knowledge.storage.journal import Journal, Window
from knowledge.storage.languages import ChatLanguages
from knowledge.storage.store import Store
from knowledge.storage.subscribers import Subscriber, Subscribers
from knowledge.storage.topics import Topics

log = logging.getLogger(__name__)

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
RETRY_FAILED_AFTER_MINUTES = 10
CATCH_UP_CHUNK = 32  # articles another process changed, read again per hold of the lock

P = ParamSpec("P")
R = TypeVar("R")


def _locked(method: Callable[P, R]) -> Callable[P, R]:
    """Run a ``Newsroom`` method under its lock."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0]._lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


class Newsroom:
    """Articles → fact store and index → answers; digests and subscriptions over the same store.

    Safe to call from worker threads: whatever reads or changes the index holds the lock.
    """

    def __init__(
        self,
        store: Store,
        nlp: Language,
        *,
        clock: Callable[[], dt.datetime] = default_clock,
        seed: bool = True,
        web: WebOptions = WebOptions(),
        feed_interval: dt.timedelta = dt.timedelta(minutes=15),
        max_question_chars: int | None = None,
        config: QAConfig = DEFAULT,
        reader: Reader | bool = True,
        embedder: Embedder | bool | None = None,
        progress: Progress = no_progress,
        claim_lease: dt.timedelta = dt.timedelta(minutes=5),
        name: str = "",
    ) -> None:
        """``reader``: True for the learned reader shipped with the package (the rules alone
        where its files are absent), False for the rules alone, or a ``Reader`` of one's own
        (a benchmark's fold). ``embedder``: the embeddings the reading order compares meanings
        with, True for the shipped ones; by default those where there is a reader (the rules
        never use them). ``progress`` shows the re-extraction of a stale store.
        ``claim_lease``: how long a chat being sent to (or a feed being polled) is held by this
        process; one that dies holds them that long at most, unless it comes back under the
        same ``name`` (``release_previous_claims``)."""
        self.store = store
        self.claim_lease = claim_lease
        self.nlp = nlp
        self.clock = clock
        self.web = web
        self.max_question_chars = max_question_chars  # longer ones are refused (the setting)
        self._lock = threading.RLock()
        chosen = shipped_reader() if reader is True else reader or None
        if embedder is None:
            embedder = chosen is not None
        meanings = shipped_embedder() if embedder is True else embedder or None
        self.engine = Engine(nlp, config=config, reader=chosen, embedder=meanings)
        self._subscribers = Subscribers(store, name=name)
        self._journal = Journal(store)
        self._feeds = Feeds(store, interval=feed_interval)
        self._fingerprints = Fingerprints(store)
        self._items: dict[tuple[int, ...], DigestItem] = {}
        self.follows = Following(store, index=lambda: self.index, lock=self._lock, clock=clock)
        """/follow, /following, /unfollow, their notices, and /timeline."""
        self.topics = Topics(store)
        """The forum topic of a group's digests (``set``, ``get``)."""
        self.languages = ChatLanguages(store)
        """The language a chat chose for the bot's texts with /language (``set``, ``get``)."""
        self._version = 0  # the store's version the index has caught up with
        # Replicas starting together on one store: one re-extracts and seeds, the others wait
        # and find it done.
        with store.exclusive("re-extraction and the seed"):
            refresh_stale(store, nlp, progress=progress)
            fill_vectors(store, meanings, progress=progress)
            if seed and store.get_meta("seeded") is None:
                if store.article_count() == 0:
                    self._load(seed_draft())
                store.set_meta("seeded", self.clock().isoformat())
        self.rebuild_index()
        self._fingerprints.backfill()

    @property
    def index(self) -> Index:
        """The in-memory index (the methods read it under the lock: a load may be changing
        it)."""
        return self.engine.index

    def now(self) -> dt.datetime:
        return self.clock()

    # --- loading -----------------------------------------------------------------------------

    @_locked
    def rebuild_index(self) -> None:
        """Build the index from the store (at start; loads and removals update it in place)."""
        # Building makes millions of objects that all live on: collecting while they are made
        # would find nothing.
        enabled = gc.isenabled()
        gc.disable()
        try:
            # The version first: a change committed while the index is read is read again by
            # the next ``catch_up`` (reading an article again is harmless).
            self._version = self.store.version()
            index = Index()
            index.add_articles(self.store.articles())
            index.add_facts(self.store.iter_facts())
            index.set_entities(self.store.entities())
            self.engine.use(index)
        finally:
            if enabled:
                gc.enable()

    def load_text(
        self,
        raw: str,
        *,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        published: dt.date | None = None,
        fmt: str | None = None,
    ) -> Article:
        """Read and store one article; refuse empty, non-article, duplicate or near-copy text."""
        draft = read_article(
            raw, title=title, source=source, url=url, published=published, fmt=fmt
        )
        return self.load_draft(draft)

    def load_document(self, data: bytes, *, filename: str, **meta: Any) -> Article:
        """Read an uploaded file (.txt .md .html .pdf, by its name) and store its article."""
        return self.load_draft(read_document(data, filename=filename, **meta))

    def load_url(self, address: str, /, **meta: Any) -> Article:
        """Fetch a page (SSRF-guarded, within the limits) and store its article; ``meta``
        (title, source, url, published) overrides what the page says where given."""
        draft = read_url(address, **self.web.limits())
        given = {k: v for k, v in meta.items() if v is not None}
        return self.load_draft(dataclasses.replace(draft, **given) if given else draft)

    @_locked
    def load_draft(self, draft: ArticleDraft) -> Article:
        """Store a draft unless it is an exact or near copy of a stored article; a changed text
        from the URL of a stored article replaces that article (under the same id, so nobody
        gets it twice). The near-copy check and the load are one step under the lock."""
        self.store.ensure_new(draft)  # the exact copy first: its message names the article
        previous = self.store.article_by_url(draft.url) if draft.url else None
        if previous is not None:
            self.article(previous)
            article = self._replace(previous, draft)
            self._fingerprints.add(article.id, draft.body)
            self._items.clear()
            return article
        self._ensure_not_near(draft)
        article = self._load(draft)
        self._fingerprints.add(article.id, draft.body)
        return article

    def _ensure_not_near(self, draft: ArticleDraft) -> None:
        """Refuse a near copy of a stored article (the lock is held)."""
        near = self._fingerprints.near(draft.body)
        if near is not None:
            raise DuplicateArticleError(
                "This looks like article #{id} again ({share} of the shorter text is the same).",
                existing_id=near.article_id,
                id=near.article_id,
                share=f"{near.containment:.0%}",
            )

    def _load(self, draft: ArticleDraft) -> Article:
        """Extract and store one read article (the lock is held; the caller has refused an
        exact copy before the NLP, the costly part, and the store's transaction refuses one
        again)."""
        now = self.clock()
        published = draft.published or now.date()
        return self._store(draft, self._extract(draft, published), published=published, now=now)

    def _extract(self, draft: ArticleDraft, published: dt.date) -> Extraction:
        """The NLP of one article (a subclass may keep what it returns: ``bench/latency.py``)."""
        return extract(self.nlp, draft, article_date=published)

    def load_many(
        self,
        drafts: Iterable[ArticleDraft],
        *,
        chunk: int = 32,
        n_process: int = 1,
        near: bool = False,
    ) -> list[Article | ArticleError]:
        """Load many read articles, each in its own transaction (a failure leaves the others
        stored); for each draft, in order, its stored ``Article`` or the ``ArticleError`` that
        refused it (an exact copy, say; near copies too with ``near``, as ``load_draft`` does).

        The paragraphs of ``chunk`` articles at a time go through one ``nlp.pipe`` (full batches,
        and ``n_process`` > 1 parses in worker processes); the lock is held per chunk, so
        questions asked meanwhile wait for one chunk at most."""
        return store_many(self, list(drafts), chunk=chunk, n_process=n_process, near=near)

    def _store(
        self, draft: ArticleDraft, extraction: Extraction, *, published: dt.date, now: dt.datetime
    ) -> Article:
        """Store one extraction and update the index with what it wrote (its facts, the
        entities it touched): the cost does not grow with the store."""
        extraction = embedded(extraction, self.engine.embedder)
        stored = self.store.add_article(draft, extraction, published=published, loaded_at=now)
        index_stored(self.index, stored)
        self._caught_up(stored.version)
        return stored.article

    @_locked
    def remove(self, article_id: int) -> Article:
        """Remove an article with its facts."""
        article = self.article(article_id)
        removed = self.store.remove_article(article_id)
        index = self.index
        index.remove_article(article_id)
        index.update_entities(removed.entity_ids, self.store.entities(removed.entity_ids))
        self.engine.forget_parses()
        self._items.clear()
        self._caught_up(removed.version)
        return article

    @_locked
    def replace(self, article_id: int, draft: ArticleDraft) -> Article:
        """Store a new version of an article under its id (facts and entities rebuilt in one
        transaction); refuse a text that is stored already."""
        self.article(article_id)
        self.store.ensure_new(draft)
        return self._replace(article_id, draft)

    def _replace(self, article_id: int, draft: ArticleDraft) -> Article:
        """``replace`` once the article is known and the text new (the lock is held)."""
        published = draft.published or self.clock().date()
        extraction = embedded(self._extract(draft, published), self.engine.embedder)
        stored = self.store.replace_article(article_id, draft, extraction, published=published)
        index_stored(self.index, stored, replacing=True)
        self.engine.forget_parses()
        self._caught_up(stored.version)
        return stored.article

    # --- following the store -----------------------------------------------------------------

    def _caught_up(self, version: int) -> None:
        """After a write of this process's own (the lock is held): the index is at ``version``
        if it was just before; otherwise another process wrote meanwhile, and ``catch_up``
        reads what it wrote (and this write again, harmlessly)."""
        if version == self._version + 1:
            self._version = version

    def catch_up(self) -> int:
        """Bring the index up to the store, where other processes sharing it loaded, replaced
        or removed articles since it was built: each changed article is read again (its
        facts, the entities they and its previous version named), a few at a time under the
        lock, so that questions wait for a few articles at most, not for a bulk load. One
        indexed query when nothing changed; the number of articles read again."""
        with self._lock:
            changes = self.store.changes_since(self._version)
        if not changes:
            return 0
        last: dict[int, int] = {}  # article → its last change: read once, at that version
        for version, article_id in changes:
            last[article_id] = version
        ordered = sorted(last.items(), key=lambda item: item[1])
        for start in range(0, len(ordered), CATCH_UP_CHUNK):
            chunk = ordered[start : start + CATCH_UP_CHUNK]
            with self._lock:
                self._read_again([article_id for article_id, _ in chunk])
                # Every change up to the chunk's last is read: an article changed again later
                # has a later change still ahead.
                self._version = max(self._version, chunk[-1][1])
        log.info("index caught up with %d article changes from other processes", len(ordered))
        return len(ordered)

    def _read_again(self, article_ids: Sequence[int]) -> None:
        """Replace what the index holds of some articles with what the store holds now (the
        lock is held)."""
        index = self.index
        touched: set[int] = set()
        for article_id in article_ids:
            touched.update(e for f in self._indexed_facts(article_id) for e in f.entity_ids)
            index.remove_article(article_id)
        fresh = {a.id: a for a in self.store.articles_by_id(article_ids)}
        facts = list(self.store.iter_facts(article_ids=list(fresh)))
        touched.update(e for f in facts for e in f.entity_ids)
        index.add_articles(fresh.values())
        index.add_facts(facts)
        index.update_entities(touched, self.store.entities(touched))
        self.engine.forget_parses()
        self._items.clear()

    def _indexed_facts(self, article_id: int) -> list[Fact]:
        """An article's facts as the index has them (none for one it does not have)."""
        index = self.index
        return [index.facts[f] for f in index.article_facts.get(article_id, [])]

    def wait_for_changes(self, timeout: float) -> bool:
        """Block until another process may have changed the store, or ``timeout`` s: True when
        PostgreSQL said so (LISTEN/NOTIFY); on SQLite it only waits (then ``catch_up``
        checks the version)."""
        return self.store.listener().wait(timeout)

    # --- feeds -------------------------------------------------------------------------------

    def _get_feed(self, url: str, headers: Mapping[str, str]) -> FeedResponse:
        page = fetch(url, headers=headers, types=FEED_TYPES, **self.web.limits())
        return FeedResponse(page.status, page.body, etag=page.etag, modified=page.modified)

    def add_feed(self, url: str) -> Feed:
        """Follow a feed after checking that it is one; polled at once by the scheduler."""
        return self._feeds.add(url, get=self._get_feed, now=self.now())

    def remove_feed(self, feed_id: int) -> Feed:
        return self._feeds.remove(feed_id)

    def feeds(self) -> list[Feed]:
        return self._feeds.all()

    def poll_feeds(
        self, *, due_only: bool = True, progress: Progress = no_progress
    ) -> list[PollResult]:
        """Poll the feeds that are due (or all), loading their new entries as articles. Due
        feeds are taken for ``claim_lease`` first: two processes polling at once share them
        out, so each entry is loaded once."""
        now = self.now()
        feeds = self._feeds.claim_due(now, lease=self.claim_lease) if due_only else self.feeds()
        results = []
        with progress("feeds", len(feeds)) as advance:
            for feed in feeds:
                results.append(
                    self._feeds.poll(feed.id, get=self._get_feed, load=self.load_url, now=self.now)
                )
                advance(1)
        return results

    # --- reading -----------------------------------------------------------------------------

    @_locked
    def articles(self) -> list[Article]:
        return sorted(self.index.articles.values(), key=lambda a: a.id)

    @_locked
    def article(self, article_id: int) -> Article:
        try:
            return self.index.articles[article_id]
        except KeyError:
            raise UnknownArticleError("There is no article #{id}.", id=article_id) from None

    @_locked
    def facts_of(self, article_id: int) -> list[Fact]:
        self.article(article_id)
        index = self.index
        return [index.facts[f] for f in index.article_facts.get(article_id, [])]

    @_locked
    def find_entities(self, name: str) -> list[Entity]:
        """Entities whose name, alias or description is ``name`` (fuzzy when nothing is exact)."""
        return self.engine.find_entities(name)

    @_locked
    def entity_names(self, article_id: int) -> list[str]:
        """The entities an article names, the most mentioned first."""
        counts: Counter[int] = Counter()
        for fact in self.facts_of(article_id):
            counts.update(set(fact.entity_ids))
        entities = self.index.entities
        return [entities[e].name for e, _ in counts.most_common() if e in entities]

    @_locked
    def fact(self, ref: str) -> Fact | None:
        """The fact a button names: "ARTICLE:POSITION" (stable when an article is re-extracted
        or replaced and its facts get new ids), or a bare fact id (buttons sent before)."""
        index = self.index
        article_id, colon, position = ref.partition(":")
        if not colon:
            return index.facts.get(int(ref))
        for fid in index.article_facts.get(int(article_id), []):
            fact = index.facts[fid]
            if fact.position == int(position):
                return fact
        return None

    @_locked
    def paragraph(self, ref: str) -> tuple[Article, list[Fact], Fact] | None:
        """The paragraph a fact stands in, as facts, with its article and the fact itself. A
        paragraph of one sentence (news wires write many) comes with the paragraphs either side
        of it: alone it would only repeat the answer."""
        fact = self.fact(ref)
        if fact is None:
            return None
        facts = self.facts_of(fact.article_id)
        wanted = {fact.paragraph}
        if sum(f.paragraph == fact.paragraph for f in facts) == 1:
            order = sorted({f.paragraph for f in facts})
            at = order.index(fact.paragraph)
            wanted.update(order[max(at - 1, 0) : at + 2])
        return self.article(fact.article_id), [f for f in facts if f.paragraph in wanted], fact

    @_locked
    def examples(self, *, limit: int = 3) -> list[str]:
        """Questions a newcomer could ask about what is stored, from its best-known entities."""
        index = self.index
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

    # --- questions ---------------------------------------------------------------------------

    @_locked
    def answer(self, question: str, *, context: Turn | Answer | None = None) -> Answer:
        """Answer one question under the question limit, not logged (the CLI, benches);
        ``context`` (the previous turn) resolves follow-ups."""
        return self.engine.answer(question, context=context, max_chars=self.max_question_chars)

    def ask(
        self, text: str, *, chat_id: int, user_id: int | None, context: Answer | None = None
    ) -> Asked:
        """Answer a user's question and log it (``stats``, "More answers", feedback)."""
        answer = self.answer(text, context=context)
        qid = self._journal.log(
            chat_id=chat_id,
            user_id=user_id,
            text=text,
            answered=answer.answered,
            confidence=answer.confidence,
            now=self.now(),
        )
        return Asked(answer, qid)

    def converse(
        self,
        text: str,
        *,
        context: Turn | Answer | None = None,
        user_language: str | None = None,
    ) -> ChatReply | None:
        """The reply to a message that is not a question about the news (a greeting, thanks,
        "what can you do?", an article's summary, "who do you mean?", another language), or
        None: the engine's to answer (``newsroom.conversing``). Not logged."""
        return converse(self, text, context=context, user_language=user_language)

    @_locked
    def who(self, name: str) -> Answer:
        """An entity card: who or what the name is and the key facts about it."""
        return self.engine.who(name)

    def again(self, question_id: int) -> Answer | None:
        """A logged question asked again (for "More answers" after a restart too)."""
        logged = self._journal.question(question_id)
        if logged is None:
            return None
        with self._lock:  # asked before: not refused if the limit was lowered since
            return self.engine.answer(logged.text)

    def feedback(self, question_id: int, value: int, *, chat_id: int) -> bool:
        """A 👍 (1) or 👎 (-1) on an answer, from the chat it was given in; False otherwise."""
        return self._journal.feedback(question_id, value, chat_id=chat_id)

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(
        self, chat_id: int, *, mode: Mode, at: dt.time, timezone: str, place: str | None = None
    ) -> Subscriber:
        """Create or change a subscription (``place``: as the user named it); an inactive one
        starts afresh from now."""
        return self._subscribers.subscribe(
            chat_id, mode=mode, at=at, timezone=timezone, place=place, now=self.now()
        )

    def pause(self, chat_id: int, length: dt.timedelta | None) -> Subscriber | None:
        """No digest for ``length`` (None: until ``resume``); what comes meanwhile waits for the
        first digest after. None when the chat is not subscribed."""
        now = self.now()
        return self._subscribers.pause(chat_id, until=now + length if length else None, now=now)

    def resume(self, chat_id: int) -> tuple[Subscriber | None, bool]:
        """End a pause: (the subscription, whether it was paused)."""
        return self._subscribers.resume(chat_id, now=self.now())

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop digests for a chat; False when it had none."""
        return self._subscribers.unsubscribe(chat_id)

    def subscriber(self, chat_id: int) -> Subscriber | None:
        return self._subscribers.get(chat_id)

    def subscriber_counts(self) -> dict[str, int]:
        return self._subscribers.counts()

    def due_chats(self, *, limit: int = 500) -> list[int]:
        """Daily subscribers whose digest time has come, the longest-waiting first."""
        return [s.chat_id for s in self._subscribers.due(self.now(), limit=limit)]

    def instant_chats(self) -> list[int]:
        """Instant subscribers with at least one article they have not had."""
        return self._subscribers.instant_pending(self.now())

    # Several processes may send from one store: each takes the chats it sends to.

    def claim_due_chats(self, *, limit: int = 50) -> list[int]:
        """Take up to ``limit`` daily subscribers that are due, for ``claim_lease``; no other
        process gets them meanwhile (each recorded send lets its chat go)."""
        return self._subscribers.claim_due(self.now(), lease=self.claim_lease, limit=limit)

    def claim_instant_chats(self, *, limit: int = 50, after: int | None = None) -> list[int]:
        """Take up to ``limit`` instant subscribers owed an article (by chat id, those after
        ``after``), as ``claim_due_chats``."""
        return self._subscribers.claim_instant(
            self.now(), lease=self.claim_lease, limit=limit, after=after
        )

    def claim_chat(self, chat_id: int) -> bool:
        """Take one chat to send to; False while another process has it."""
        return self._subscribers.claim(chat_id, now=self.now(), lease=self.claim_lease)

    def release_previous_claims(self) -> int:
        """At start: let go of the chats an earlier run of this process (the same ``name``)
        held when it died, so that they go out now, not when their lease runs out."""
        released = self._subscribers.release_previous()
        if released:
            log.info("took back %d chats held by this process's previous run", released)
        return released

    def release_chats(self, chat_ids: Sequence[int]) -> None:
        """Let go of chats taken and not sent to (a shutdown, nothing to send)."""
        self._subscribers.release(chat_ids)

    # --- digests -----------------------------------------------------------------------------

    @_locked
    def digest(self, article_ids: Sequence[int]) -> Digest:
        """Each article's summary and key facts, oldest first; articles without facts left out."""
        index = self.index
        articles = sorted(
            (index.articles[a] for a in article_ids if a in index.articles),
            key=lambda a: (a.loaded_at, a.id),
        )
        items = (self._item(a) for a in articles)
        return Digest(tuple(item for item in items if item.summary))

    def _item(self, article: Article) -> DigestItem:
        # A fan-out sends one article to thousands of chats: summarise it once. Keyed by its
        # fact ids, so an article replaced under the same id is summarised anew.
        index = self.index
        key = (article.id, *index.article_facts.get(article.id, ()))
        item = self._items.get(key)
        if item is None:
            facts = self.facts_of(article.id)
            summary = summarise(facts, title=article.title)
            keys = key_facts(facts, index.entities, summary=summary, title=article.title)
            item = DigestItem(article, tuple(summary), tuple(keys))
            if len(self._items) > 1024:
                self._items.clear()
            self._items[key] = item
        return item

    @_locked
    def article_context(self, article_id: int) -> Answer:
        """The previous turn for a question about one article (a digest's "ask about this
        article"): its lead and summary as the facts, its main entities as the focus."""
        article = self.article(article_id)
        item = self._item(article)
        return article_context(
            article, self.facts_of(article_id), item.summary, self.index.entities
        )

    def pending_digest(self, chat_id: int) -> Digest:
        """What is new for a subscriber: articles loaded since it subscribed, not yet sent."""
        return self.digest(self._subscribers.pending(chat_id))

    @_locked
    def latest_digest(self, *, limit: int = 3) -> Digest:
        """The most recently loaded articles, for someone who is not subscribed."""
        articles = sorted(self.index.articles.values(), key=lambda a: (a.loaded_at, a.id))
        return self.digest([a.id for a in articles[-limit:]])

    def digest_sent(self, chat_id: int, article_ids: Sequence[int], *, scheduled: bool) -> None:
        """Record a digest as delivered, with the next due time when it was the daily one,
        in one transaction."""
        self._subscribers.record_sent(chat_id, article_ids, now=self.now(), advance=scheduled)

    def digest_skipped(self, chat_id: int) -> None:
        """A daily digest with nothing new: its due time moves on, nothing is sent."""
        self._subscribers.skip(chat_id, now=self.now())

    def digest_failed(
        self, chat_id: int, error: str, *, blocked: bool = False, retry: bool = True
    ) -> None:
        """A send that failed: recorded; a chat that blocked the bot is unsubscribed; otherwise
        a daily digest is tried again a few minutes later (``retry``)."""
        now = self.now()
        self._subscribers.record_failed(chat_id, now=now, error=error)
        if blocked:
            log.info("chat %s blocked the bot: unsubscribing it (%s)", chat_id, error)
            self._subscribers.deactivate(chat_id, reason=error)
        elif retry:
            self._subscribers.retry_later(chat_id, now=now, minutes=RETRY_FAILED_AFTER_MINUTES)

    def retry_digest_later(self, chat_id: int) -> None:
        """A daily digest that could not be built or sent: due again a few minutes later."""
        self._subscribers.retry_later(chat_id, now=self.now(), minutes=RETRY_FAILED_AFTER_MINUTES)

    def leads(self) -> bool:
        """Whether this process runs the scheduled work (digests, notices, feed polls,
        clean-up) among those sharing the store; it takes the lead when nobody has it (a
        leader that died has let go). Always true on SQLite."""
        return self.store.leadership.check()

    def resign(self) -> None:
        """Stop leading, so that another process takes over at once (at shutdown)."""
        self.store.leadership.resign()

    def heartbeat(self, *, replica: str | None = None) -> None:
        """Note that the scheduler is alive (the leader's, without ``replica``), or that one
        bot process is (``talks-bot health`` reads both)."""
        self.store.set_meta(heartbeat_key(replica), self.now().isoformat())

    # --- retention ---------------------------------------------------------------------------

    def clean_up(self, *, keep: dt.timedelta) -> dict[str, int]:
        """Forget the question log and the record of digest sends older than ``keep`` (at
        least the week /stats reports), and the article change log and the heartbeats of bot
        processes older than a day; rows deleted per kind. Subscriptions, deliveries and
        articles stay."""
        keep = max(keep, WEEK)
        now = self.now()
        # The heartbeats of bot processes gone a day (a container replaced has a new name)
        beats = self.store.meta_with_prefix(heartbeat_key(""))
        gone = [k for k, v in beats.items() if dt.datetime.fromisoformat(v) < now - DAY]
        self.store.delete_meta(gone)
        return {
            "questions": self._journal.prune(now - keep),
            "digest_sends": self._subscribers.prune_sends(now - keep),
            "store_changes": self.store.prune_changes(DAY),
            "heartbeats": len(gone),
        }

    # --- statistics --------------------------------------------------------------------------

    def stats(self) -> Stats:
        now = self.now()
        with self._lock:
            index = self.index
            articles, facts, entities = len(index.articles), len(index.facts), len(index.entities)
        return Stats(
            articles=articles,
            facts=facts,
            entities=entities,
            subscribers=self._subscribers.counts(),
            day=self._journal.window(now - DAY),
            week=self._journal.window(now - WEEK),
            unanswered=self._journal.top_unanswered(now - WEEK),
            sends_day=self._subscribers.send_counts(now - DAY),
            sends_week=self._subscribers.send_counts(now - WEEK),
            feeds=self._feeds.all(),
        )

    def activity(self, *, days: int = 30, zone: str = "UTC") -> Activity:
        """Questions, answered and declined, 👍 and 👎, on each of the last ``days`` calendar
        days in ``zone`` (an IANA name), today included. Raises ``ScheduleError`` for an unknown
        zone."""
        if days < 1:
            raise ValueError("days must be at least 1")
        tz = parse_zone(zone)
        now = self.now()
        today = now.astimezone(tz).date()
        first = today - dt.timedelta(days=days - 1)
        dates = tuple(first + dt.timedelta(days=i) for i in range(days))
        # local midnights, so a day is the admin's day (23 or 25 hours across a DST change)
        since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
        until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        counted = self._journal.by_day(since, until, tz)
        return Activity(
            zone=str(tz), days=dates, counts=tuple(counted.get(d, Window()) for d in dates)
        )


def open_newsroom(
    database_url: str,
    *,
    model: str,
    seed: bool = True,
    clock: Callable[[], dt.datetime] = default_clock,
    web: WebOptions = WebOptions(),
    feed_interval: dt.timedelta = dt.timedelta(minutes=15),
    max_question_chars: int | None = None,
    config: QAConfig = DEFAULT,
    reader: Reader | bool = True,
    progress: Progress = no_progress,
    claim_lease: dt.timedelta = dt.timedelta(minutes=5),
    name: str = "",
) -> Newsroom:
    """The newsroom over a store (any SQLAlchemy URL) with a spaCy pipeline by package name."""
    from knowledge.nlp.pipeline import load_pipeline

    newsroom = Newsroom(
        Store(database_url),
        load_pipeline(model),
        clock=clock,
        seed=seed,
        web=web,
        feed_interval=feed_interval,
        max_question_chars=max_question_chars,
        config=config,
        reader=reader,
        progress=progress,
        claim_lease=claim_lease,
        name=name,
    )
    # The index lives as long as the process: frozen, it is left out of every later full garbage
    # collection (one takes about a second at 10,000 articles, paid by some question otherwise).
    gc.freeze()
    return newsroom
