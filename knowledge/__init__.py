"""talks-bot's domain, through one door: ``Newsroom`` (articles in, answers, digests and
subscriptions out), ``open_newsroom``, the models and the errors.

``bot/`` and ``handlers/`` import only this package (``lint-imports`` enforces it). Inside, the
stages are subpackages: ``ingest`` (reading, fetching, feeds, near-duplicates) → ``nlp`` (spaCy,
extraction) → ``storage`` (the only SQL) → ``qa`` (index, questions, ranking, short answers) and
``digests`` (summaries); ``models``, ``errors``, ``text`` and ``schedule`` are the small core.

Each name is imported when it is first asked for (PEP 562): ``talks-bot --help`` or
``talks-bot articles`` must not pay two seconds for spaCy, the engine and Alembic, which only the
commands that read articles in or answer need. A new name goes in ``_EXPORTS`` and in the
``TYPE_CHECKING`` imports (``tests/test_startup.py`` checks that they agree).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        StoreBusyError,
        TooLargeError,
        TooManyRedirectsError,
        UnknownArticleError,
        UnreachableError,
        UnsafeURLError,
    )
    from knowledge.ingest.feeds import FeedError, PollResult
    from knowledge.ingest.reading import DOCUMENT_FORMATS, decode, read_article, read_document
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
    from knowledge.newsroom.bulk import Bulk, load_items
    from knowledge.newsroom.catalogue import (
        Catalogue,
        last_heartbeat,
        migrate_store,
        open_catalogue,
        remove_feed_from_store,
        remove_from_store,
    )
    from knowledge.newsroom.facade import Newsroom, open_newsroom
    from knowledge.newsroom.following import Following, FollowNotice
    from knowledge.newsroom.values import (
        Activity,
        Asked,
        Progress,
        Stats,
        WebOptions,
        default_clock,
        fact_ref,
        no_progress,
    )
    from knowledge.nlp.pipeline import DEFAULT_MODEL
    from knowledge.places import Place, zone_at, zone_label
    from knowledge.qa.evaluation import Item, Outcome, Report, evaluate, read_items, table
    from knowledge.qa.names import Resolved
    from knowledge.qa.reply import (
        DECLINE,
        UNSURE,
        article_line,
        format_date,
        format_resolved,
        repeats_title,
        resolved_note,
    )
    from knowledge.qa.timeline import Timeline, TimelineEntry
    from knowledge.schedule import (
        Mode,
        ScheduleError,
        UnknownPlaceError,
        Wish,
        local_day,
        parse_pause,
        parse_subscription,
        parse_time,
    )
    from knowledge.storage.follows import Follow
    from knowledge.storage.journal import Window
    from knowledge.storage.subscribers import Subscriber

_EXPORTS: dict[str, tuple[str, ...]] = {
    "knowledge.conversation": ("ChatReply", "Intent"),
    "knowledge.errors": (
        "ArticleError",
        "BlockedAddressError",
        "DuplicateArticleError",
        "EmptyArticleError",
        "FetchError",
        "FetchTimeoutError",
        "HTTPStatusError",
        "KnowledgeError",
        "NotAnArticleError",
        "NotAWebPageError",
        "QuestionError",
        "StoreBusyError",
        "TooLargeError",
        "TooManyRedirectsError",
        "UnknownArticleError",
        "UnreachableError",
        "UnsafeURLError",
    ),
    "knowledge.ingest.feeds": ("FeedError", "PollResult"),
    "knowledge.ingest.reading": ("DOCUMENT_FORMATS", "decode", "read_article", "read_document"),
    "knowledge.models": (
        "Answer",
        "Article",
        "ArticleDraft",
        "Digest",
        "DigestItem",
        "Entity",
        "Fact",
        "Feed",
        "ScoredFact",
        "Span",
        "Turn",
    ),
    "knowledge.newsroom.catalogue": (
        "Catalogue",
        "last_heartbeat",
        "migrate_store",
        "open_catalogue",
        "remove_feed_from_store",
        "remove_from_store",
    ),
    "knowledge.newsroom.facade": ("Newsroom", "open_newsroom"),
    "knowledge.newsroom.following": ("FollowNotice", "Following"),
    "knowledge.newsroom.bulk": ("Bulk", "load_items"),
    "knowledge.newsroom.values": (
        "Activity",
        "Asked",
        "Progress",
        "Stats",
        "WebOptions",
        "default_clock",
        "fact_ref",
        "no_progress",
    ),
    "knowledge.nlp.pipeline": ("DEFAULT_MODEL",),
    "knowledge.places": ("Place", "zone_at", "zone_label"),
    "knowledge.qa.evaluation": ("Item", "Outcome", "Report", "evaluate", "read_items", "table"),
    "knowledge.qa.names": ("Resolved",),
    "knowledge.qa.reply": (
        "DECLINE",
        "UNSURE",
        "article_line",
        "format_date",
        "format_resolved",
        "repeats_title",
        "resolved_note",
    ),
    "knowledge.qa.timeline": ("Timeline", "TimelineEntry"),
    "knowledge.schedule": (
        "Mode",
        "ScheduleError",
        "UnknownPlaceError",
        "Wish",
        "local_day",
        "parse_pause",
        "parse_subscription",
        "parse_time",
    ),
    "knowledge.storage.journal": ("Window",),
    "knowledge.storage.follows": ("Follow",),
    "knowledge.storage.subscribers": ("Subscriber",),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "DECLINE",
    "DEFAULT_MODEL",
    "DOCUMENT_FORMATS",
    "UNSURE",
    "Activity",
    "Answer",
    "Article",
    "ArticleDraft",
    "ArticleError",
    "Asked",
    "BlockedAddressError",
    "Bulk",
    "Catalogue",
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
    "Follow",
    "FollowNotice",
    "Following",
    "HTTPStatusError",
    "Intent",
    "Item",
    "KnowledgeError",
    "Mode",
    "Newsroom",
    "NotAWebPageError",
    "NotAnArticleError",
    "Outcome",
    "Place",
    "PollResult",
    "Progress",
    "QuestionError",
    "Report",
    "Resolved",
    "ScheduleError",
    "ScoredFact",
    "Span",
    "Stats",
    "StoreBusyError",
    "Subscriber",
    "Timeline",
    "TimelineEntry",
    "TooLargeError",
    "TooManyRedirectsError",
    "Turn",
    "UnknownArticleError",
    "UnknownPlaceError",
    "UnreachableError",
    "UnsafeURLError",
    "WebOptions",
    "Window",
    "Wish",
    "article_line",
    "decode",
    "default_clock",
    "evaluate",
    "fact_ref",
    "format_date",
    "format_resolved",
    "last_heartbeat",
    "load_items",
    "local_day",
    "migrate_store",
    "no_progress",
    "open_catalogue",
    "open_newsroom",
    "parse_pause",
    "parse_subscription",
    "parse_time",
    "read_article",
    "read_document",
    "read_items",
    "remove_feed_from_store",
    "remove_from_store",
    "repeats_title",
    "resolved_note",
    "table",
    "zone_at",
    "zone_label",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` and keep the name here (later uses are plain
    attribute reads)."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
