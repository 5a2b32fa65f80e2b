"""Reading raw text: metadata, captions and trailers never become facts; bad input is refused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader, PdfWriter

from knowledge.errors import EmptyArticleError, NotAnArticleError
from knowledge.ingest.reading import (
    MAX_ARTICLE_CHARS,
    MAX_RAW_CHARS,
    HtmlSteps,
    decode,
    extract_html,
    read_article,
    read_document,
    read_html,
    read_pdf,
)
from tests.conftest import DATA
from tests.pdfs import make_pdf, page_lines

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


# --- web pages --------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Council shuts old bridge for a year | Riverside Post</title>
<meta property="og:title" content="Council shuts old bridge for a year">
<meta property="og:site_name" content="Riverside Post">
<meta name="author" content="Maria Lind">
<meta property="article:published_time" content="2024-03-18T09:30:00Z">
<link rel="canonical" href="https://riverside.example/news/bridge">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
</header>
<main><article>
<h1>Council shuts old bridge for a year</h1>
<p class="standfirst">Ferry service to run while the crossing is rebuilt</p>
{paragraphs}
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Cat found two towns away</a></li>
<li><a href="/b">Bakery wins county prize</a></li></ul></aside></main>
<footer><p>Copyright 2024 Riverside Post. All rights reserved.</p></footer>
</body></html>"""

PARAGRAPHS = [
    "The city council voted on Monday to close the old bridge for repairs that will last a year.",
    "The mayor said the work was overdue and that a ferry would carry people across the river.",
    "Shop owners on both banks said they feared losing customers while the bridge is shut.",
    "Engineers found cracks in two of the stone arches during an inspection in the autumn.",
    "The ferry will run every twenty minutes from six in the morning until midnight.",
]


def _page(paragraphs: list[str] = PARAGRAPHS) -> str:
    return PAGE.replace("{paragraphs}", "\n".join(f"<p>{p}</p>" for p in paragraphs))


def test_web_page_metadata_is_read() -> None:
    draft = read_html(_page(), url="https://riverside.example/news/bridge?ref=home")
    assert draft.title == "Council shuts old bridge for a year"
    assert draft.published == dt.date(2024, 3, 18)
    assert draft.author == "Maria Lind"
    assert draft.source == "Riverside Post"
    assert draft.url == "https://riverside.example/news/bridge?ref=home"  # the URL given wins


def test_web_page_body_is_the_article_alone() -> None:
    draft = read_html(_page())
    assert draft.paragraphs == tuple(PARAGRAPHS)  # no headline, standfirst, menu, aside, footer


def test_read_article_reads_html_with_its_metadata_and_given_values_win() -> None:
    draft = read_article(_page(), fmt="html", source="Wire", url="https://x.example/1")
    assert (draft.author, draft.source, draft.url) == ("Maria Lind", "Wire", "https://x.example/1")
    assert draft.published == dt.date(2024, 3, 18)


def test_web_page_photo_caption_and_trailer_are_metadata() -> None:
    draft = read_html(_page(["Mayor Anna Berg", *PARAGRAPHS, "Source: Riverside Wire"]))
    assert draft.caption == "Mayor Anna Berg"
    assert draft.source == "Riverside Wire"
    assert draft.paragraphs == tuple(PARAGRAPHS)


def test_each_html_step_can_be_switched_off_for_the_ablation_bench() -> None:
    page = _page(["Mayor Anna Berg", *PARAGRAPHS])
    assert extract_html(page).paragraphs == tuple(PARAGRAPHS)
    no_caption = extract_html(page, steps=HtmlSteps(drop_caption=False))
    assert no_caption.paragraphs[0] == "Mayor Anna Berg"
    assert no_caption.caption is None
    keep_headline = extract_html(_page(), steps=HtmlSteps(drop_headline=False))
    assert "Ferry service to run while the crossing is rebuilt" in keep_headline.paragraphs


def test_a_title_glued_to_the_body_keeps_the_body() -> None:
    run_on = "Council shuts old bridge for a year " + " ".join(PARAGRAPHS)
    draft = read_html(_page([run_on]))
    assert "The city council voted" in draft.body


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("<html><body><nav><a href='/'>Home</a></nav></body></html>", "No article text"),
        (
            _page(["Der Stadtrat hat am Montag beschlossen, die alte Brücke zu schließen. " * 8]),
            "English",
        ),
        (
            _page(
                ["Il consiglio comunale ha deciso di chiudere il vecchio ponte per un anno. " * 8]
            ),
            "English",
        ),
        (_page(["Home 3 – 1 Away. Result: 14 – 12. Score: 70 – 44."]), "too short"),
    ],
)
def test_web_pages_that_are_not_english_articles_are_refused(page: str, message: str) -> None:
    with pytest.raises(NotAnArticleError, match=message):
        read_html(page)


def test_english_with_few_function_words_is_still_english() -> None:
    # A recipe-like list: English, but far fewer "the/of/and" than news prose.
    lines = [
        "Breakfast: two eggs, spinach, whole grain toast, one orange.",
        "Lunch: grilled chicken salad with olive oil, lemon, cucumber, feta and mint.",
        "Dinner: baked salmon, brown rice, steamed broccoli and a green salad.",
        "Snacks: almonds, carrot sticks, hummus, apple slices with peanut butter.",
        "Drink water through the day and keep the portions to the sizes in your plan.",
    ]
    assert read_article("\n\n".join(lines)).paragraphs[0].startswith("Breakfast")


# --- PDF --------------------------------------------------------------------------------------

REPORT = [
    "The harbour board agreed on Tuesday to dredge the eastern channel before the summer season, "
    "after two fishing boats ran aground there in the spring.",
    "Dredging will start in May and take about six weeks. The board said boats would be guided "
    "through the western channel while the work goes on.",
    "Fishermen welcomed the decision but asked why it had taken so long.",
]


def _report_pdf(**info: str) -> bytes:
    first = ["Harbour Gazette - April 2024", "Harbour channel to be dredged", *page_lines(REPORT)]
    second = [
        "Harbour Gazette - April 2024",
        *page_lines(
            [
                "The board will meet again in June to decide on the cost of a new pier, which "
                "some members have called a wise investment for the town."
            ]
        ),
    ]
    return make_pdf([[*first, "1"], [*second, "2"]], info=info or None)


def test_text_pdf_is_read_into_paragraphs() -> None:
    draft = read_pdf(_report_pdf())
    assert draft.title == "Harbour channel to be dredged"
    assert draft.paragraphs[:3] == tuple(REPORT)
    assert draft.paragraphs[3].startswith("The board will meet again in June")
    assert "Gazette" not in draft.body  # the running head is dropped
    assert not any(p.strip().isdigit() for p in draft.paragraphs)  # and the page numbers


def test_pdf_metadata_fills_the_gaps_and_given_values_win() -> None:
    pdf = _report_pdf(Author="Jon Berg", CreationDate="D:20240402101500Z", Title="draft_v3.docx")
    draft = read_pdf(pdf)
    assert (draft.author, draft.published) == ("Jon Berg", dt.date(2024, 4, 2))
    assert draft.title == "Harbour channel to be dredged"  # not the file name
    given = read_pdf(
        pdf, title="T", source="S", url="https://x.example/r.pdf", published=dt.date(2024, 4, 3)
    )
    assert (given.title, given.source, given.url, given.published) == (
        "T",
        "S",
        "https://x.example/r.pdf",
        dt.date(2024, 4, 3),
    )


def test_pdf_title_from_metadata_when_the_text_has_no_headline() -> None:
    pdf = make_pdf([page_lines(REPORT)], info={"Title": "Channel dredging agreed"})
    assert read_pdf(pdf).title == "Channel dredging agreed"


def test_pdf_word_hyphenated_across_lines_is_rejoined() -> None:
    lines = page_lines(REPORT)
    lines[0] = lines[0] + " im-"
    lines[1] = "portant " + lines[1]
    assert "important" in read_pdf(make_pdf([lines])).body


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_report_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_restricted_only_by_an_owner_password_is_read() -> None:
    assert read_pdf(_encrypted("")).paragraphs[:3] == tuple(REPORT)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", EmptyArticleError, "empty"),
        (b"Just some text pretending to be a PDF.", NotAnArticleError, "not a PDF"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", NotAnArticleError, "damaged"),
        (make_pdf([]), EmptyArticleError, "no pages"),
        (make_pdf([[], []]), NotAnArticleError, "scan"),
        (make_pdf([["Harbour board meets.", "Page 2"]]), NotAnArticleError, "too short"),
        (
            make_pdf(
                [
                    page_lines(
                        [
                            "Der Hafenrat hat am Dienstag beschlossen, den Kanal zu "
                            "vertiefen, bevor die Saison beginnt. " * 4
                        ]
                    )
                ]
            ),
            NotAnArticleError,
            "English",
        ),
    ],
)
def test_pdfs_that_cannot_be_read_are_refused(
    data: bytes, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        read_pdf(data)


def test_pdf_with_a_user_password_is_refused() -> None:
    with pytest.raises(NotAnArticleError, match="password"):
        read_pdf(_encrypted("secret"))


def test_truncated_pdf_is_refused() -> None:
    pdf = _report_pdf()
    with pytest.raises(NotAnArticleError, match="damaged"):
        read_pdf(pdf[: len(pdf) // 2])


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("bridge.txt", f"Council shuts old bridge\n\n{BODY}".encode()),
        ("bridge.MD", f"# Council shuts old bridge\n\n{BODY}".encode()),
        ("bridge.htm", _page().encode()),
        ("bridge.pdf", make_pdf([["Council shuts old bridge", *page_lines([BODY])]])),
    ],
)
def test_uploads_are_read_by_their_suffix(filename: str, data: bytes) -> None:
    draft = read_document(data, filename=filename)
    assert draft.title.startswith("Council shuts old bridge")
    assert draft.paragraphs[0].startswith("The city council voted on Monday")


@pytest.mark.parametrize("filename", ["report.docx", "photo.jpg", "README"])
def test_other_uploads_are_refused_with_the_supported_types(filename: str) -> None:
    with pytest.raises(NotAnArticleError, match=r"send one of .*\.html, .*\.pdf, \.txt"):
        read_document(b"PK\x03\x04", filename=filename)


@pytest.mark.parametrize(
    ("page", "error"),
    [
        ("", EmptyArticleError),
        (" \n ", EmptyArticleError),
        ("<p>\x00\x01\x02</p>", NotAnArticleError),
    ],
)
def test_empty_or_binary_pages_are_refused_before_parsing(
    page: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        read_html(page)


def test_size_limits_apply_to_the_text_not_the_markup() -> None:
    story = (DATA / "harbour_council.txt").read_text()
    paragraphs = "".join(f"<p>{p}</p>" for p in story.split("\n\n")[1:] if p.strip())
    padding = "<script>var x = 1;</script>" * (3_000_000 // 27)  # ~3 MB of page furniture
    page = f"<html><body>{padding}<article><h1>Harbour</h1>{paragraphs}</article></body></html>"
    assert MAX_ARTICLE_CHARS < len(page) < MAX_RAW_CHARS
    assert "harbour" in read_article(page, fmt="html").body.lower()
    with pytest.raises(NotAnArticleError, match="too long"):
        read_article("The council met again today. " * (MAX_ARTICLE_CHARS // 29 + 10))
