"""/subscribe (as people say it: "8am London", "tokyo 9"), its picker and "did you mean" buttons,
a shared location, /unsubscribe, /settings and /digest."""

from __future__ import annotations

import datetime as dt

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType

from handlers import buttons, domain_texts, i18n, render
from handlers.common import (
    blocking,
    chat_language,
    command_args,
    keep_language,
    reply,
    topic_of,
    translator_for,
    username_of,
)
from handlers.context import Services, TalksContext
from handlers.delivery import Delivery, deliver
from handlers.i18n import N_, Translate
from knowledge import (
    Place,
    ScheduleError,
    UnknownPlaceError,
    Wish,
    parse_subscription,
    zone_at,
    zone_label,
)

USAGE = N_(
    "Write it as you would say it: <code>/subscribe 8am London</code>, "
    "<code>/subscribe 20:00 New York</code>, <code>/subscribe tokyo 9</code>, "
    "or <code>/subscribe instant</code> for news as it comes."
)
PICKER_TIMES = (dt.time(7), dt.time(8), dt.time(9), dt.time(12), dt.time(18), dt.time(21))
NOT_NOW = N_("✖️ Not now")  # the location keyboard's way out: a text, so each language's
_SHARE = N_("📍 Share my location")
STALE = N_("That button no longer works.")


def not_now_texts() -> list[str]:
    """✖️ Not now in each language (the text the keyboard sends back, for its filter)."""
    return sorted({i18n.translator(language)(NOT_NOW) for language in i18n.LANGUAGES})


async def on_subscribe(update: Update, context: TalksContext) -> None:
    """/subscribe [TIME] [PLACE] | instant; alone, a picker."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    services = context.services
    args = command_args(message.text)
    current = await _current(services, chat.id)
    _ = await translator_for(update, context)
    if not args:
        text, markup = _picker(current, private=_private(update), tr=_)
        await reply(update, context, text, markup=markup)
        return
    try:
        wish = await blocking(
            parse_subscription,
            args,
            default_time=current.at,
            default_tz=current.zone,
            default_place=current.place,
        )
    except UnknownPlaceError as e:
        text, suggestions = _did_you_mean(e, tr=_)
        await reply(update, context, text, markup=suggestions)
        return
    except ScheduleError as e:
        said = render.esc(domain_texts.error_text(e, tr=_))
        await reply(update, context, f"{said}\n{_(USAGE)}")
        return
    await keep_language(update, context)
    await reply(update, context, await _subscribed(services, chat.id, wish, tr=_))


async def on_schedule_button(update: Update, context: TalksContext) -> None:
    """A time of the picker, a "did you mean" place, or instant news: subscribed, and the
    message that offered it says so."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    at, place = buttons.decode_schedule(query.data)
    services = context.services
    current = await _current(services, chat.id)
    _ = await translator_for(update, context)
    try:
        wish = await blocking(
            parse_subscription,
            place or "",
            default_time=at or current.at,
            default_tz=current.zone,
            default_place=current.place,
        )
    except ScheduleError:  # a place GeoNames no longer knows: as any stale button
        await query.answer(_(STALE))
        return
    if at is None:
        wish = wish._replace(mode="instant")
    await query.answer()
    await keep_language(update, context)
    text = await _subscribed(services, chat.id, wish, tr=_)
    if isinstance(query.message, Message):
        await services.sender.edit(query.message, text)


async def on_menu_button(update: Update, context: TalksContext) -> None:
    """🕗 Change time under a digest: the picker."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    await query.answer()
    current = await _current(context.services, chat.id)
    _ = await translator_for(update, context)
    text, markup = _picker(current, private=_private(update), tr=_)
    await reply(update, context, text, markup=markup)


async def on_locate_button(update: Update, context: TalksContext) -> None:
    """📍 Use my location: Telegram asks for it only through a reply keyboard."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    _ = await translator_for(update, context)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(_(_SHARE), request_location=True)], [KeyboardButton(_(NOT_NOW))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    text = _("Share your location and I'll use its time zone (only the zone is kept).")
    await reply(update, context, text, markup=keyboard)


async def on_location(update: Update, context: TalksContext) -> None:
    """A shared location (private chats): its time zone, the digest time kept."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or message.location is None:
        return
    where = message.location
    zone = await blocking(zone_at, where.latitude, where.longitude)
    _ = await translator_for(update, context)
    if zone is None:
        text = _("I could not find a time zone there. Try <code>/subscribe 8am London</code>.")
        await reply(update, context, text, markup=ReplyKeyboardRemove())
        return
    services = context.services
    current = await _current(services, chat.id)
    wish = Wish(current.mode, current.at, zone, zone_label(zone))
    await keep_language(update, context)
    text = await _subscribed(services, chat.id, wish, tr=_)
    await reply(update, context, text, markup=ReplyKeyboardRemove())


async def on_not_now(update: Update, context: TalksContext) -> None:
    """✖️ Not now on the location keyboard: the keyboard goes, nothing changes."""
    _ = await translator_for(update, context)
    await reply(update, context, _("OK, nothing changed."), markup=ReplyKeyboardRemove())


async def on_unsubscribe(update: Update, context: TalksContext) -> None:
    """/unsubscribe: no more digests."""
    chat = update.effective_chat
    if chat is None:
        return
    stopped = await blocking(context.services.newsroom.unsubscribe, chat.id)
    _ = await translator_for(update, context)
    text = _("Unsubscribed: no more digests.") if stopped else _("You were not subscribed.")
    await reply(update, context, text)


async def on_settings(update: Update, context: TalksContext) -> None:
    """/settings: the current subscription."""
    chat = update.effective_chat
    if chat is None:
        return
    newsroom = context.services.newsroom
    sub = await blocking(newsroom.subscriber, chat.id)
    default_tz = context.services.default_tz
    language = await chat_language(update, context)
    _ = i18n.translator(language)
    text = render.subscription_html(sub, default_tz=default_tz, now=newsroom.now(), tr=_)
    said = _("Language: {language} (/language changes it)")
    await reply(update, context, f"{text}\n{said.format(language=i18n.LANGUAGES[language])}")


async def on_digest(update: Update, context: TalksContext) -> None:
    """/digest: what is new for this chat now (recorded, so the daily digest won't repeat it;
    sent during a pause too: it was asked for)."""
    chat = update.effective_chat
    if chat is None:
        return
    newsroom = context.services.newsroom
    sub = await blocking(newsroom.subscriber, chat.id)
    _ = await translator_for(update, context)
    if sub is None or not sub.active:
        digest = await blocking(newsroom.latest_digest)
        blocks = render.digest_blocks(
            digest, heading=_("Latest articles"), tr=_, bot_username=username_of(context.bot)
        )
        note = _("Subscribe with /subscribe to get what is new every day.")
        await reply(update, context, [*blocks, note] if digest else _("No articles yet."))
        return
    done = await deliver(
        context.bot,
        context.services,
        chat.id,
        scheduled=False,
        asked=True,
        asked_in=topic_of(update),
    )
    if done is Delivery.NOTHING_NEW:
        await reply(update, context, _("Nothing new since your last digest."))
    elif done is Delivery.FAILED:  # Telegram refused it or could not be reached: say so
        await reply(
            update, context, _("Your digest could not be sent just now: try /digest later.")
        )
    elif done is Delivery.BUSY:  # the scheduled one is on its way (from another process)
        await reply(update, context, _("Your digest is being sent right now."))


# --- helpers -----------------------------------------------------------------------------------


async def _current(services: Services, chat_id: int) -> Wish:
    """What a request leaves out is kept from the chat's subscription (or the settings)."""
    sub = await blocking(services.newsroom.subscriber, chat_id)
    if sub is None or not sub.active:
        return Wish("daily", services.default_time, services.default_tz, None)
    return Wish(sub.mode, sub.digest_time, sub.timezone, sub.place)


async def _subscribed(
    services: Services, chat_id: int, wish: Wish, *, tr: Translate = render.ENGLISH
) -> str:
    newsroom = services.newsroom
    sub = await blocking(
        newsroom.subscribe,
        chat_id,
        mode=wish.mode,
        at=wish.at,
        timezone=wish.zone,
        place=wish.place,
    )
    schedule = render.schedule_html(sub, now=newsroom.now(), tr=tr)
    text = tr("Subscribed: {schedule}").format(schedule=schedule)
    if sub.mode == "daily" and sub.place is None:
        hint = tr(
            "Times are {place} time: for yours, write <code>/subscribe 8am London</code> "
            "with your city."
        )
        text += "\n" + hint.format(place=render.esc(render.place_of(sub)))
    return text


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def _picker(
    current: Wish, *, private: bool, tr: Translate = render.ENGLISH
) -> tuple[str, InlineKeyboardMarkup]:
    """A few times in the chat's zone, instant news, and (in private) the location."""
    place = current.place or zone_label(current.zone)
    times = [
        InlineKeyboardButton(f"{t:%H:%M}", callback_data=buttons.schedule(t)) for t in PICKER_TIMES
    ]
    rows = [times[:3], times[3:]]
    instant = InlineKeyboardButton(tr("⚡ As news comes"), callback_data=buttons.schedule(None))
    rows.append([instant])
    if private:
        locate = InlineKeyboardButton(tr("📍 Use my location"), callback_data=buttons.LOCATE_DATA)
        rows.append([locate])
    when = tr("When should your daily digest come? The times are {place} time.")
    text = f"{when.format(place=render.esc(place))}\n{tr(USAGE)}"
    return text, InlineKeyboardMarkup(rows)


def _did_you_mean(
    error: UnknownPlaceError, *, tr: Translate = render.ENGLISH
) -> tuple[str, InlineKeyboardMarkup | None]:
    wish = error.wish
    at = None if wish.mode == "instant" else wish.at
    rows = [
        [InlineKeyboardButton(_place_button(p, tr=tr), callback_data=data)]
        for p in error.suggestions
        if (data := buttons.schedule(at, p.name)) is not None
    ]
    text = tr("I don't know the place “{place}”.").format(place=render.esc(error.text))
    if rows:
        offer = tr("Did you mean one of these?")
        return f"{text} {offer}", InlineKeyboardMarkup(rows)
    return f"{text}\n{tr(USAGE)}", None


def _place_button(place: Place, *, tr: Translate = render.ENGLISH) -> str:
    label = zone_label(place.zone)
    if label == place.name:
        return place.name
    return tr("{place} ({zone} time)").format(place=place.name, zone=label)
