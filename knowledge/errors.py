"""Errors raised by the knowledge layer.

Every error the bot or the CLI can show a person derives from ``KnowledgeError`` and carries a
message written for that person::

    KnowledgeError
    ├── ArticleError            an article could not be read or stored
    │   ├── EmptyArticleError       nothing but whitespace
    │   ├── NotAnArticleError       binary, not English, too short, or no prose
    │   ├── DuplicateArticleError   the same text is already stored (``.existing_id``)
    │   └── FetchError              a web page could not be fetched (``knowledge.ingest.fetch``)
    │       ├── UnsafeURLError          not http(s), credentials in it, or malformed
    │       ├── BlockedAddressError     the host is (or resolves to) a private address
    │       ├── UnreachableError        no such host, connection refused, TLS failed
    │       ├── FetchTimeoutError       over the total time limit
    │       ├── TooLargeError           over the size cap
    │       ├── NotAWebPageError        not HTML or plain text (``.content_type``)
    │       ├── TooManyRedirectsError   more redirects than allowed
    │       └── HTTPStatusError         the page answered 4xx/5xx (``.status``)
    ├── UnknownArticleError     no article with that id
    └── QuestionError           a question that cannot be asked (empty, too long, binary)

    StoreBusyError (a RuntimeError: the operator's, not a chat's)
                                another process held the store's migration lock too long
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of all errors whose message can be shown to a person.

    The message may be a template filled with ``params`` ("There is no article #{id}.",
    id=3): both are kept, so a caller that speaks another language can look the template up in
    its own catalog and fill it the same way. The domain itself stays in English."""

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.template = message
        self.params = params


class ArticleError(KnowledgeError):
    """An article could not be read or stored; nothing was stored."""


class EmptyArticleError(ArticleError):
    """The article holds no text."""


class NotAnArticleError(ArticleError):
    """The text is not a readable English news article."""


class DuplicateArticleError(ArticleError):
    """The same article is already in the store."""

    def __init__(self, message: str, /, *, existing_id: int, **params: object) -> None:
        super().__init__(message, **params)
        self.existing_id = existing_id


class UnknownArticleError(KnowledgeError):
    """No article has the given id."""


class QuestionError(KnowledgeError):
    """The question cannot be answered as asked (empty, too long, binary)."""


class FetchError(ArticleError):
    """A web page could not be fetched; nothing was stored."""


class UnsafeURLError(FetchError):
    """The link is not one we fetch: not http(s), with credentials, or malformed."""


class BlockedAddressError(FetchError):
    """The host is or resolves to a private, loopback, link-local or metadata address."""


class UnreachableError(FetchError):
    """The host does not resolve, refuses the connection, or fails TLS verification."""


class FetchTimeoutError(FetchError):
    """The page took longer than the total time limit."""


class TooLargeError(FetchError):
    """The page is larger than the size cap."""


class NotAWebPageError(FetchError):
    """The link serves something other than HTML or plain text."""

    def __init__(self, message: str, *, content_type: str) -> None:
        super().__init__(message)
        self.content_type = content_type


class TooManyRedirectsError(FetchError):
    """The link redirects more times than allowed."""


class HTTPStatusError(FetchError):
    """The page answered with an error status (4xx or 5xx)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class StoreBusyError(RuntimeError):
    """Another process held one of the store's locks (a migration, a re-extraction) for longer
    than this one would wait; the message says which and what to do."""
