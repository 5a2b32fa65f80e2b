"""Pure rendering: domain objects → Telegram HTML, every piece of text escaped.

A message is built from blocks (each with balanced tags); ``pack`` joins blocks into messages of
at most 4,096 characters and splits an over-long block on sentence boundaries outside tags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from knowledge import (
    DECLINE,
    Answer,
    Article,
    ChatReply,
    Digest,
    DigestItem,
    Fact,
    Feed,
    Stats,
    Subscriber,
    format_date,
    resolved_note,
)

LIMIT = 4096
STATS_QUESTION_CHARS = 120  # of an unanswered question listed in /stats
_SENTENCE_END = re.compile(r"(?<=[.!?…”\"])\s+")


def esc(text: str) -> str:
    """Text safe inside Telegram HTML (which knows only &lt; &gt; &amp; &quot;)."""
    return html.escape(text, quote=False)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def article_ref(article: Article) -> str:
    return f"<i>{esc(article.title)}</i> · {format_date(article.published)} · #{article.id}"


def answer_html(answer: Answer) -> str:
    """The short answer in bold, the supporting sentence and its article."""
    fact = answer.fact
    if fact is None or not answer.answered:
        return decline_html(answer)
    article = answer.articles[fact.article_id]
    lines = []
    if answer.entity is not None:
        name = esc(answer.entity.name)
        short = answer.short if answer.short and answer.short != answer.entity.name else None
        lines.append(f"<b>{name}</b>: {esc(short)}" if short else f"<b>{name}</b>")
    elif answer.short:
        lines.append(f"<b>{esc(answer.short)}</b>{esc(resolved_note(fact, answer.short))}")
    lines.append(f"<blockquote>{esc(fact.text)}</blockquote>")
    lines.append(article_ref(article))
    if answer.entity is not None and len(answer.facts) > 1:
        lines.append("Also:")
        lines.extend(f"• {esc(sf.fact.text)}" for sf in answer.facts[1:3])
    return "\n".join(lines)


def decline_html(answer: Answer) -> str:
    if answer.suggestions:
        return f"{esc(DECLINE)}\nDid you mean one of these? Tap to see it."
    return esc(answer.reply or DECLINE)


def more_html(answer: Answer, *, skip: int = 1, limit: int = 3) -> str:
    rest = answer.facts[skip : skip + limit]
    if not rest:
        return "That was all I found."
    lines = ["<b>More from the articles:</b>"]
    for sf in rest:
        article = answer.articles.get(sf.fact.article_id)
        ref = f" ({article_ref(article)})" if article else ""
        lines.append(f"• {esc(sf.fact.text)}{ref}")
    return "\n".join(lines)


def fact_html(fact: Fact, article: Article) -> str:
    return f"<blockquote>{esc(fact.text)}</blockquote>\n{article_ref(article)}"


def paragraph_html(article: Article, facts: Sequence[Fact], highlight: int) -> str:
    """The paragraph around a fact, the fact itself in bold."""
    parts = [f"<b>{esc(f.text)}</b>" if f.id == highlight else esc(f.text) for f in facts]
    return f"{' '.join(parts)}\n{article_ref(article)}"


def articles_html(articles: Sequence[Article]) -> str:
    if not articles:
        return "No articles yet."
    lines = [f"<b>{len(articles)} article{'s' if len(articles) != 1 else ''}</b>"]
    lines.extend(
        f"#{a.id} · {esc(a.title)} · {format_date(a.published)} · {a.fact_count} facts"
        for a in articles
    )
    lines.append("Send /article ID for a summary.")
    return "\n".join(lines)


def item_html(item: DigestItem) -> str:
    a = item.article
    lines = [f"<b>{esc(a.title)}</b>", f"{format_date(a.published)} · #{a.id}"]
    if a.source:
        lines[-1] += f" · {esc(a.source)}"
    lines.append(esc(" ".join(f.text for f in item.summary)))
    if item.key_facts:
        lines.append("<i>Key facts:</i>")
        lines.extend(f"• {esc(f.text)}" for f in item.key_facts)
    return "\n".join(lines)


def chat_html(said: ChatReply) -> str:
    """Small talk, a summary, "who do you mean?" or "I understand English" (its examples go
    under it as buttons)."""
    if said.item is not None:
        return item_html(said.item)
    return esc(said.text)


def digest_blocks(digest: Digest, *, heading: str) -> list[str]:
    n = len(digest.items)
    head = f"<b>{esc(heading)}</b> · {n} new article{'s' if n != 1 else ''}"
    return [head, *(item_html(i) for i in digest.items)]


def subscription_html(sub: Subscriber | None, *, default_tz: str) -> str:
    if sub is None or not sub.active:
        return (
            "You are not subscribed.\n"
            f"/subscribe HH:MM Area/City: a daily digest (default zone {esc(default_tz)})\n"
            "/subscribe instant: a message as soon as an article is added"
        )
    if sub.mode == "instant":
        return "You get a message as soon as an article is added. /unsubscribe to stop."
    due = ""
    if sub.next_due is not None:
        due = f"\nNext digest: {sub.next_due:%Y-%m-%d %H:%M} UTC"
    return (
        f"Daily digest at <b>{sub.digest_time:%H:%M}</b> ({esc(sub.timezone)}).{due}\n"
        "/unsubscribe to stop, /digest for what is new now."
    )


def feeds_html(feeds: Sequence[Feed]) -> str:
    if not feeds:
        return "No feeds yet. Add one with <code>/feeds add URL</code>."
    lines = [f"<b>{len(feeds)} feed{'s' if len(feeds) != 1 else ''}</b>"]
    for f in feeds:
        state = f" · ⚠️ {f.failures} failures: {esc(f.last_error or '')}" if f.failures else ""
        lines.append(f"#{f.id} · {esc(f.title or '')} · {esc(f.url)}{state}")
    return "\n".join(lines)


def stats_html(stats: Stats) -> str:
    subs = ", ".join(f"{mode} {n}" for mode, n in sorted(stats.subscribers.items())) or "none"
    lines = [
        "<b>Store</b>",
        f"{stats.articles} articles · {stats.facts} facts · {stats.entities} entities",
        f"Subscribers: {subs}",
        "<b>Questions</b> (24 h / 7 days)",
        f"answered {stats.day.answered} / {stats.week.answered} · "
        f"declined {stats.day.declined} / {stats.week.declined}",
        f"👍 {stats.day.thumbs_up} / {stats.week.thumbs_up} · "
        f"👎 {stats.day.thumbs_down} / {stats.week.thumbs_down}",
        "<b>Digests</b> (24 h / 7 days)",
        f"sent {stats.sends_day[0]} / {stats.sends_week[0]} · "
        f"failed {stats.sends_day[1]} / {stats.sends_week[1]}",
    ]
    if stats.feeds:
        failing = [f for f in stats.feeds if f.failures]
        lines.append(f"<b>Feeds</b> {len(stats.feeds)}, failing {len(failing)}")
        lines.extend(
            f"#{f.id} {esc(f.url)}: {f.failures}× {esc(f.last_error or '')}" for f in failing
        )
    if stats.unanswered:
        lines.append("<b>Most asked, not answered</b> (7 days)")
        # a pasted article asked as a question is logged whole: a line of it is enough
        lines.extend(
            f"{n}× {esc(shorten(text, STATS_QUESTION_CHARS))}" for text, n in stats.unanswered
        )
    return "\n".join(lines)


# --- packing -------------------------------------------------------------------------------


def pack(blocks: Iterable[str], *, limit: int = LIMIT) -> list[str]:
    """Blocks joined by blank lines into as few messages of at most ``limit`` as they fit."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split(block, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if utf16_len(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split(block: str, limit: int) -> list[str]:
    """A block cut into pieces of at most ``limit``: at line ends, then sentence ends, then
    spaces, never inside a tag or an entity."""
    if utf16_len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for unit in _units(block, limit):
        sep = "" if not current else unit[0]
        text = unit[1]
        joined = current + sep + text if current else text
        if utf16_len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = text
    if current:
        pieces.append(current)
    return pieces


def _units(block: str, limit: int) -> list[tuple[str, str]]:
    """(separator, text) units: lines, or the sentences (or words) of a line too long alone."""
    units: list[tuple[str, str]] = []
    for line in block.split("\n"):
        if utf16_len(line) <= limit:
            units.append(("\n", line))
            continue
        sep = "\n"
        for sentence in _outside_tags(line, _SENTENCE_END):
            if utf16_len(sentence) <= limit:
                units.append((sep, sentence))
            else:
                for word in _outside_tags(sentence, re.compile(r"\s+")):
                    units.extend((" ", w) for w in _fit(word, limit))
            sep = " "
    return units


def _fit(text: str, limit: int) -> list[str]:
    """A unit still too long (markup around a long text, or a giant word): its markup dropped
    and the text cut at spaces, or anywhere but inside an entity such as &amp;."""
    if utf16_len(text) <= limit:
        return [text]
    plain = re.sub(r"<[^>]*>", "", text)
    pieces: list[str] = []
    for word in plain.split():
        rest = word
        while utf16_len(rest) > limit:
            cut = limit // 2  # two UTF-16 units at most per character
            amp = rest.rfind("&", 0, cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp or cut
            pieces.append(rest[:cut])
            rest = rest[cut:]
        pieces.append(rest)
    return [p for p in pieces if p]


def _outside_tags(text: str, boundary: re.Pattern[str]) -> list[str]:
    """``text`` split at ``boundary`` matches that are not inside an element."""
    cuts = []
    for m in boundary.finditer(text):
        before = text[: m.start()]
        if before.rfind("<") <= before.rfind(">") and _balanced(before):
            cuts.append((m.start(), m.end()))
    parts, start = [], 0
    for a, b in cuts:
        parts.append(text[start:a])
        start = b
    parts.append(text[start:])
    return [p for p in parts if p]


def _balanced(html_text: str) -> bool:
    depth = 0
    for m in re.finditer(r"<(/?)[a-zA-Z-]+[^>]*>", html_text):
        depth += -1 if m.group(1) else 1
    return depth == 0
