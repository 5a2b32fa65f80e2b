"""The fact store: sessions and the one-transaction-per-article load (tables are in ``schema``).

Entities are linked across articles here: an entity of a new article joins a stored one of the same
kind when they share a full (multi-word) name, or for places and organisations the same name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.errors import DuplicateArticleError, UnknownArticleError
from knowledge.models import (
    Article,
    ArticleDraft,
    Entity,
    ExtractedEntity,
    Extraction,
    Fact,
    Mention,
    Span,
)
from knowledge.storage.engine import make_engine
from knowledge.storage.listen import ChangeListener
from knowledge.storage.locks import MIGRATION_LOCK, Leadership, exclusive
from knowledge.storage.migrate import upgrade_engine
from knowledge.storage.peek import articles_in
from knowledge.storage.schema import (
    AliasRow,
    ArticleRow,
    Base,
    ChangeRow,
    EntityRow,
    FactRow,
    MentionRow,
    MetaRow,
)
from knowledge.text import alias_norm, words


@functools.lru_cache(maxsize=64)  # a load asks twice (before the NLP and when storing)
def content_hash(draft: ArticleDraft) -> str:
    """The identity of an article's text: the same words, whatever the whitespace or case."""
    return hashlib.sha256(" ".join(words(draft.body)).encode()).hexdigest()


class Store:
    """Reads and writes articles, facts and entities; one transaction per article."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        upgrade_engine(self.engine)  # an empty database gets the schema, an older one is upgraded
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.leadership = Leadership(self.engine)
        self._listener: ChangeListener | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Let go of the lead, if this process had it, and close every connection."""
        self.leadership.resign()
        if self._listener is not None:
            self._listener.close()
        self.engine.dispose()

    def listener(self) -> ChangeListener:
        """The one listener for other processes' article changes (used by one thread)."""
        if self._listener is None:
            self._listener = ChangeListener(self.engine, CHANGES_CHANNEL)
        return self._listener

    @contextmanager
    def exclusive(self, what: str, *, wait: float = 3600.0) -> Iterator[None]:
        """One process at a time in the block, among those sharing a PostgreSQL store (for the
        chores of opening one: re-extraction, the seed); the others wait, up to ``wait`` s."""
        with exclusive(self.engine, MIGRATION_LOCK, what=what, wait=wait):
            yield

    # --- writing -----------------------------------------------------------------------------

    def ensure_new(self, draft: ArticleDraft, session: Session | None = None) -> None:
        """Refuse a draft whose text is already stored (checked before the costly NLP, and again
        inside the storing transaction)."""
        digest = content_hash(draft)
        with self.sessions() if session is None else nullcontext(session) as s:
            existing = s.scalar(select(ArticleRow.id).where(ArticleRow.content_hash == digest))
        if existing is not None:
            raise DuplicateArticleError(
                "This article is already stored as #{id}.", existing_id=existing, id=existing
            )

    def add_article(
        self,
        draft: ArticleDraft,
        extraction: Extraction,
        *,
        published: dt.date,
        loaded_at: dt.datetime,
    ) -> StoredArticle:
        """Store an article with its facts, entities and mentions in one transaction.

        Rows go in with bulk INSERTs (one statement per table, not one ORM object per row), and
        the facts come back built from the rows written, as ``iter_facts`` would read them."""
        digest = content_hash(draft)
        try:
            return self._add_article(draft, extraction, digest, published, loaded_at)
        except IntegrityError:
            # Another process stored the same text after our check and before our commit: the
            # unique hash refused ours. Said as it would have been had it come a moment later.
            self.ensure_new(draft)
            raise

    def _add_article(
        self,
        draft: ArticleDraft,
        extraction: Extraction,
        digest: str,
        published: dt.date,
        loaded_at: dt.datetime,
    ) -> StoredArticle:
        with self.session() as s:
            self.ensure_new(draft, s)
            article_id = s.scalar(
                insert(ArticleRow).returning(ArticleRow.id),
                {
                    "title": draft.title,
                    "source": draft.source,
                    "url": draft.url,
                    "author": draft.author,
                    "caption": draft.caption,
                    "published": published,
                    "loaded_at": loaded_at,
                    "content_hash": digest,
                    "body": draft.body,
                    "word_count": extraction.word_count,
                },
            )
            assert article_id is not None
            stored = self._write_content(s, article_id, extraction)
            return _versioned(stored, _log_change(s, article_id, "loaded"))

    def _write_content(
        self, s: Session, article_id: int, extraction: Extraction, *, also: Iterable[int] = ()
    ) -> StoredArticle:
        """Write an article's facts, entities and mentions (its row is written already);
        ``also`` are more entity ids to report as touched (those a replaced version named)."""
        ids = _EntityLinker(s, article_id).link(extraction.entities)
        fact_rows = [
            {
                "article_id": article_id,
                "position": f.position,
                "paragraph": f.paragraph,
                "text": f.text,
                "terms": " ".join(f.terms),
                "spans": [[sp.start, sp.end, sp.label, sp.resolved] for sp in f.spans],
                "quotes": [
                    [q.text, ids.get(q.speaker_key) if q.speaker_key is not None else None]
                    for q in f.quotes
                ],
                "vector": f.vector,
            }
            for f in extraction.facts
        ]
        fact_ids = _insert_returning_ids(s, FactRow, fact_rows)
        mention_rows: list[dict[str, Any]] = []
        fact_mentions: list[list[Mention]] = []
        for fact_id, f in zip(fact_ids, extraction.facts, strict=True):
            seen = set()
            ms = []
            for m in f.mentions:
                entity_id = ids[m.entity_key]
                if (entity_id, m.start) in seen:
                    continue
                seen.add((entity_id, m.start))
                ms.append(Mention(entity_id, m.start, m.end, m.kind))
                mention_rows.append(
                    {
                        "fact_id": fact_id,
                        "entity_id": entity_id,
                        "start": m.start,
                        "end": m.end,
                        "kind": m.kind,
                    }
                )
            fact_mentions.append(ms)
        if mention_rows:
            s.execute(insert(_table(MentionRow)), mention_rows)
        row = s.get(ArticleRow, article_id)  # read back: the dialect decides what dates become
        assert row is not None
        facts = tuple(
            _fact((fid, *(r[c] for c in _FACT_COLUMNS[1:])), ms)
            for fid, r, ms in zip(fact_ids, fact_rows, fact_mentions, strict=True)
        )
        touched = frozenset(ids.values()) | frozenset(also)
        entities = tuple(e for c in _chunks(sorted(touched)) for e in self._entities(s, c))
        return StoredArticle(row.to_article(len(facts)), facts, touched, entities)

    def remove_article(self, article_id: int) -> Removed:
        """Delete an article with its facts, mentions and aliases, and the entities no other
        article names; what it named (changed or gone) and the store's version after."""
        with self.session() as s:
            if s.get(ArticleRow, article_id) is None:
                raise UnknownArticleError("There is no article #{id}.", id=article_id)
            touched = self._delete_content(s, article_id)
            s.execute(delete(ArticleRow).where(ArticleRow.id == article_id))
            self._delete_orphans(s, touched)
            return Removed(frozenset(touched), _log_change(s, article_id, "removed"))

    def replace_article(
        self,
        article_id: int,
        draft: ArticleDraft,
        extraction: Extraction,
        *,
        published: dt.date,
    ) -> StoredArticle:
        """A new version of a stored article (the same URL, a changed text), in one transaction:
        its facts, entities and aliases rebuilt under the same id, so what refers to the
        article (deliveries, feed entries) stays; ``loaded_at`` stays too."""
        with self.session() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise UnknownArticleError("There is no article #{id}.", id=article_id)
            digest = content_hash(draft)
            same = s.scalar(select(ArticleRow.id).where(ArticleRow.content_hash == digest))
            if same is not None:
                raise DuplicateArticleError(
                    "This article is already stored as #{id}.", existing_id=same, id=same
                )
            row.title, row.source, row.url = draft.title, draft.source, draft.url
            row.author, row.caption, row.published = draft.author, draft.caption, published
            row.content_hash, row.body = digest, draft.body
            return _versioned(
                self._rewrite(s, row, extraction), _log_change(s, row.id, "replaced")
            )

    def refresh_article(self, article_id: int, extraction: Extraction) -> StoredArticle:
        """An article's facts, entities and aliases rebuilt from a new extraction of its stored
        text (a newer extractor), in one transaction, under the same id."""
        with self.session() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise UnknownArticleError("There is no article #{id}.", id=article_id)
            stored = self._rewrite(s, row, extraction)
            return _versioned(stored, _log_change(s, row.id, "refreshed"))

    def _rewrite(self, s: Session, row: ArticleRow, extraction: Extraction) -> StoredArticle:
        before = self._delete_content(s, row.id)
        row.word_count = extraction.word_count
        s.flush()
        stored = self._write_content(s, row.id, extraction, also=before)
        gone = self._delete_orphans(s, before)  # still named by the new text: kept
        if gone:  # report the entities as they are now: the deleted ones are simply absent
            live = stored.entity_ids - gone
            entities = tuple(e for e in stored.entities if e.id in live)
            stored = StoredArticle(stored.article, stored.facts, stored.entity_ids, entities)
        return stored

    def drafts(self) -> list[tuple[int, ArticleDraft, dt.date]]:
        """Every stored article as (id, the draft it was read as, its date), by id."""
        with self.sessions() as s:
            rows = s.scalars(select(ArticleRow).order_by(ArticleRow.id)).all()
            return [
                (
                    r.id,
                    ArticleDraft(
                        title=r.title,
                        paragraphs=tuple(r.body.split("\n\n")),
                        source=r.source,
                        url=r.url,
                        published=r.published,
                        caption=r.caption,
                        author=r.author,
                    ),
                    r.published,
                )
                for r in rows
            ]

    @staticmethod
    def _delete_content(s: Session, article_id: int) -> set[int]:
        """Delete an article's mentions, facts and aliases; the entities they named."""
        fact_ids = select(FactRow.id).where(FactRow.article_id == article_id)
        touched = set(
            s.scalars(select(AliasRow.entity_id).where(AliasRow.article_id == article_id))
        )
        touched.update(
            s.scalars(select(MentionRow.entity_id).where(MentionRow.fact_id.in_(fact_ids)))
        )
        s.execute(delete(MentionRow).where(MentionRow.fact_id.in_(fact_ids)))
        s.execute(delete(FactRow).where(FactRow.article_id == article_id))
        s.execute(delete(AliasRow).where(AliasRow.article_id == article_id))
        return touched

    @staticmethod
    def _delete_orphans(s: Session, candidates: Iterable[int]) -> set[int]:
        """Delete those of the entities that no article names any more; their ids."""
        gone: set[int] = set()
        for chunk in _chunks(sorted(candidates)):
            named = select(AliasRow.entity_id).where(AliasRow.entity_id.in_(chunk))
            orphans = set(
                s.scalars(
                    select(EntityRow.id).where(EntityRow.id.in_(chunk), ~EntityRow.id.in_(named))
                )
            )
            if orphans:
                s.execute(delete(EntityRow).where(EntityRow.id.in_(orphans)))
                gone |= orphans
        return gone

    def get_meta(self, key: str) -> str | None:
        with self.sessions() as s:
            row = s.get(MetaRow, key)
            return None if row is None else row.value

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(MetaRow(key=key, value=value))

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        with self.sessions() as s:
            rows = s.execute(
                select(MetaRow.key, MetaRow.value).where(MetaRow.key.startswith(prefix))
            )
            return {k: v for k, v in rows}

    def delete_meta(self, keys: Iterable[str]) -> None:
        with self.session() as s:
            s.execute(delete(MetaRow).where(MetaRow.key.in_(list(keys))))

    # --- reading -----------------------------------------------------------------------------

    def version(self) -> int:
        """The store's version: the id of the last article change (0 before any)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(_table(ChangeRow).c.id))).scalar() or 0

    def changes_since(self, version: int) -> list[tuple[int, int]]:
        """(version, article id) of every article change after ``version``, in order: what an
        index built at ``version`` must read again (one indexed query; none, usually)."""
        changes = _table(ChangeRow)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(changes.c.id, changes.c.article_id)
                .where(changes.c.id > version)
                .order_by(changes.c.id)
            )
            return [(v, a) for v, a in rows]

    def prune_changes(self, older_than: dt.timedelta) -> int:
        """Forget the article changes logged longer ago than ``older_than`` (by the clock
        that logged them): every running index caught up with them long ago, and ids are
        never handed out again, so the version never goes back."""
        before = dt.datetime.now(dt.UTC) - older_than
        with self.session() as s:
            result = s.execute(delete(ChangeRow).where(ChangeRow.at < before))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def articles_by_id(self, article_ids: Sequence[int]) -> list[Article]:
        """Those of the articles that are stored, as ``articles`` lists them, by id."""
        return [a for chunk in _chunks(sorted(set(article_ids))) for a in self._articles(chunk)]

    def _articles(self, ids: Sequence[int]) -> list[Article]:
        counts = (
            select(FactRow.article_id, func.count(FactRow.id))
            .where(FactRow.article_id.in_(ids))
            .group_by(FactRow.article_id)
        )
        with self.sessions() as s:
            facts: dict[int, int] = {a: n for a, n in s.execute(counts)}
            rows = s.scalars(
                select(ArticleRow).where(ArticleRow.id.in_(ids)).order_by(ArticleRow.id)
            )
            return [r.to_article(facts.get(r.id, 0)) for r in rows]

    def article_count(self) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count(ArticleRow.id))) or 0

    def articles(self) -> list[Article]:
        with self.sessions() as s:
            return articles_in(s)

    def article(self, article_id: int) -> Article:
        with self.sessions() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise UnknownArticleError("There is no article #{id}.", id=article_id)
            count = s.scalar(
                select(func.count(FactRow.id)).where(FactRow.article_id == article_id)
            )
            return row.to_article(count or 0)

    def article_by_url(self, url: str) -> int | None:
        """The id of the article loaded from ``url`` (the latest, should there be several)."""
        with self.sessions() as s:
            return s.scalar(
                select(ArticleRow.id).where(ArticleRow.url == url).order_by(ArticleRow.id.desc())
            )

    def article_body(self, article_id: int) -> str:
        with self.sessions() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise UnknownArticleError("There is no article #{id}.", id=article_id)
            return row.body

    def unembedded(self, limit: int, *, after: int = 0) -> list[tuple[int, str]]:
        """Up to ``limit`` facts whose embedding is not made yet, as (id, text), by id, from
        the first id past ``after`` (paging from the last one seen: no index on the vectors,
        so each page would otherwise scan the facts embedded before it)."""
        with self.engine.connect() as conn:
            q = (
                select(FactRow.id, FactRow.text)
                .where(FactRow.vector.is_(None), FactRow.id > after)
                .order_by(FactRow.id)
                .limit(limit)
            )
            return [(fid, text) for fid, text in conn.execute(q)]

    def count_unembedded(self) -> int:
        """How many facts have no embedding yet."""
        with self.engine.connect() as conn:
            q = select(func.count()).select_from(FactRow).where(FactRow.vector.is_(None))
            return int(conn.execute(q).scalar_one())

    def set_vectors(self, vectors: Mapping[int, bytes]) -> None:
        """Store facts' embeddings (a fact removed meanwhile is simply not there to update)."""
        if not vectors:
            return
        with self.session() as s:
            s.execute(
                update(_table(FactRow))
                .where(_table(FactRow).c.id == bindparam("fid"))
                .values(vector=bindparam("v")),
                [{"fid": fid, "v": v} for fid, v in vectors.items()],
            )

    def clear_vectors(self) -> None:
        """Forget every fact's embedding (they were made by another encoder)."""
        with self.session() as s:
            s.execute(update(FactRow).values(vector=None))

    def iter_facts(self, *, article_ids: Sequence[int] | None = None) -> Iterator[Fact]:
        """All facts (or those of some articles) with their mentions, in article order."""
        facts, mention = _table(FactRow), _table(MentionRow)
        # Core rows, not ORM ones: three times faster to read at the start, for the same values.
        with self.engine.connect() as conn:
            q = select(*(mention.c[c] for c in ("fact_id", "entity_id", "start", "end", "kind")))
            fq = select(*(facts.c[c] for c in _FACT_COLUMNS)).order_by(facts.c.id)
            if article_ids is not None:
                fq = fq.where(facts.c.article_id.in_(article_ids))
                q = q.join(facts, facts.c.id == mention.c.fact_id).where(
                    facts.c.article_id.in_(article_ids)
                )
            mentions: dict[int, list[Mention]] = {}
            for fid, eid, a, b, kind in conn.execute(q):
                mentions.setdefault(fid, []).append(Mention(eid, a, b, sys.intern(kind)))
            for row in conn.execution_options(yield_per=2000).execute(fq):
                yield _fact(row, mentions.get(row[0], ()))

    def entities(self, ids: Iterable[int] | None = None) -> list[Entity]:
        """All entities, or those of ``ids`` that exist, by id."""
        with self.sessions() as s:
            if ids is None:
                return self._entities(s, None)
            wanted = sorted(set(ids))
            return [e for chunk in _chunks(wanted) for e in self._entities(s, chunk)]

    def _entities(self, s: Session, ids: Sequence[int] | None) -> list[Entity]:
        aliases: dict[int, dict[str, str]] = {}
        descriptions: dict[int, dict[str, str]] = {}
        aq = select(AliasRow.entity_id, AliasRow.text, AliasRow.norm, AliasRow.kind)
        eq = select(EntityRow.id, EntityRow.name, EntityRow.label)
        if ids is not None:
            aq = aq.where(AliasRow.entity_id.in_(ids))
            eq = eq.where(EntityRow.id.in_(ids))
        for eid, text, norm, kind in s.execute(aq.order_by(AliasRow.id)):
            target = aliases if kind == "name" else descriptions
            target.setdefault(eid, {}).setdefault(norm, text)
        return [
            Entity(
                id=eid,
                name=name,
                label=label,
                aliases=tuple(aliases.get(eid, {}).values()),
                descriptions=tuple(descriptions.get(eid, {}).values()),
            )
            for eid, name, label in s.execute(eq.order_by(EntityRow.id))
        ]


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """What one load wrote: the article, its facts (as ``iter_facts`` reads them back) and the
    entities it created or gave aliases to."""

    article: Article
    facts: tuple[Fact, ...]
    entity_ids: frozenset[int]
    entities: tuple[Entity, ...]  # those entities as they are now, as ``entities`` reads them
    version: int = 0  # the store's version once this was written (0: not yet logged)


@dataclass(frozen=True, slots=True)
class Removed:
    """What a removal touched: the entities the article named, the store's version after."""

    entity_ids: frozenset[int]
    version: int


CHANGES_CHANNEL = "talks_changes"  # PostgreSQL's NOTIFY channel: a change was committed


def _log_change(s: Session, article_id: int, kind: str) -> int:
    """Log an article change in the writing transaction; the store's new version. On
    PostgreSQL every listener hears of it when the transaction commits (NOTIFY waits for it)."""
    version = s.scalar(
        insert(ChangeRow).returning(ChangeRow.id),
        {"article_id": article_id, "kind": kind, "at": dt.datetime.now(dt.UTC)},
    )
    assert version is not None
    if s.get_bind().dialect.name == "postgresql":
        s.execute(
            sql("SELECT pg_notify(:channel, :v)"), {"channel": CHANGES_CHANNEL, "v": str(version)}
        )
    return version


def _versioned(stored: StoredArticle, version: int) -> StoredArticle:
    return dataclasses.replace(stored, version=version)


# An entity during linking: (0, id) for a stored one, (1, n) for the n-th created by this article.
# New rows get larger ids than stored ones, so ``min`` picks the entity the lowest id would.
_Target = tuple[int, int]


class _EntityLinker:
    """Links one article's entities to the stored ones: one query for every strong name of the
    article instead of one per entity, then bulk writes. The result is what linking the entities
    one by one (each seeing the aliases the previous ones added) would give."""

    def __init__(self, session: Session, article_id: int) -> None:
        self.s = session
        self.article_id = article_id

    def link(self, entities: Sequence[ExtractedEntity]) -> dict[int, int]:
        """Entity key of the article → stored entity id."""
        norms = [{alias_norm(a) for a in [e.name, *e.aliases]} - {""} for e in entities]
        strong = [
            {n for n in names if len(n.split()) >= 2 or e.label != "PERSON"}
            for e, names in zip(entities, norms, strict=True)
        ]
        known: dict[tuple[str, str], _Target] = {}  # (norm, label) → lowest entity with the name
        names: dict[_Target, str] = {}
        wanted = sorted(set().union(*strong)) if strong else []
        for chunk in _chunks(wanted):
            for norm, eid, label, name in self.s.execute(
                select(AliasRow.norm, AliasRow.entity_id, EntityRow.label, EntityRow.name)
                .join(EntityRow, EntityRow.id == AliasRow.entity_id)
                .where(AliasRow.norm.in_(chunk), AliasRow.kind == "name")
            ):
                target = (0, eid)
                known[(norm, label)] = min(known.get((norm, label), target), target)
                names[target] = name
        renamed: set[_Target] = set()
        created: list[ExtractedEntity] = []
        aliases: list[tuple[_Target, str, str, str]] = []  # (entity, text, norm, kind)
        added: set[tuple[_Target, str, str]] = set()
        targets: dict[int, _Target] = {}
        for e, names_e in zip(entities, strong, strict=True):
            found = [known[(n, e.label)] for n in names_e if (n, e.label) in known]
            if found:
                target = min(found)
                if len(e.name) > len(names[target]):
                    names[target] = e.name  # the fullest name seen becomes the display name
                    renamed.add(target)
            else:
                target = (1, len(created))
                created.append(e)
                names[target] = e.name
            targets[e.key] = target
            rows = {(alias_norm(a), "name"): a for a in [e.name, *e.aliases]}
            rows.update({(alias_norm(d), "description"): d for d in e.descriptions})
            for (norm, kind), text in rows.items():
                if norm and (target, norm, kind) not in added:
                    added.add((target, norm, kind))
                    aliases.append((target, text, norm, kind))
                    if kind == "name":
                        known[(norm, e.label)] = min(known.get((norm, e.label), target), target)
        new_ids = _insert_returning_ids(
            self.s,
            EntityRow,
            [{"name": names[(1, i)], "label": e.label} for i, e in enumerate(created)],
        )

        def real(target: _Target) -> int:
            return new_ids[target[1]] if target[0] else target[1]

        if aliases:
            self.s.execute(
                insert(_table(AliasRow)),
                [
                    {
                        "entity_id": real(t),
                        "article_id": self.article_id,
                        "text": text,
                        "norm": norm,
                        "kind": kind,
                    }
                    for t, text, norm, kind in aliases
                ],
            )
        stored_renames = [{"id": t[1], "name": names[t]} for t in sorted(renamed) if t[0] == 0]
        if stored_renames:
            self.s.execute(update(EntityRow), stored_renames)
        return {key: real(t) for key, t in targets.items()}


def _table(row: type[Base]) -> Table:
    """The Core table of a row class: bulk INSERTs through it skip the ORM's per-row work."""
    return Base.metadata.tables[row.__tablename__]


def _chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices of at most ``size``: IN lists stay under every database's parameter limit."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _insert_returning_ids(s: Session, table: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk INSERT of ``rows``; the new primary keys in the order of ``rows``."""
    if not rows:
        return []
    result = s.execute(
        insert(_table(table)).returning(_table(table).c.id, sort_by_parameter_order=True),
        rows,
    )
    return list(result.scalars())


_FACT_COLUMNS = (
    "id",
    "article_id",
    "position",
    "paragraph",
    "text",
    "terms",
    "spans",
    "quotes",
    "vector",
)


def _fact(row: Sequence[Any], mentions: Sequence[Mention]) -> Fact:
    """A fact from its stored values, ``row`` holding the ``_FACT_COLUMNS``: the one conversion
    for loads and for the rebuild.

    Terms and labels are interned: a store repeats a few hundred thousand words millions of
    times, and the index holds every fact (about a fifth of its memory at 10,000 articles)."""
    fact_id, article_id, position, paragraph, text, terms, spans, quotes, vector = row
    ms = tuple(sorted(mentions, key=lambda m: m.start))
    return Fact(
        id=fact_id,
        article_id=article_id,
        position=position,
        paragraph=paragraph,
        text=text,
        terms=tuple(map(sys.intern, terms.split())),
        spans=tuple(
            Span(
                int(a),
                int(b),
                text[int(a) : int(b)],
                sys.intern(str(lab)),
                None if r is None else sys.intern(str(r)),
            )
            for a, b, lab, r in spans
        ),
        entity_ids=tuple(dict.fromkeys(m.entity_id for m in ms)),
        mentions=ms,
        quotes=tuple((str(t), None if sp is None else int(sp)) for t, sp in quotes),
        vector=None if vector is None else bytes(vector),  # psycopg reads a memoryview
    )
