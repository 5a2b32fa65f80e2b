"""Pure rendering: domain objects → Telegram HTML, every piece of text escaped.

A message is built from blocks (each with balanced tags); ``pack`` joins blocks into messages of
at most 4,096 characters and splits an over-long block on sentence boundaries outside tags.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from handlers import domain_texts, i18n, links
from handlers.i18n import N_, Translate
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
    local_day,
    repeats_title,
    resolved_note,
    zone_label,
)

LIMIT = 4096
STATS_QUESTION_CHARS = 120  # of an unanswered question listed in /stats
_SENTENCE_END = re.compile(r"(?<=[.!?…”\"])\s+")


ENGLISH: Translate = i18n.ENGLISH
DECLINE_MSGID = N_("The articles I have don't say.")  # knowledge.DECLINE, marked for the catalogs
UNSURE_MSGID = N_("I'm not sure, but the articles may say:")  # knowledge.UNSURE, likewise


def esc(text: str) -> str:
    """Text safe inside Telegram HTML (which knows only &lt; &gt; &amp; &quot;)."""
    return html.escape(text, quote=False)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


MARKED_ANSWER_WORDS = 6  # a short answer this long reads better marked in its sentence


def article_ref(article: Article) -> str:
    return f"<i>{esc(article.title)}</i> · {format_date(article.published)} · #{article.id}"


def plain_ref(article: Article) -> str:
    """The article line as plain text (an inline result's description)."""
    return f"{article.title} · {format_date(article.published)} · #{article.id}"


def source_ref(article: Article, fact: Fact) -> str:
    """The article line under a sentence; without the title where the title is that sentence
    cut short (an article read without a headline is titled by its lead)."""
    if not repeats_title(article, fact.text):
        return article_ref(article)
    named = [esc(article.source)] if article.source else []
    return " · ".join([*named, format_date(article.published), f"#{article.id}"])


def answer_within(fact: Fact, short: str | None) -> tuple[int, int] | None:
    """Where the short answer stands in its sentence when showing it above the sentence would
    say it twice: it is (part of) a quote the sentence carries, or a long span of it."""
    if not short or resolved_note(fact, short):  # a resolved date is worth its own line
        return None
    start = fact.text.find(short)
    if start < 0:
        return None
    quoted = any(short in quote for quote, _ in fact.quotes)
    if not quoted and len(short.split()) < MARKED_ANSWER_WORDS:
        return None
    return start, start + len(short)


def answer_html(answer: Answer, *, tr: Translate = ENGLISH) -> str:
    """The short answer in bold, the supporting sentence and its article; a quote or a long
    answer is marked in bold inside its sentence instead of repeated above it. ``tr`` translates
    the bot's own words (a decline, "Also:"), never the articles'."""
    fact = answer.fact
    if fact is None or not answer.answered:
        return decline_html(answer, tr=tr)
    article = answer.articles[fact.article_id]
    lines = [f"<i>{esc(tr(UNSURE_MSGID))}</i>"] if answer.tentative else []
    sentence = esc(fact.text)
    if answer.entity is not None:
        name = esc(answer.entity.name)
        short = answer.short if answer.short and answer.short != answer.entity.name else None
        lines.append(f"<b>{name}</b>: {esc(short)}" if short else f"<b>{name}</b>")
    elif (within := answer_within(fact, answer.short)) is not None:
        a, b = within
        text = fact.text
        sentence = f"{esc(text[:a])}<b>{esc(text[a:b])}</b>{esc(text[b:])}"
    elif answer.short:
        lines.append(f"<b>{esc(answer.short)}</b>{esc(resolved_note(fact, answer.short))}")
    lines.append(f"<blockquote>{sentence}</blockquote>")
    lines.append(source_ref(article, fact))
    if answer.entity is not None and len(answer.facts) > 1:
        lines.append(tr("Also:"))
        lines.extend(f"• {esc(sf.fact.text)}" for sf in answer.facts[1:3])
    return "\n".join(lines)


def decline_html(answer: Answer, *, tr: Translate = ENGLISH) -> str:
    """The decline in the chat's language; another reply of the newsroom's ("Please ask a
    question…") in it where the catalog has it (``handlers.domain_texts``), else as is."""
    if answer.suggestions:
        offer = tr("Did you mean one of these? Tap to see it.")
        return f"{esc(tr(DECLINE_MSGID))}\n{esc(offer)}"
    if answer.reply is None or answer.reply == DECLINE:
        return esc(tr(DECLINE_MSGID))
    if answer.reply_template:
        return esc(domain_texts.filled(answer.reply_template, answer.reply_params, tr=tr))
    return esc(tr(answer.reply) if answer.reply else answer.reply)


def more_html(answer: Answer, *, skip: int = 1, limit: int = 3, tr: Translate = ENGLISH) -> str:
    rest = answer.facts[skip : skip + limit]
    if not rest:
        return tr("That was all I found.")
    lines = [tr("<b>More from the articles:</b>")]
    for sf in rest:
        article = answer.articles.get(sf.fact.article_id)
        ref = f" ({source_ref(article, sf.fact)})" if article else ""
        lines.append(f"• {esc(sf.fact.text)}{ref}")
    return "\n".join(lines)


def fact_html(fact: Fact, article: Article) -> str:
    return f"<blockquote>{esc(fact.text)}</blockquote>\n{source_ref(article, fact)}"


def paragraph_html(article: Article, facts: Sequence[Fact], highlight: int) -> str:
    """The paragraph around a fact (with its neighbours, where the newsroom gave them: a
    blank line between paragraphs), the fact itself in bold."""
    paragraphs: dict[int, list[str]] = {}
    for f in facts:
        shown = f"<b>{esc(f.text)}</b>" if f.id == highlight else esc(f.text)
        paragraphs.setdefault(f.paragraph, []).append(shown)
    body = "\n\n".join(" ".join(p) for p in paragraphs.values())
    lead = next((f for f in facts if f.id == highlight), None)
    ref = source_ref(article, lead) if lead is not None else article_ref(article)
    return f"{body}\n{ref}"


def articles_html(articles: Sequence[Article], *, tr: Translate = ENGLISH) -> str:
    if not articles:
        return tr("No articles yet.")
    n = len(articles)
    count = tr("{n} article") if n == 1 else tr("{n} articles")
    lines = [f"<b>{count.format(n=n)}</b>"]
    facts = tr("{n} facts")  # a number-free form in Russian ("фактов: 3"): no plural rules
    lines.extend(
        f"#{a.id} · {esc(a.title)} · {frame_date(a.published, tr=tr)} · "
        + facts.format(n=a.fact_count)
        for a in articles
    )
    lines.append(tr("Send /article ID for a summary."))
    return "\n".join(lines)


DIGEST_FACT_CHARS = 400  # a sentence in a digest: keeps an item within one message
LONG_DIGEST_CHARS = 1000  # past this the articles' bodies fold (expandable blockquotes)


def item_html(
    item: DigestItem, *, folded: bool = False, tr: Translate = ENGLISH, link: str | None = None
) -> str:
    """One article of a digest: headline, date and source, then its summary and key facts
    (``folded``: in an expandable blockquote, for a long digest); ``link``: where the headline
    leads (the bot's deep link to the article)."""
    a = item.article
    title = esc(shorten(a.title, 200))
    if link is not None:
        title = f'<a href="{esc(link)}">{title}</a>'
    head = [f"<b>{title}</b>", f"{frame_date(a.published, tr=tr)} · #{a.id}"]
    if a.source:
        head[-1] += f" · {esc(a.source)}"
    body = [esc(" ".join(shorten(f.text, DIGEST_FACT_CHARS) for f in item.summary))]
    if item.key_facts:
        body.append(tr("<i>Key facts:</i>"))
        body.extend(f"• {esc(shorten(f.text, DIGEST_FACT_CHARS))}" for f in item.key_facts)
    if folded:
        return "\n".join([*head, "<blockquote expandable>" + "\n".join(body) + "</blockquote>"])
    return "\n".join(head + body)


def chat_html(said: ChatReply, *, tr: Translate = ENGLISH) -> str:
    """Small talk, a summary, "who do you mean?" or "I understand English" (its examples go
    under it as buttons); ``tr`` translates the newsroom's words, never the article's."""
    if said.item is not None:
        return item_html(said.item, tr=tr)
    return esc(domain_texts.chat_text(said, tr=tr))


def digest_blocks(
    digest: Digest, *, heading: str, tr: Translate = ENGLISH, bot_username: str | None = None
) -> list[str]:
    """The heading and one block per article; a long digest folds each article's body, so the
    headlines read at a glance and a tap opens one. ``tr`` translates the frame (the heading
    comes translated), never the articles. With the bot's username each headline is a deep
    link to the article in the bot's private chat (``t.me/<bot>?start=article_ID``): from a
    group's digest too, a tap opens a conversation about it."""
    n = len(digest.items)
    count = tr("{n} new article") if n == 1 else tr("{n} new articles")
    head = f"<b>{esc(heading)}</b> · {count.format(n=n)}"
    urls = {
        i.article.id: links.link(bot_username, links.article_payload(i.article.id))
        if bot_username
        else None
        for i in digest.items
    }
    items = [item_html(i, tr=tr, link=urls[i.article.id]) for i in digest.items]
    if sum(utf16_len(i) for i in items) > LONG_DIGEST_CHARS:
        items = [item_html(i, folded=True, tr=tr, link=urls[i.article.id]) for i in digest.items]
    return [head, *items]


def place_of(sub: Subscriber) -> str:
    """The place a subscriber's times are said in: as they named it, else from the zone."""
    return sub.place or zone_label(sub.timezone)


def day_of(moment: dt.datetime, zone: str, *, now: dt.datetime, tr: Translate = ENGLISH) -> str:
    """ "today", "tomorrow" in the chat's language; a later day as "Mon 14 Dec" ("пн 14 дек."),
    with the year when it is not this one."""
    said = local_day(moment, zone, now=now)
    if said == "today":
        return tr("today")
    if said == "tomorrow":
        return tr("tomorrow")
    tz = ZoneInfo(zone)
    day = moment.astimezone(tz).date()
    pattern = i18n.WEEKDAY if day.year == now.astimezone(tz).year else i18n.WEEKDAY_YEAR
    return i18n.format_day(day, tr.language, pattern)


def frame_date(day: dt.date, *, tr: Translate = ENGLISH) -> str:
    """A date in the bot's own words ("since 1 March 2026"), in the chat's language."""
    return i18n.format_day(day, tr.language)


def schedule_html(sub: Subscriber, *, now: dt.datetime, tr: Translate = ENGLISH) -> str:
    """ "every day at 08:00 London time; next: tomorrow", or the instant mode; a pause on it
    on a line of its own."""
    if sub.mode == "instant":
        line = tr("a message as soon as an article is added")
    else:
        place = place_of(sub)
        zone = "" if zone_label(sub.timezone) == place else f" ({esc(sub.timezone)})"
        line = tr("every day at <b>{time}</b> {place} time{zone}").format(
            time=f"{sub.digest_time:%H:%M}", place=esc(place), zone=zone
        )
        if sub.next_due is not None:
            day = day_of(sub.next_due, sub.timezone, now=now, tr=tr)
            line += tr("; next: {day}").format(day=day)
    line += "."
    if sub.paused(now):
        line += "\n" + pause_html(sub, now=now, tr=tr)
    return line


def pause_html(sub: Subscriber, *, now: dt.datetime, tr: Translate = ENGLISH) -> str:
    if sub.paused_until is None:
        return tr("⏸ Paused until you send /resume.")
    local = sub.paused_until.astimezone(ZoneInfo(sub.timezone))
    day = day_of(sub.paused_until, sub.timezone, now=now, tr=tr)
    return tr("⏸ Paused until {day}, {time} {place} time. /resume ends it now.").format(
        day=day, time=f"{local:%H:%M}", place=esc(place_of(sub))
    )


def subscription_html(
    sub: Subscriber | None, *, default_tz: str, now: dt.datetime, tr: Translate = ENGLISH
) -> str:
    if sub is None or not sub.active:
        return tr(
            "You are not subscribed.\n"
            "<code>/subscribe 8am London</code>: a daily digest at your time "
            "(with no place, {zone} time)\n"
            "<code>/subscribe instant</code>: a message as soon as an article is added"
        ).format(zone=esc(zone_label(default_tz)))
    you_get = tr("You get {schedule}").format(schedule=schedule_html(sub, now=now, tr=tr))
    more = tr(
        "/subscribe to change it, /pause 7d for a break, /unsubscribe to stop, "
        "/digest for what is new now."
    )
    return f"{you_get}\n{more}"


def feeds_html(feeds: Sequence[Feed], *, tr: Translate = ENGLISH) -> str:
    if not feeds:
        return tr("No feeds yet. Add one with <code>/feeds add URL</code>.")
    n, language = len(feeds), tr.language  # not tr.… inside ngettext: Babel takes it for a call
    heading = i18n.ngettext(language, "{n} feed", "{n} feeds", n).format(n=n)
    lines = [f"<b>{heading}</b>"]
    for f in feeds:
        failures = i18n.ngettext(language, "{n} failure", "{n} failures", f.failures)
        state = (
            f" · ⚠️ {failures.format(n=f.failures)}: {esc(f.last_error or '')}"
            if f.failures
            else ""
        )
        lines.append(f"#{f.id} · {esc(f.title or '')} · {esc(f.url)}{state}")
    return "\n".join(lines)


_MODES = {"daily": N_("daily"), "instant": N_("instant")}


def stats_html(stats: Stats, *, tr: Translate = ENGLISH) -> str:
    """/stats for the bot's admins: the store, questions, feedback, digests, feeds, and what
    was asked and not answered (the questions as asked)."""
    subs = ", ".join(
        f"{tr(_MODES[mode]) if mode in _MODES else mode} {n}"
        for mode, n in sorted(stats.subscribers.items())
    )
    # one msgid, numbers apart from their nouns in Russian ("статей: 3"): no plural forms
    store = tr("{articles} articles · {facts} facts · {entities} entities").format(
        articles=stats.articles, facts=stats.facts, entities=stats.entities
    )
    lines = [
        tr("<b>Store</b>"),
        store,
        tr("Subscribers: {subscribers}").format(subscribers=subs or tr("none")),
        tr("<b>Questions</b> (24 h / 7 days)"),
        tr("answered {day} / {week}").format(day=stats.day.answered, week=stats.week.answered)
        + " · "
        + tr("declined {day} / {week}").format(day=stats.day.declined, week=stats.week.declined),
        f"👍 {stats.day.thumbs_up} / {stats.week.thumbs_up} · "
        f"👎 {stats.day.thumbs_down} / {stats.week.thumbs_down}",
        tr("<b>Digests</b> (24 h / 7 days)"),
        tr("sent {day} / {week}").format(day=stats.sends_day[0], week=stats.sends_week[0])
        + " · "
        + tr("failed {day} / {week}").format(day=stats.sends_day[1], week=stats.sends_week[1]),
    ]
    if stats.feeds:
        failing = [f for f in stats.feeds if f.failures]
        feeds = tr("<b>Feeds</b> {total}, failing {failing}")
        lines.append(feeds.format(total=len(stats.feeds), failing=len(failing)))
        lines.extend(
            f"#{f.id} {esc(f.url)}: {f.failures}× {esc(f.last_error or '')}" for f in failing
        )
    if stats.unanswered:
        lines.append(tr("<b>Most asked, not answered</b> (7 days)"))
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
