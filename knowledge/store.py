"""The fact store: SQLAlchemy tables and the one-transaction-per-article load.

Entities are linked across articles here: an entity of a new article joins a stored one of the same
kind when they share a full (multi-word) name, or for places and organisations the same name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from knowledge.errors import DuplicateArticleError, UnknownArticleError
from knowledge.models import (
    Article,
    ArticleDraft,
    Entity,
    ExtractedEntity,
    Extraction,
    Fact,
    Span,
)
from knowledge.text import words


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date] = mapped_column(Date)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)


class FactRow(Base):
    __tablename__ = "facts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    paragraph: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)  # space-separated index terms
    spans: Mapped[list[list[Any]]] = mapped_column(JSON)
    quotes: Mapped[list[list[Any]]] = mapped_column(JSON)


class EntityRow(Base):
    __tablename__ = "entities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))


class AliasRow(Base):
    """A name ("de Mistura") or description ("UN envoy") one article uses for an entity."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("entity_id", "article_id", "norm", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # name | description


class MetaRow(Base):
    """Small facts about the store itself (e.g. whether the bundled article was ever loaded)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))


def content_hash(draft: ArticleDraft) -> str:
    """The identity of an article's text: the same words, whatever the whitespace or case."""
    return hashlib.sha256(" ".join(words(draft.body)).encode()).hexdigest()


def alias_norm(text: str) -> str:
    """The form aliases are looked up by: lowercase words, no leading article."""
    toks = words(text)
    while toks and toks[0] in {"the", "a", "an"}:
        toks = toks[1:]
    return " ".join(toks)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


class Store:
    """Reads and writes articles, facts and entities; one transaction per article."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session

    # --- writing -----------------------------------------------------------------------------

    def ensure_new(self, draft: ArticleDraft, session: Session | None = None) -> None:
        """Refuse a draft whose text is already stored (checked before the costly NLP, and again
        inside the storing transaction)."""
        digest = content_hash(draft)
        with self.sessions() if session is None else nullcontext(session) as s:
            existing = s.scalar(select(ArticleRow.id).where(ArticleRow.content_hash == digest))
        if existing is not None:
            raise DuplicateArticleError(
                f"This article is already stored as #{existing}.", existing_id=existing
            )

    def add_article(
        self,
        draft: ArticleDraft,
        extraction: Extraction,
        *,
        published: dt.date,
        loaded_at: dt.datetime,
    ) -> int:
        """Store an article with its facts, entities and mentions in one transaction."""
        digest = content_hash(draft)
        with self.session() as s:
            self.ensure_new(draft, s)
            row = ArticleRow(
                title=draft.title,
                source=draft.source,
                url=draft.url,
                author=draft.author,
                caption=draft.caption,
                published=published,
                loaded_at=loaded_at,
                content_hash=digest,
                body=draft.body,
                word_count=extraction.word_count,
            )
            s.add(row)
            s.flush()
            added: set[tuple[int, str, str]] = set()
            ids = {e.key: self._link_entity(s, e, row.id, added) for e in extraction.entities}
            for f in extraction.facts:
                fact = FactRow(
                    article_id=row.id,
                    position=f.position,
                    paragraph=f.paragraph,
                    text=f.text,
                    terms=" ".join(f.terms),
                    spans=[[sp.start, sp.end, sp.label, sp.resolved] for sp in f.spans],
                    quotes=[
                        [q.text, ids.get(q.speaker_key) if q.speaker_key is not None else None]
                        for q in f.quotes
                    ],
                )
                s.add(fact)
                s.flush()
                seen = set()
                for m in f.mentions:
                    entity_id = ids[m.entity_key]
                    if (entity_id, m.start) in seen:
                        continue
                    seen.add((entity_id, m.start))
                    s.add(
                        MentionRow(
                            fact_id=fact.id,
                            entity_id=entity_id,
                            start=m.start,
                            end=m.end,
                            kind=m.kind,
                        )
                    )
            return row.id

    def _link_entity(
        self, s: Session, e: ExtractedEntity, article_id: int, added: set[tuple[int, str, str]]
    ) -> int:
        """The stored entity for ``e`` (found or new) with this article's aliases; ``added`` holds
        the aliases written so far, since two entities of one article may link to one entity
        ("Amazonia" / "Amazonía")."""
        names = {alias_norm(a) for a in [e.name, *e.aliases]} - {""}
        strong = {n for n in names if len(n.split()) >= 2 or e.label != "PERSON"}
        entity_id = None
        if strong:
            entity_id = s.scalar(
                select(AliasRow.entity_id)
                .join(EntityRow, EntityRow.id == AliasRow.entity_id)
                .where(
                    AliasRow.norm.in_(strong), AliasRow.kind == "name", EntityRow.label == e.label
                )
                .order_by(AliasRow.entity_id)
                .limit(1)
            )
        if entity_id is None:
            row = EntityRow(name=e.name, label=e.label)
            s.add(row)
            s.flush()
            entity_id = row.id
        else:
            current = s.get(EntityRow, entity_id)
            if current is not None and len(e.name) > len(current.name):
                current.name = e.name  # the fullest name seen becomes the display name
        rows = {(alias_norm(a), "name"): a for a in [e.name, *e.aliases]}
        rows.update({(alias_norm(d), "description"): d for d in e.descriptions})
        for (norm, kind), text in rows.items():
            if norm and (entity_id, norm, kind) not in added:
                added.add((entity_id, norm, kind))
                s.add(
                    AliasRow(
                        entity_id=entity_id, article_id=article_id, text=text, norm=norm, kind=kind
                    )
                )
        return entity_id

    def remove_article(self, article_id: int) -> None:
        with self.session() as s:
            if s.get(ArticleRow, article_id) is None:
                raise UnknownArticleError(f"There is no article #{article_id}.")
            fact_ids = select(FactRow.id).where(FactRow.article_id == article_id)
            s.execute(delete(MentionRow).where(MentionRow.fact_id.in_(fact_ids)))
            s.execute(delete(FactRow).where(FactRow.article_id == article_id))
            s.execute(delete(AliasRow).where(AliasRow.article_id == article_id))
            s.execute(delete(ArticleRow).where(ArticleRow.id == article_id))
            orphans = select(EntityRow.id).where(
                ~EntityRow.id.in_(select(AliasRow.entity_id).distinct())
            )
            s.execute(delete(EntityRow).where(EntityRow.id.in_(orphans)))

    def get_meta(self, key: str) -> str | None:
        with self.sessions() as s:
            row = s.get(MetaRow, key)
            return None if row is None else row.value

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(MetaRow(key=key, value=value))

    # --- reading -----------------------------------------------------------------------------

    def article_count(self) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count(ArticleRow.id))) or 0

    def articles(self) -> list[Article]:
        with self.sessions() as s:
            counts = dict(
                s.execute(
                    select(FactRow.article_id, func.count(FactRow.id)).group_by(FactRow.article_id)
                ).all()
            )
            rows = s.scalars(select(ArticleRow).order_by(ArticleRow.id)).all()
            return [_article(r, counts.get(r.id, 0)) for r in rows]

    def article(self, article_id: int) -> Article:
        with self.sessions() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise UnknownArticleError(f"There is no article #{article_id}.")
            count = s.scalar(
                select(func.count(FactRow.id)).where(FactRow.article_id == article_id)
            )
            return _article(row, count or 0)

    def article_body(self, article_id: int) -> str:
        with self.sessions() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise UnknownArticleError(f"There is no article #{article_id}.")
            return row.body

    def iter_facts(self, *, article_ids: Sequence[int] | None = None) -> Iterator[Fact]:
        """All facts (or those of some articles) with their mentions, in article order."""
        with self.sessions() as s:
            q = select(
                MentionRow.fact_id,
                MentionRow.entity_id,
                MentionRow.start,
                MentionRow.end,
                MentionRow.kind,
            )
            fq = select(FactRow).order_by(FactRow.id)
            if article_ids is not None:
                fq = fq.where(FactRow.article_id.in_(article_ids))
                q = q.join(FactRow, FactRow.id == MentionRow.fact_id).where(
                    FactRow.article_id.in_(article_ids)
                )
            mentions: dict[int, list[tuple[int, int, int, str]]] = {}
            for fid, eid, a, b, kind in s.execute(q):
                mentions.setdefault(fid, []).append((eid, a, b, kind))
            for row in s.execute(fq).scalars().yield_per(2000):
                ms = tuple(sorted(mentions.get(row.id, ()), key=lambda m: m[1]))
                yield Fact(
                    id=row.id,
                    article_id=row.article_id,
                    position=row.position,
                    paragraph=row.paragraph,
                    text=row.text,
                    terms=tuple(row.terms.split()),
                    spans=tuple(
                        Span(
                            int(a),
                            int(b),
                            row.text[int(a) : int(b)],
                            str(lab),
                            None if r is None else str(r),
                        )
                        for a, b, lab, r in row.spans
                    ),
                    entity_ids=tuple(dict.fromkeys(m[0] for m in ms)),
                    mentions=ms,
                    quotes=tuple(
                        (str(t), None if sp is None else int(sp)) for t, sp in row.quotes
                    ),
                )

    def entities(self) -> list[Entity]:
        with self.sessions() as s:
            aliases: dict[int, dict[str, str]] = {}
            descriptions: dict[int, dict[str, str]] = {}
            for eid, text, norm, kind in s.execute(
                select(AliasRow.entity_id, AliasRow.text, AliasRow.norm, AliasRow.kind).order_by(
                    AliasRow.id
                )
            ):
                target = aliases if kind == "name" else descriptions
                target.setdefault(eid, {}).setdefault(norm, text)
            return [
                Entity(
                    id=r.id,
                    name=r.name,
                    label=r.label,
                    aliases=tuple(aliases.get(r.id, {}).values()),
                    descriptions=tuple(descriptions.get(r.id, {}).values()),
                )
                for r in s.scalars(select(EntityRow).order_by(EntityRow.id))
            ]


def _article(r: ArticleRow, fact_count: int) -> Article:
    return Article(
        id=r.id,
        title=r.title,
        source=r.source,
        url=r.url,
        published=r.published,
        loaded_at=r.loaded_at,
        fact_count=fact_count,
        caption=r.caption,
    )
