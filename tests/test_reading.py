"""Reading raw text: metadata, captions and trailers never become facts; bad input is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.errors import EmptyArticleError, NotAnArticleError
from knowledge.reading import decode, read_article

BODY = (
    "The city council voted on Monday to close the old bridge for repairs that will last a year. "
    "The mayor said the work was overdue and that a ferry would carry people across the river. "
    "Shop owners on both banks said they feared losing customers while the bridge is shut."
)


def test_caption_and_source_trailer_become_metadata() -> None:
    draft = read_article(f"Mayor Anna Berg\n\n{BODY}\n\nsource: Riverside Post")
    assert draft.caption == "Mayor Anna Berg"
    assert draft.source == "Riverside Post"
    assert all("Riverside Post" not in p and p != "Mayor Anna Berg" for p in draft.paragraphs)


def test_headline_becomes_title() -> None:
    draft = read_article(f"Council shuts old bridge for a year\n\n{BODY}")
    assert draft.title == "Council shuts old bridge for a year"
    assert draft.caption is None
    assert draft.paragraphs[0].startswith("The city council")


def test_markdown_heading_and_front_matter() -> None:
    raw = (
        f"date: 2024-05-02\nsource: Wire\n\n# Bridge closes\n\n![Mayor Anna Berg](x.jpg)\n\n{BODY}"
    )
    draft = read_article(raw)
    assert draft.title == "Bridge closes"
    assert draft.published == dt.date(2024, 5, 2)
    assert draft.source == "Wire"
    assert draft.caption == "Mayor Anna Berg"


def test_html_is_read_with_trafilatura() -> None:
    html = (
        "<html><head><title>Bridge closes for repairs</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Bridge closes for repairs</h1><p>{BODY}</p><p>{BODY}</p></article>"
        "<footer>Copyright Riverside Post. All rights reserved.</footer></body></html>"
    )
    draft = read_article(html)
    assert "Bridge closes" in draft.title
    assert "city council voted" in draft.body
    assert "All rights reserved" not in draft.body


def test_given_metadata_wins() -> None:
    draft = read_article(BODY, title="T", source="S", published=dt.date(2020, 1, 2))
    assert (draft.title, draft.source, draft.published) == ("T", "S", dt.date(2020, 1, 2))


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", EmptyArticleError),
        ("   \n\t  ", EmptyArticleError),
        ("Too short to be news.", NotAnArticleError),
        ("1234 5678 " * 50, NotAnArticleError),
        (
            "Der Stadtrat hat am Montag beschlossen, die alte Brücke zu schließen. " * 5,
            NotAnArticleError,
        ),
        (
            "Совет города проголосовал за закрытие старого моста на ремонт. " * 10,
            NotAnArticleError,
        ),
        ("word " * 100, NotAnArticleError),
    ],
)
def test_non_articles_are_refused(raw: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_article(raw)


def test_binary_bytes_are_refused() -> None:
    with pytest.raises(NotAnArticleError):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_latin1_bytes_are_decoded() -> None:
    assert decode("Caf\xe9 prices rose by \xa33.".encode("latin-1")).startswith("Café")
