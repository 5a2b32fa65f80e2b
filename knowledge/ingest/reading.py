"""Reading articles (plain text, Markdown, HTML pages, text PDFs) into an ``ArticleDraft``.

``read_article`` takes text, ``read_html`` a web page with its URL, ``read_pdf`` a PDF's bytes and
``read_document`` an uploaded file by its name.

Photo captions and "source: X" trailers are metadata, never facts: they are recognised here so that
the NLP stage only ever sees the article body.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.errors import EmptyArticleError, NotAnArticleError
from knowledge.ingest.prose import refusal as prose_refusal
from knowledge.models import ArticleDraft
from knowledge.text import collapse_spaces

MAX_ARTICLE_CHARS = 2_000_000  # of the article's text, once read
MAX_RAW_CHARS = 6_000_000  # of what comes in: a web page within the fetch cap carries markup
MIN_WORDS = 25
# Web pages are read in trafilatura's precision mode; its default mode's text is taken instead
# when precision mode keeps less than this share of the words the default mode finds.
HTML_FALLBACK_SHARE = 0.2  # see HtmlSteps
DOCUMENT_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}

_TRAILER = re.compile(
    r"^\s*\(?\s*(?:source|sources|via|credit)\s*[:：]\s*(?P<source>[^()\n]{1,80}?)\s*\)?\s*$",
    re.IGNORECASE,
)
_CAPTION_PREFIX = re.compile(r"^\s*(?:photo|picture|image|caption|file photo)\s*[:：|-]", re.I)
_CAPTION_SUFFIX = re.compile(r"\((?:photo|credit|image)[^)]*\)\s*$", re.I)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"^\s*!\[(?P<alt>[^\]]*)\]\([^)]*\)\s*$")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_META_LINE = re.compile(
    r"^\s*(?P<key>title|date|published|source|url|author|by)\s*[:：]\s*(?P<value>.+?)\s*$", re.I
)
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%Y/%m/%d")
_WORD = re.compile(r"\w+")
_HTML_HINT = re.compile(r"<\s*(?:html|body|article|p|div|head|!doctype)\b", re.I)
# The most frequent function words of English and of the languages most often mistaken for it.
# A text is English when English words are common in it and clearly commoner than any other
# language's; words shared between languages ("a", "in", "is", "die") are left out of English.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the of and to for that with by at from it he she they said be has have are were "
        "will not this but or which who their his her its you your we our can if more about when "
        "there what would been had than into also how these them other after could should my all "
        "one up out some just then",
        "de": "der die das und ist nicht mit sich auf den dem ein eine einer zu von für auch es "
        "im sie wir ich werden wird sind war bei aus nach wie oder aber noch nur dass",
        "fr": "le la les et est des du un une que qui pour dans pas sur au avec ce il elle sont "
        "par plus ne se nous vous mais ou",
        "es": "el la los las y es del que en un una por con para se no su al lo como más pero sus "
        "fue este esta",
        "it": "il la di che e è per un una del della non con sono le si da al gli dei nel anche "
        "come ma più questo",
        "pt": "o a os as de do da dos das e é que em um uma para com não no na por se mais ao "
        "como foi seu sua",
        "nl": "de het een en van is dat op te zijn niet met voor ook er maar om aan bij als door "
        "wordt ik je",
        "id": "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke ada atau "
        "karena oleh saya kita mereka bisa adalah",
    }.items()
}
MIN_ENGLISH_SHARE = 0.05  # of words; English news runs at 0.13 or more (BBC corpus)
ENGLISH_LEAD = 1.5  # English words at least this many times the commonest other language's


def looks_like_html(text: str) -> bool:
    """True when the text is an HTML document rather than prose."""
    return bool(_HTML_HINT.search(text[:5000]))


def decode(data: bytes) -> str:
    """Decode uploaded bytes as UTF-8 (or Latin-1); refuse binary data."""
    if b"\x00" in data[:8192]:
        raise NotAnArticleError("This looks like a binary file, not an article.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _control_share(text) > 0.01:
        raise NotAnArticleError("This looks like a binary file, not an article.")
    return text


def read_article(
    raw: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
    fmt: str | None = None,
) -> ArticleDraft:
    """Read plain text, Markdown or HTML into a draft; given metadata wins over what is found."""
    _check_raw(raw)
    lines: Sequence[str] | None = None
    if fmt == "html" or (fmt is None and looks_like_html(raw)):
        draft = extract_html(raw, url=url)
    else:
        draft = _read_text(raw, markdown=fmt == "md" or fmt is None)
        lines = raw.splitlines()  # code and logs show in their lines, which reading joins
    draft = ArticleDraft(
        title=title or draft.title,
        paragraphs=draft.paragraphs,
        source=source or draft.source,
        url=url or draft.url,
        published=published or draft.published,
        caption=draft.caption,
        author=draft.author,
    )
    check_prose(draft, lines=lines)
    return draft


def _check_raw(raw: str) -> None:
    """Refuse empty, huge or binary input before any parsing."""
    if not raw or not raw.strip():
        raise EmptyArticleError("The article is empty.")
    if len(raw) > MAX_RAW_CHARS:
        raise NotAnArticleError(
            "The input is too long ({chars} characters; the limit is {limit}).",
            chars=f"{len(raw):,}",
            limit=f"{MAX_RAW_CHARS:,}",
        )
    if "\x00" in raw or _control_share(raw) > 0.01:
        raise NotAnArticleError("This looks like binary data, not an article.")


def read_document(
    data: bytes,
    *,
    filename: str,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
) -> ArticleDraft:
    """Read an uploaded file by its suffix (see ``DOCUMENT_FORMATS``); others are refused."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = DOCUMENT_FORMATS.get(suffix)
    if fmt is None:
        kinds = ", ".join(sorted(set(DOCUMENT_FORMATS)))
        raise NotAnArticleError(f"I can't read {filename or 'that file'}: send one of {kinds}.")
    if fmt == "pdf":
        return read_pdf(data, title=title, source=source, url=url, published=published)
    return read_article(
        decode(data), title=title, source=source, url=url, published=published, fmt=fmt
    )


def check_prose(draft: ArticleDraft, *, lines: Sequence[str] | None = None) -> None:
    """Refuse drafts that are not English prose of article length: too long, too short, not
    English, or mostly code, tables or log lines (``ingest.prose``, measured on the text's
    ``lines`` as given, the draft's paragraphs by default)."""
    body = draft.body
    if len(body) > MAX_ARTICLE_CHARS:
        raise NotAnArticleError(
            "The article is too long ({chars} characters; the limit is {limit}).",
            chars=f"{len(body):,}",
            limit=f"{MAX_ARTICLE_CHARS:,}",
        )
    words = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", body)
    if len(words) < MIN_WORDS:
        raise NotAnArticleError(
            "This is too short to be an article ({words} words; at least {needed} needed).",
            words=len(words),
            needed=MIN_WORDS,
        )
    letters = sum(ch.isalpha() for ch in body)
    if letters < 0.5 * len(body.replace(" ", "").replace("\n", "")):
        raise NotAnArticleError("This does not read as prose (too few letters).")
    latin = sum(ch.isascii() for ch in body if ch.isalpha())
    if latin < 0.8 * letters or not _is_english(words):
        raise NotAnArticleError("This does not look like an English article.")
    if lines is None:
        lines = [line for paragraph in draft.paragraphs for line in paragraph.split("\n")]
    reason = prose_refusal(lines)
    if reason is not None:
        raise NotAnArticleError(reason)
    if not re.search(r"[.!?]", body):
        raise NotAnArticleError("This has no sentences: it does not read as an article.")


def _is_english(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    shares = {
        lang: sum(w in vocab for w in lowered) / max(1, len(lowered))
        for lang, vocab in _FUNCTION_WORDS.items()
    }
    english = shares.pop("en")
    return english >= MIN_ENGLISH_SHARE and english >= ENGLISH_LEAD * max(shares.values())


def _control_share(text: str) -> float:
    sample = text[:20000]
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / max(1, len(sample))


def _parse_date(value: str) -> dt.date | None:
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    match = re.match(r"(\d{4}-\d{2}-\d{2})", value)
    if match:
        return dt.date.fromisoformat(match.group(1))
    return None


def _clean_markdown(line: str) -> str:
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub(r"\2", line)
    return re.sub(r"^\s*(?:[-*+]|>)\s+", "", line)


def _read_text(raw: str, *, markdown: bool) -> ArticleDraft:
    lines = [ln.rstrip() for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    meta: dict[str, str] = {}
    # A leading block of "Key: value" lines (front matter) is metadata.
    while lines and (not lines[0].strip() or lines[0].strip() == "---"):
        lines.pop(0)
    while lines and (m := _META_LINE.match(lines[0])) and len(lines[0]) < 200:
        meta[m.group("key").lower()] = m.group("value")
        lines.pop(0)
        while lines and lines[0].strip() == "---":
            lines.pop(0)
    title = meta.get("title")
    caption: str | None = None
    blocks = _blocks(lines)
    source = meta.get("source")
    if blocks and (m := _TRAILER.match(blocks[-1])):
        source = source or m.group("source").strip()
        blocks.pop()
    if markdown:
        kept: list[str] = []
        for block in blocks:
            heading = _MD_HEADING.match(block)
            image = _MD_IMAGE.match(block)
            if heading and len(blocks) == 1:  # a heading alone is all the text there is
                kept.append(heading.group("text").strip())
            elif heading and title is None:
                title = heading.group("text").strip()
            elif image:
                caption = caption or image.group("alt").strip() or None
            elif heading:
                continue  # section headings are structure, not facts
            else:
                kept.append(_clean_markdown(block))
        blocks = kept
    # A caption or headline stands over a body: a text of one block is all body.
    if len(blocks) > 1 and _is_caption(blocks[0]):
        caption = blocks.pop(0)
    if len(blocks) > 1 and title is None and _is_headline(blocks[0]):
        title = blocks.pop(0)
    if len(blocks) > 1 and _is_caption(blocks[0]):
        caption = caption or blocks.pop(0)
    paragraphs = tuple(_split_paragraph(b) for b in blocks if b.strip())
    published = _parse_date(meta.get("date") or meta.get("published") or "")
    if title is None:
        title = _title_from(paragraphs)
    return ArticleDraft(
        title=title,
        paragraphs=tuple(p for p in paragraphs if p),
        source=source,
        url=meta.get("url"),
        published=published,
        caption=caption,
        author=meta.get("author") or meta.get("by"),
    )


def _blocks(lines: list[str]) -> list[str]:
    """Group lines into blocks: blank lines separate blocks; so does every line of a text whose
    paragraphs are one per line (news wires often put each sentence-paragraph on its own line)."""
    blocks: list[str] = []
    current: list[str] = []
    long_lines = [ln for ln in lines if len(ln.strip()) > 0]
    one_per_line = sum(1 for ln in long_lines if re.search(r"[.!?\"”’]\s*$", ln)) > 0.6 * max(
        1, len(long_lines)
    )
    for line in lines:
        if not line.strip():
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        if one_per_line and current:
            blocks.append(" ".join(current))
            current = []
        current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return [b.strip() for b in blocks if b.strip()]


def _split_paragraph(block: str) -> str:
    return collapse_spaces(block)


def _is_caption(block: str) -> bool:
    """A short line with no sentence punctuation that only names something is a photo caption."""
    if _CAPTION_PREFIX.match(block) or _CAPTION_SUFFIX.search(block):
        return True
    words = block.split()
    if not 1 <= len(words) <= 8 or re.search(r"[.!?:;\"“”]\s*$", block):
        return False
    # Captions name people or things: every word capitalised (a name with its title).
    # Headlines carry a verb; we take lower-case content words as the sign of one.
    return all(w[:1].isupper() or not w[:1].isalpha() for w in words)


def _is_headline(block: str) -> bool:
    words = block.split()
    return 1 <= len(words) <= 20 and not re.search(r"[.!?]\s*$", block)


def _title_from(paragraphs: tuple[str, ...]) -> str:
    first = paragraphs[0] if paragraphs else "Untitled article"
    first = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if len(first) > 90:
        first = first[:87].rsplit(" ", 1)[0] + "…"
    return first


def read_html(html: str, *, url: str | None = None) -> ArticleDraft:
    """Read a web page (say, fetched from ``url``): its main text and its metadata.

    The title, published date, author and site name come from the page's metadata as trafilatura
    finds it; the body is trafilatura's main text less the headline, a leading photo caption and a
    "source: X" trailer. Raises ``EmptyArticleError`` for an empty page and ``NotAnArticleError``
    when no English article text is found.
    """
    _check_raw(html)
    draft = extract_html(html, url=url)
    check_prose(draft)
    return draft


@dataclass(frozen=True, slots=True)
class HtmlSteps:
    """The reader's steps over trafilatura's text, each measured in ``bench/extraction.py``
    (which switches one off at a time to show what it brings)."""

    # Fall back to trafilatura's default mode when it finds this many times more words.
    fallback_share: float = HTML_FALLBACK_SHARE
    drop_headline: bool = True  # the headline and standfirst repeated at the top of the body
    drop_caption: bool = True  # a leading photo caption


def extract_html(
    html: str, *, url: str | None = None, steps: HtmlSteps = HtmlSteps()
) -> ArticleDraft:
    """``read_html`` without the checks that the text is English prose of article length."""
    meta = _trafilatura(html, url=url, favor_precision=True, with_metadata=True)
    text = meta.get("text") or ""
    # Precision mode sometimes settles on the wrong block of a page (a reprints notice, a teaser)
    # or on nothing; when the default mode finds far more text, the article is that text.
    wide = _trafilatura(html, url=url, favor_precision=False, with_metadata=not meta)
    meta = meta or wide
    wide_text = wide.get("text") or ""
    if len(_WORD.findall(wide_text)) * steps.fallback_share > len(_WORD.findall(text)):
        text = wide_text
    title = (meta.get("title") or "").strip() or None
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if steps.drop_headline:
        lines = _drop_headline(lines, title)
    caption: str | None = None
    if steps.drop_caption and lines and _is_caption(lines[0]):
        caption = lines.pop(0)
    source = None
    if lines and (m := _TRAILER.match(lines[-1])):
        source = m.group("source").strip()
        lines.pop()
    paragraphs = tuple(_split_paragraph(ln) for ln in lines)
    if not paragraphs:
        raise NotAnArticleError("No article text was found in this page.")
    date = meta.get("date")
    return ArticleDraft(
        title=title or _title_from(paragraphs),
        paragraphs=paragraphs,
        source=source or meta.get("sitename") or None,
        url=url or meta.get("url") or None,
        published=_parse_date(date) if date else None,
        caption=caption,
        author=meta.get("author") or None,
    )


def _trafilatura(
    html: str, *, url: str | None, favor_precision: bool, with_metadata: bool
) -> dict[str, Any]:
    import trafilatura  # heavy import, only needed for HTML

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        favor_precision=favor_precision,
    )
    if not doc:
        return {}
    return dict(doc.as_dict() if hasattr(doc, "as_dict") else doc)


def _drop_headline(lines: list[str], title: str | None) -> list[str]:
    """Drop the page's headline (and the standfirst under it) from the top of the body."""
    if not lines or not title:
        return lines
    key = _norm(title)
    first = _norm(lines[0])
    # A line that starts with the title but runs on is body text the page glued the title onto.
    is_title = (key.startswith(first) and len(first) >= 0.5 * len(key)) or (
        first.startswith(key) and len(first) < 1.5 * len(key)
    )
    if not first or not is_title:
        return lines
    # A standfirst under the headline reads like one too: short, with no closing punctuation.
    if len(lines) > 2 and _is_headline(lines[1]):
        return lines[2:]
    return lines[1:]


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


# --- PDF ------------------------------------------------------------------------------------

MAX_PDF_PAGES = 300
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?\s*$", re.I
)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]\s*$")


def read_pdf(
    data: bytes,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
) -> ArticleDraft:
    """Read a text PDF into a draft: lines joined into paragraphs, running heads dropped.

    The title, author and date fall back on the PDF's own metadata. A PDF that is broken,
    encrypted, scanned (no text layer) or not English prose is refused with ``NotAnArticleError``;
    one without pages with ``EmptyArticleError``.
    """
    pages, info = _pdf_pages(data)
    paragraphs = _pdf_paragraphs(pages)
    if not paragraphs:
        raise NotAnArticleError(
            "This PDF has no text to read: it may be a scan (images of pages). "
            "Only PDFs with a text layer can be read."
        )
    inner = _read_text("\n\n".join(paragraphs), markdown=False)
    found_headline = inner.title != _title_from(inner.paragraphs)
    draft = ArticleDraft(
        title=title or (inner.title if found_headline else info.get("title") or inner.title),
        paragraphs=inner.paragraphs,
        source=source or inner.source,
        url=url or inner.url,
        published=published or inner.published or info.get("date"),
        caption=inner.caption,
        author=inner.author or info.get("author"),
    )
    check_prose(draft)
    return draft


def _pdf_pages(data: bytes) -> tuple[list[str], dict[str, Any]]:
    """The text of each page and the document's title, author and creation date."""
    import io
    import warnings

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.strip():
        raise EmptyArticleError("The PDF file is empty.")
    if b"%PDF-" not in data[:1024]:
        raise NotAnArticleError("This is not a PDF file.")
    broken = "This PDF could not be read: the file is damaged or incomplete."
    # pypdf warns about the many small defects real PDFs have; they are not ours to report.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _decrypt_without_password(reader):
                raise NotAnArticleError(
                    "This PDF is protected by a password; send an unprotected copy."
                )
            count = len(reader.pages)
            if count == 0:
                raise EmptyArticleError("The PDF has no pages.")
            if count > MAX_PDF_PAGES:
                raise NotAnArticleError(
                    "This PDF is too long to be an article ({pages} pages; the limit is {limit}).",
                    pages=count,
                    limit=MAX_PDF_PAGES,
                )
            pages = [page.extract_text() or "" for page in reader.pages]
            info = _pdf_info(reader)
        except PyPdfError as e:
            raise NotAnArticleError(broken) from e
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
            # pypdf lets some malformed structures through as plain Python errors.
            raise NotAnArticleError(broken) from e
    return pages, info


def _decrypt_without_password(reader: Any) -> bool:
    """Open a PDF that is encrypted with an empty user password (only owner-restricted)."""
    from pypdf.errors import PyPdfError

    try:
        return bool(reader.decrypt(""))
    except (PyPdfError, NotImplementedError):
        return False


def _pdf_info(reader: Any) -> dict[str, Any]:
    meta = reader.metadata
    if meta is None:
        return {}
    info: dict[str, Any] = {}
    title = (meta.title or "").strip()
    # Producers often store a file name ("Microsoft Word - draft.docx") as the title.
    if title and not re.search(r"\.(?:docx?|odt|pdf|rtf|txt|indd)$|^Microsoft Word", title, re.I):
        info["title"] = title
    if (author := (meta.author or "").strip()) and len(author) <= 100:
        info["author"] = author
    try:
        created = meta.creation_date
    except ValueError:  # an unparsable date string
        created = None
    if created is not None:
        info["date"] = created.date()
    return info


def _pdf_paragraphs(pages: list[str]) -> list[str]:
    """Join the visual lines of the pages into paragraphs.

    A paragraph ends at a blank line, after a line that closes a sentence and stops short of the
    text's usual line length or ends a page, or after a much shorter line (a heading). Lines that
    repeat at the top or bottom of most pages (running heads, footers) and bare page numbers are
    dropped; a word hyphenated across lines is rejoined. Without the page's geometry, a one-line
    paragraph that fills its line runs on into the next paragraph.
    """
    page_lines = [[ln.strip() for ln in page.splitlines()] for page in pages]
    repeated = _running_lines(page_lines)
    lines: list[str] = []
    for page in page_lines:
        kept = [ln for ln in page if not _PAGE_NUMBER.match(ln) and _shape(ln) not in repeated]
        if kept and _SENTENCE_END.search(kept[-1]):
            kept.append("")  # a sentence ending a page ends its paragraph too
        lines += kept
    lengths = sorted(len(ln) for ln in lines if ln)
    if not lengths:
        return []
    full = lengths[int(len(lengths) * 0.75)]  # the width of a full line
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current.endswith("-") and line[:1].islower() and current[-2:-1].isalpha():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        # Only a paragraph's last line stops short of the full width; a heading stops very short.
        short = 0.85 if _SENTENCE_END.search(line) else 0.6
        if len(line) < short * full and not line.endswith("-"):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return [_split_paragraph(p) for p in paragraphs if p.strip()]


def _running_lines(page_lines: list[list[str]]) -> set[str]:
    """Shapes of lines found among the first or last two lines of most pages."""
    if len(page_lines) < 2:
        return set()
    seen: dict[str, int] = {}
    for page in page_lines:
        text = [ln for ln in page if ln]
        for shape in {_shape(ln) for ln in text[:2] + text[-2:]}:
            seen[shape] = seen.get(shape, 0) + 1
    need = max(2, int(0.6 * len(page_lines) + 0.5))
    return {shape for shape, n in seen.items() if n >= need}


def _shape(line: str) -> str:
    """A line with its digits blanked, so "Page 3" and "Page 4" are the same running line."""
    return re.sub(r"\d+", "#", line.casefold())
