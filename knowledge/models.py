"""Plain value types shared by every part of the knowledge layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article as read from text or HTML, before NLP: body paragraphs plus metadata."""

    title: str
    paragraphs: tuple[str, ...]
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    caption: str | None = None
    author: str | None = None

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class ExtractedMention:
    """A reference to an entity inside one sentence, before the entity is linked to the store's:
    a name, an alias, a title phrase or a pronoun."""

    entity_key: int
    start: int
    end: int
    text: str
    kind: str = "name"  # name | alias | description | pronoun | speaker


@dataclass(frozen=True, slots=True)
class Span:
    """A typed span of a fact's text (an NER entity or a resolved date)."""

    start: int
    end: int
    text: str
    label: str
    resolved: str | None = None  # ISO date for DATE spans resolved against the article date


@dataclass(frozen=True, slots=True)
class Quote:
    """Quoted words and who said them (``speaker_key`` indexes the article's entities)."""

    text: str
    speaker_key: int | None


@dataclass(frozen=True, slots=True)
class ExtractedFact:
    """One sentence of an article with what NLP found in it."""

    position: int
    paragraph: int
    text: str
    terms: tuple[str, ...]
    spans: tuple[Span, ...] = ()
    mentions: tuple[ExtractedMention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    # its meaning's embedding (qa/embedding.py, packed): derived, so not part of what it is
    vector: bytes | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ExtractedEntity:
    """An entity found in one article, before it is linked to the store's entities."""

    key: int
    name: str
    label: str
    aliases: tuple[str, ...]
    descriptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything NLP produced for one article."""

    facts: tuple[ExtractedFact, ...]
    entities: tuple[ExtractedEntity, ...]
    word_count: int


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article."""

    id: int
    title: str
    source: str | None
    url: str | None
    published: dt.date
    loaded_at: dt.datetime
    fact_count: int = 0
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a stored fact names a store entity: the characters [start, end) of its text."""

    entity_id: int
    start: int
    end: int
    kind: str  # name | alias | description | pronoun | speaker


@dataclass(frozen=True, slots=True)
class Fact:
    """A stored sentence fact; ``entity_ids`` are the store's entity ids mentioned in it."""

    id: int
    article_id: int
    position: int
    paragraph: int
    text: str
    terms: tuple[str, ...]
    spans: tuple[Span, ...]
    entity_ids: tuple[int, ...]
    mentions: tuple[Mention, ...] = ()  # by start
    quotes: tuple[tuple[str, int | None], ...] = ()  # (quoted text, speaker entity id)
    # its meaning's embedding (qa/embedding.py, packed), or none yet: derived, so not part of
    # what it is (equal facts, one embedded and one not, are equal)
    vector: bytes | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, place, organisation... with every name the articles use for it."""

    id: int
    name: str
    label: str
    aliases: tuple[str, ...]
    descriptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoredFact:
    """A fact with the score the ranker gave it for one question."""

    fact: Fact
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's reply to one question."""

    question: str
    answered: bool
    short: str | None
    facts: tuple[ScoredFact, ...]
    confidence: float
    reply: str
    articles: dict[int, Article] = field(default_factory=dict)
    entity: Entity | None = None
    focus_entity_ids: tuple[int, ...] = ()
    suggestions: tuple[str, ...] = ()
    # A decline's own message as a template and what filled it ("called “{name}”", name=…),
    # so that a caller speaking another language can say it; ``reply`` is it filled in English.
    reply_template: str | None = None
    reply_params: Mapping[str, object] = field(default_factory=dict)
    # Answered, but below the confidence model's ``sure`` level: said as a possible answer.
    tentative: bool = False

    @property
    def fact(self) -> Fact | None:
        return self.facts[0].fact if self.facts else None


@dataclass(frozen=True, slots=True)
class Turn:
    """The previous exchange of a conversation, used to resolve follow-up questions."""

    question: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str | None
    failures: int
    last_error: str | None
    polled_at: dt.datetime | None
    next_poll: dt.datetime


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One article in a digest: its summary sentences and the key facts beyond them."""

    article: Article
    summary: tuple[Fact, ...]
    key_facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """What is new for one chat; empty means there is nothing to send."""

    items: tuple[DigestItem, ...]

    @property
    def article_ids(self) -> tuple[int, ...]:
        return tuple(item.article.id for item in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
