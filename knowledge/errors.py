"""Errors raised by the knowledge layer.

Every error the bot or the CLI can show a person derives from ``KnowledgeError`` and carries a
message written for that person::

    KnowledgeError
    ├── ArticleError            an article could not be read or stored
    │   ├── EmptyArticleError       nothing but whitespace
    │   ├── NotAnArticleError       binary, not English, too short, or no prose
    │   └── DuplicateArticleError   the same text is already stored (``.existing_id``)
    ├── UnknownArticleError     no article with that id
    └── QuestionError           a question that cannot be asked (empty, too long, binary)
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of all errors whose message can be shown to a person."""


class ArticleError(KnowledgeError):
    """An article could not be read or stored; nothing was stored."""


class EmptyArticleError(ArticleError):
    """The article holds no text."""


class NotAnArticleError(ArticleError):
    """The text is not a readable English news article."""


class DuplicateArticleError(ArticleError):
    """The same article is already in the store."""

    def __init__(self, message: str, *, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class UnknownArticleError(KnowledgeError):
    """No article has the given id."""


class QuestionError(KnowledgeError):
    """The question cannot be answered as asked (empty, too long, binary)."""
