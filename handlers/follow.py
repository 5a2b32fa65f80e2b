"""/follow, /following, /unfollow and /timeline, their buttons, and what a follow notice
looks like (its delivery is ``handlers.notices``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers import buttons, i18n, render
from handlers.common import (
    blocking,
    command_args,
    keep_language,
    reply,
    topic_of,
    translator_for,
)
from handlers.context import TalksContext
from handlers.i18n import N_, Translate
from knowledge import (
    Entity,
    Fact,
    Follow,
    FollowNotice,
    Resolved,
    Timeline,
    TimelineEntry,
)

FOLLOW_USAGE = N_(
    "Whom or what? <code>/follow de Mistura</code>: a person, place or organisation the "
    "articles name. Each new article about them comes to you with what it says of them."
)
TIMELINE_USAGE = N_("Whom or what? <code>/timeline de Mistura</code>")
GONE = N_("The articles no longer name it.")
MAX_NAME_CHARS = 200
NOTICE_FACTS = 6  # a notice stays one message: the rest are a tap away (❓, /article)
NOTICE_FACT_CHARS = 400
PAGE_ENTRIES = 8  # a timeline page: 8 sentences of at most 300 characters fit one message
ENTRY_CHARS = 300
_BUTTON_CHARS = 40


# --- commands ------------------------------------------------------------------------------------


async def on_follow(update: Update, context: TalksContext) -> None:
    """/follow NAME: follow an entity, or choose among the ones the name may mean."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    name = command_args(message.text if message else None)[:MAX_NAME_CHARS]
    _ = await translator_for(update, context)
    if not name:
        await reply(update, context, _(FOLLOW_USAGE))
        return
    resolved = await blocking(context.services.newsroom.follows.resolve, name)
    if resolved.entity is None:
        datas = [buttons.follow(e.id, choice=True) for e in resolved.choices]
        text, markup = did_you_mean(resolved, datas, tr=_)
        await reply(update, context, text, markup=markup)
        return
    text, markup = await _follow(update, context, chat.id, resolved.entity.id)
    await reply(update, context, text, markup=markup)


async def on_follow_button(update: Update, context: TalksContext) -> None:
    """A "did you mean" of /follow (its message turns into the answer), or 🔔 Follow under a
    timeline (answered below it): followed."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    entity_id, choice = buttons.decode_follow(query.data)
    text, markup = await _follow(update, context, chat.id, entity_id)
    await query.answer()
    if choice and isinstance(query.message, Message):
        await context.services.sender.edit(query.message, text, markup)
    else:
        await reply(update, context, text, markup=markup)


async def on_following(update: Update, context: TalksContext) -> None:
    """/following: what the chat follows, each with its 🔕 button."""
    chat = update.effective_chat
    if chat is None:
        return
    follows = await blocking(context.services.newsroom.follows.following, chat.id)
    _ = await translator_for(update, context)
    await reply(update, context, following_html(follows, tr=_), markup=following_keyboard(follows))


async def on_unfollow(update: Update, context: TalksContext) -> None:
    """/unfollow NAME: stop following; alone, the list to choose from."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    name = command_args(message.text if message else None)[:MAX_NAME_CHARS]
    follows = context.services.newsroom.follows
    if not name:
        await on_following(update, context)
        return
    one, choices = await blocking(follows.find_followed, chat.id, name)
    _ = await translator_for(update, context)
    if one is not None:
        await blocking(follows.unfollow, chat.id, one.id)
        await reply(update, context, unfollowed_html(one, tr=_))
    elif choices:
        rows = [
            [InlineKeyboardButton(f"🔕 {_short(f.name)}", callback_data=buttons.unfollow(f.id))]
            for f in choices
        ]
        await reply(update, context, _("Which one?"), markup=InlineKeyboardMarkup(rows))
    else:
        text = _("You don't follow “{name}”. /following lists what you follow.")
        await reply(update, context, text.format(name=render.esc(name)))


async def on_unfollow_button(update: Update, context: TalksContext) -> None:
    """🔕 under a notice, a list or a confirmation: unfollowed; /following's list is redrawn."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    follow_id, on_list = buttons.decode_unfollow(query.data)
    follows = context.services.newsroom.follows
    gone = await blocking(follows.unfollow, chat.id, follow_id)
    _ = await translator_for(update, context)
    said = _("You no longer follow {name}.").format(name=gone.name) if gone else None
    await query.answer(said or _("Not followed any more."))
    if on_list and isinstance(query.message, Message):
        left = await blocking(follows.following, chat.id)
        await context.services.sender.edit(
            query.message, following_html(left, tr=_), following_keyboard(left)
        )
    elif gone is not None:
        await reply(update, context, unfollowed_html(gone, tr=_))


async def on_timeline(update: Update, context: TalksContext) -> None:
    """/timeline NAME: what the articles say about an entity, oldest first, a page at a time."""
    message = update.effective_message
    name = command_args(message.text if message else None)[:MAX_NAME_CHARS]
    _ = await translator_for(update, context)
    if not name:
        await reply(update, context, _(TIMELINE_USAGE))
        return
    follows = context.services.newsroom.follows
    resolved = await blocking(follows.resolve, name)
    if resolved.entity is None:
        datas = [buttons.timeline(e.id) for e in resolved.choices]
        text, markup = did_you_mean(resolved, datas, tr=_)
        await reply(update, context, text, markup=markup)
        return
    timeline = await blocking(follows.timeline, resolved.entity.id)
    if timeline is None:  # removed since the name was looked up
        await reply(update, context, _(GONE))
        return
    await reply(
        update, context, timeline_html(timeline, tr=_), markup=timeline_keyboard(timeline, tr=_)
    )


async def on_timeline_button(update: Update, context: TalksContext) -> None:
    """A page of a timeline (or a "did you mean" of /timeline): the message turns to it."""
    query = update.callback_query
    if query is None:
        return
    entity_id, page = buttons.decode_timeline(query.data)
    timeline = await blocking(context.services.newsroom.follows.timeline, entity_id)
    _ = await translator_for(update, context)
    if timeline is None:
        await query.answer(_(GONE))
        return
    await query.answer()
    text = timeline_html(timeline, page, tr=_)
    markup = timeline_keyboard(timeline, page, tr=_)
    if isinstance(query.message, Message):
        await context.services.sender.edit(query.message, text, markup)


async def _follow(
    update: Update, context: TalksContext, chat_id: int, entity_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    follows = context.services.newsroom.follows
    done = await blocking(follows.follow, chat_id, entity_id, thread_id=topic_of(update))
    entity = await blocking(follows.entity, entity_id)
    _ = await translator_for(update, context)
    if done is None or entity is None:
        return _("The articles no longer name that. /follow someone else?"), None
    await keep_language(update, context)  # the notices come with no update to read it from
    follow, new = done
    who = f"<b>{render.esc(entity.name)}</b>{_described(entity)}"
    said = (
        _(
            "🔔 You follow {who} now: each new article about them comes to you with what it "
            "says of them. /following lists what you follow."
        )
        if new
        else _("You already follow {who}.")
    )
    text = said.format(who=who)
    return text, InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("🕰 Timeline"), callback_data=buttons.timeline(entity.id)),
                InlineKeyboardButton(_("🔕 Unfollow"), callback_data=buttons.unfollow(follow.id)),
            ]
        ]
    )


# --- rendering (pure) ----------------------------------------------------------------------------


def did_you_mean(
    resolved: Resolved, datas: Sequence[str], *, tr: Translate = render.ENGLISH
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The choices a name may mean as buttons (one per ``datas``), or that it names nothing."""
    name = render.esc(resolved.name)
    if not resolved.choices:
        unknown = tr(
            "I don't know anyone or anything called “{name}” in the articles. "
            "/who NAME tells who someone is; /articles lists what I have read."
        )
        return unknown.format(name=name), None
    rows = [
        [InlineKeyboardButton(_button(e, tr=tr), callback_data=data)]
        for e, data in zip(resolved.choices, datas, strict=True)
    ]
    return tr("Whom do you mean by “{name}”?").format(name=name), InlineKeyboardMarkup(rows)


def following_html(follows: Sequence[Follow], *, tr: Translate = render.ENGLISH) -> str:
    if not follows:
        return tr("You follow no one yet. <code>/follow de Mistura</code>, say.")
    since = tr("since {date}")
    lines = [
        f"• <b>{render.esc(f.name)}</b> · "
        + since.format(date=render.frame_date(f.since.date(), tr=tr))
        for f in follows
    ]
    return "\n".join([tr("<b>You follow</b>"), *lines, tr("Tap one to unfollow it.")])


def following_keyboard(follows: Sequence[Follow]) -> InlineKeyboardMarkup | None:
    if not follows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"🔕 {_short(f.name)}", callback_data=buttons.unfollow(f.id, on_list=True)
                )
            ]
            for f in follows
        ]
    )


def unfollowed_html(follow: Follow, *, tr: Translate = render.ENGLISH) -> str:
    return tr("🔕 You no longer follow {name}.").format(name=f"<b>{render.esc(follow.name)}</b>")


def notice_html(notice: FollowNotice, *, tr: Translate = render.ENGLISH) -> str:
    """A new article about what the chat follows: the names, the article, and each of its
    sentences about them with their names in bold (the first ``NOTICE_FACTS``)."""
    a = notice.article
    names = ", ".join(f"<b>{render.esc(n)}</b>" for n in notice.names)
    meta = f"{render.frame_date(a.published, tr=tr)} · #{a.id}" + (
        f" · {render.esc(a.source)}" if a.source else ""
    )
    ids = {f.entity_id for f in notice.follows}
    shown = notice.facts[:NOTICE_FACTS]
    head = tr("🔔 {names} in a new article").format(names=names)
    lines = [head, f"<i>{render.esc(a.title)}</i>", meta]
    lines += [f"• {_marked(f, ids, NOTICE_FACT_CHARS)}" for f in shown]
    more = len(notice.facts) - len(shown)
    if more:
        lines.append(tr("… and {more} more: /article {id}").format(more=more, id=a.id))
    return "\n".join(lines)


def notice_keyboard(
    notice: FollowNotice, *, tr: Translate = render.ENGLISH
) -> InlineKeyboardMarkup:
    """❓ ask about the article, 🔗 its source; per followed name 🕰 its timeline, 🔕 unfollow."""
    article = notice.article
    first = [InlineKeyboardButton(tr("❓ Ask about it"), callback_data=buttons.about(article.id))]
    if article.url and article.url.startswith(("http://", "https://")):
        first.append(InlineKeyboardButton(tr("🔗 Source"), url=article.url))
    rows = [first]
    for f in notice.follows[:4]:
        row = [InlineKeyboardButton(f"🔕 {_short(f.name)}", callback_data=buttons.unfollow(f.id))]
        if f.entity_id is not None:
            row.insert(
                0,
                InlineKeyboardButton(
                    tr("🕰 Timeline"), callback_data=buttons.timeline(f.entity_id)
                ),
            )
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def timeline_html(timeline: Timeline, page: int = 0, *, tr: Translate = render.ENGLISH) -> str:
    """One page of a timeline: each sentence under its date (the date it names, resolved; or
    "reported" and its article's), then the titles of the articles on the page. ``tr``
    translates the frame and its dates, never the sentences."""
    entity, entries = timeline.entity, timeline.entries
    head = f"🕰 <b>{render.esc(entity.name)}</b>{_described(entity)}"
    if not entries:
        return f"{head}\n" + tr("The articles name it but say nothing more about it.")
    page = _page(timeline, page)
    shown = entries[page * PAGE_ENTRIES : (page + 1) * PAGE_ENTRIES]
    first = page * PAGE_ENTRIES + 1
    span = (
        tr("{first}–{last} of {total}").format(
            first=first, last=first + len(shown) - 1, total=len(entries)
        )
        if len(entries) > 1
        else "1"
    )
    said = tr("What the articles say, oldest first ({span}):").format(span=span)
    lines = [f"{head}\n{said}"]
    lines += [_entry(e, entity.id, tr=tr) for e in shown]
    articles = {e.article.id: e.article for e in shown}
    lines.append(
        "\n".join(
            f"#{a.id} <i>{render.esc(render.shorten(a.title, 80))}</i>" for a in articles.values()
        )
    )
    return "\n\n".join(lines)


def timeline_keyboard(
    timeline: Timeline, page: int = 0, *, tr: Translate = render.ENGLISH
) -> InlineKeyboardMarkup:
    """◀ Earlier and Later ▶ where there are more pages; 🔔 Follow."""
    page = _page(timeline, page)
    entity_id = timeline.entity.id
    row = []
    if page > 0:
        earlier = buttons.timeline(entity_id, page - 1)
        row.append(InlineKeyboardButton(tr("◀ Earlier"), callback_data=earlier))
    if (page + 1) * PAGE_ENTRIES < len(timeline.entries):
        later = buttons.timeline(entity_id, page + 1)
        row.append(InlineKeyboardButton(tr("Later ▶"), callback_data=later))
    follow = [InlineKeyboardButton(tr("🔔 Follow"), callback_data=buttons.follow(entity_id))]
    return InlineKeyboardMarkup([row, follow] if row else [follow])


def _page(timeline: Timeline, page: int) -> int:
    """``page`` within the timeline (an old button may point past its end)."""
    last = max(0, (len(timeline.entries) - 1) // PAGE_ENTRIES)
    return min(max(page, 0), last)


def _entry(entry: TimelineEntry, entity_id: int, *, tr: Translate = render.ENGLISH) -> str:
    if entry.when:
        when = resolved_date(entry.when, tr=tr)
    else:
        published = render.frame_date(entry.article.published, tr=tr)
        when = tr("reported {date}").format(date=published)
    said = _marked(entry.fact, {entity_id}, ENTRY_CHARS)
    return f"<b>{render.esc(when)}</b> · #{entry.article.id}\n{said}"


def resolved_date(iso: str, *, tr: Translate = render.ENGLISH) -> str:
    """A date a sentence names, resolved ("2017-07-14", "2017-07", "week of 2017-07-10"), as
    the chat's language says it; a year, or what does not parse, as it is."""
    if iso.startswith("week of "):
        start = resolved_date(iso.removeprefix("week of "), tr=tr)
        return tr("the week of {date}").format(date=start)
    try:
        if len(iso) == 10:
            return render.frame_date(dt.date.fromisoformat(iso), tr=tr)
        if len(iso) == 7:
            month = dt.date.fromisoformat(iso + "-01")
            return i18n.format_day(month, tr.language, i18n.MONTH)
    except ValueError:
        return iso
    return iso


def _marked(fact: Fact, entity_ids: set[int | None], limit: int) -> str:
    """A sentence, escaped and cut to ``limit``, its names of ``entity_ids`` in bold (not its
    pronouns: "he" in bold reads oddly)."""
    text = render.shorten(fact.text, limit)
    cut = len(text) - 1 if text != fact.text else len(text)
    spans = sorted(
        (m.start, m.end)
        for m in fact.mentions
        if m.entity_id in entity_ids and m.kind != "pronoun" and m.end <= cut
    )
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue  # overlapping mentions: the first one is bold
        out += [render.esc(text[at:start]), f"<b>{render.esc(text[start:end])}</b>"]
        at = end
    out.append(render.esc(text[at:]))
    return "".join(out)


def _described(entity: Entity) -> str:
    return f" ({render.esc(entity.descriptions[0])})" if entity.descriptions else ""


def _button(entity: Entity, *, tr: Translate = render.ENGLISH) -> str:
    """A choice's text: the name and what the articles call it, or its kind."""
    label = _KINDS.get(entity.label)
    kind = entity.descriptions[0] if entity.descriptions else tr(label) if label else ""
    return _short(f"{entity.name} · {kind}" if kind else entity.name)


def _short(text: str) -> str:
    return render.shorten(text, _BUTTON_CHARS)


_KINDS = {
    "PERSON": N_("a person"),
    "ORG": N_("an organisation"),
    "GPE": N_("a place"),
    "LOC": N_("a place"),
    "FAC": N_("a building or site"),
    "NORP": N_("a group or nationality"),
    "EVENT": N_("an event"),
}
