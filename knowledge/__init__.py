"""talks-bot's domain, through one door: ``Newsroom`` (articles in, answers, digests and
subscriptions out), ``open_newsroom``, the models and the errors.

``bot/`` and ``handlers/`` import only this package (``lint-imports`` enforces it). Inside, the
stages are subpackages: ``ingest`` (reading, fetching, feeds, near-duplicates) → ``nlp`` (spaCy,
extraction) → ``storage`` (the only SQL) → ``qa`` (index, questions, ranking, short answers) and
``digests`` (summaries); ``models``, ``errors``, ``text`` and ``schedule`` are the small core.
"""

from knowledge.conversation import ChatReply, Intent
from knowledge.errors import (
    ArticleError,
    BlockedAddressError,
    DuplicateArticleError,
    EmptyArticleError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    KnowledgeError,
    NotAnArticleError,
    NotAWebPageError,
    QuestionError,
    TooLargeError,
    TooManyRedirectsError,
    UnknownArticleError,
    UnreachableError,
    UnsafeURLError,
)
from knowledge.ingest.feeds import FeedError, PollResult
from knowledge.ingest.reading import DOCUMENT_FORMATS, decode
from knowledge.models import (
    Answer,
    Article,
    ArticleDraft,
    Digest,
    DigestItem,
    Entity,
    Fact,
    Feed,
    ScoredFact,
    Span,
    Turn,
)
from knowledge.newsroom import (
    Asked,
    Newsroom,
    Stats,
    WebOptions,
    default_clock,
    fact_ref,
    last_heartbeat,
    open_newsroom,
)
from knowledge.nlp.pipeline import DEFAULT_MODEL
from knowledge.qa.evaluation import Item, Outcome, Report, evaluate, read_items, table
from knowledge.qa.reply import DECLINE, article_line, format_date, resolved_note
from knowledge.schedule import Mode, ScheduleError, parse_subscription, parse_time
from knowledge.storage.journal import Window
from knowledge.storage.subscribers import Subscriber

__all__ = [
    "DECLINE",
    "DEFAULT_MODEL",
    "DOCUMENT_FORMATS",
    "Answer",
    "Article",
    "ArticleDraft",
    "ArticleError",
    "Asked",
    "BlockedAddressError",
    "ChatReply",
    "Digest",
    "DigestItem",
    "DuplicateArticleError",
    "EmptyArticleError",
    "Entity",
    "Fact",
    "Feed",
    "FeedError",
    "FetchError",
    "FetchTimeoutError",
    "HTTPStatusError",
    "Intent",
    "Item",
    "KnowledgeError",
    "Mode",
    "Newsroom",
    "NotAWebPageError",
    "NotAnArticleError",
    "Outcome",
    "PollResult",
    "QuestionError",
    "Report",
    "ScheduleError",
    "ScoredFact",
    "Span",
    "Stats",
    "Subscriber",
    "TooLargeError",
    "TooManyRedirectsError",
    "Turn",
    "UnknownArticleError",
    "UnreachableError",
    "UnsafeURLError",
    "WebOptions",
    "Window",
    "article_line",
    "decode",
    "default_clock",
    "evaluate",
    "fact_ref",
    "format_date",
    "last_heartbeat",
    "open_newsroom",
    "parse_subscription",
    "parse_time",
    "read_items",
    "resolved_note",
    "table",
]
