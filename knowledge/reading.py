"""Reading raw article text (plain, Markdown or HTML) into an ``ArticleDraft``.

Photo captions and "source: X" trailers are metadata, never facts: they are recognised here so that
the NLP stage only ever sees the article body.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from knowledge.errors import EmptyArticleError, NotAnArticleError
from knowledge.models import ArticleDraft

MAX_ARTICLE_CHARS = 2_000_000
MIN_WORDS = 25

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
_HTML_HINT = re.compile(r"<\s*(?:html|body|article|p|div|head|!doctype)\b", re.I)
_ENGLISH_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "is",
        "was",
        "for",
        "on",
        "that",
        "with",
        "as",
        "by",
        "at",
        "from",
        "it",
        "he",
        "she",
        "they",
        "said",
        "be",
        "has",
        "have",
        "are",
        "were",
        "will",
        "not",
        "this",
        "but",
        "or",
        "which",
        "who",
        "their",
        "his",
        "her",
        "its",
    ]
)


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
    if not raw or not raw.strip():
        raise EmptyArticleError("The article is empty.")
    if len(raw) > MAX_ARTICLE_CHARS:
        raise NotAnArticleError(
            f"The article is too long ({len(raw):,} characters; "
            f"the limit is {MAX_ARTICLE_CHARS:,})."
        )
    if "\x00" in raw or _control_share(raw) > 0.01:
        raise NotAnArticleError("This looks like binary data, not an article.")
    if fmt == "html" or (fmt is None and looks_like_html(raw)):
        draft = _read_html(raw)
    else:
        draft = _read_text(raw, markdown=fmt == "md" or fmt is None)
    draft = ArticleDraft(
        title=title or draft.title,
        paragraphs=draft.paragraphs,
        source=source or draft.source,
        url=url or draft.url,
        published=published or draft.published,
        caption=draft.caption,
        author=draft.author,
    )
    check_prose(draft)
    return draft


def check_prose(draft: ArticleDraft) -> None:
    """Refuse drafts that are not English prose of article length."""
    body = draft.body
    words = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", body)
    if len(words) < MIN_WORDS:
        raise NotAnArticleError(
            f"This is too short to be an article ({len(words)} words; "
            f"at least {MIN_WORDS} needed)."
        )
    letters = sum(ch.isalpha() for ch in body)
    if letters < 0.5 * len(body.replace(" ", "").replace("\n", "")):
        raise NotAnArticleError("This does not read as prose (too few letters).")
    latin = sum(ch.isascii() for ch in body if ch.isalpha())
    english = sum(w.lower() in _ENGLISH_STOPWORDS for w in words)
    if latin < 0.8 * letters or english < 0.08 * len(words):
        raise NotAnArticleError("This does not look like an English article.")
    if not re.search(r"[.!?]", body):
        raise NotAnArticleError("This has no sentences: it does not read as an article.")


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
            if heading and title is None:
                title = heading.group("text").strip()
            elif image:
                caption = caption or image.group("alt").strip() or None
            elif heading:
                continue  # section headings are structure, not facts
            else:
                kept.append(_clean_markdown(block))
        blocks = kept
    if blocks and _is_caption(blocks[0]):
        caption = blocks.pop(0)
    if blocks and title is None and _is_headline(blocks[0]):
        title = blocks.pop(0)
    if blocks and _is_caption(blocks[0]):
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
    return re.sub(r"\s+", " ", block).strip()


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


def _read_html(raw: str) -> ArticleDraft:
    import trafilatura  # heavy import, only needed for HTML

    doc = trafilatura.bare_extraction(
        raw, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    meta: dict[str, Any] = (doc.as_dict() if hasattr(doc, "as_dict") else doc) if doc else {}
    text = meta.get("text") or ""
    if not text.strip():
        raise NotAnArticleError("No article text was found in this page.")
    inner = _read_text(text, markdown=False)
    published = _parse_date(meta["date"]) if meta.get("date") else None
    return ArticleDraft(
        title=(meta.get("title") or inner.title).strip(),
        paragraphs=inner.paragraphs,
        source=inner.source or meta.get("sitename"),
        url=meta.get("url"),
        published=published,
        caption=inner.caption,
        author=meta.get("author"),
    )
