"""Telegram glue. ``register`` is the one place that lists the handlers and their order."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from handlers import (
    admin,
    ask,
    buttons,
    digests,
    errors,
    feeds,
    follow,
    groups,
    i18n,
    import_offer,
    info,
    inline,
    language,
    pause,
    subscribe,
)
from handlers.context import TalksApp
from handlers.i18n import N_

_COMMANDS = (
    ("ask", N_("Ask a question (in groups)")),
    ("who", N_("Who or what someone or something is")),
    ("articles", N_("The articles I have read")),
    ("article", N_("One article's summary and key facts")),
    ("subscribe", N_("Daily digest (8am London) or instant news")),
    ("settings", N_("Your subscription")),
    ("digest", N_("What is new now")),
    ("pause", N_("A break from digests (7d, 2w; alone: until /resume)")),
    ("resume", N_("Digests again after /pause")),
    ("unsubscribe", N_("Stop digests")),
    ("follow", N_("News about a person, place or organisation")),
    ("following", N_("What you follow")),
    ("unfollow", N_("Stop following")),
    ("timeline", N_("What the articles say about someone, oldest first")),
    ("language", N_("My language: English or Russian")),
    ("help", N_("What I can do")),
)
_ADMIN_COMMANDS = (
    ("load", N_("Add an article (text, reply or document)")),
    ("remove", N_("Remove an article")),
    ("stats", N_("Usage and delivery statistics")),
    ("feeds", N_("RSS/Atom feeds: list, add URL, remove ID")),
)


def commands(language: str, *, admin: bool = False) -> list[BotCommand]:
    """The command menu in a language (``handlers.i18n.LANGUAGES``); an admin's has theirs too."""
    _ = i18n.translator(language)
    listed = (*_COMMANDS, *_ADMIN_COMMANDS) if admin else _COMMANDS
    return [BotCommand(name, _(description)) for name, description in listed]


_LOAD_CAPTION = filters.CaptionRegex(r"^/load(?:@\w+)?(?:\s|$)")


def register(app: TalksApp) -> None:
    """Gates first (group -1), then commands, buttons and text; unknown commands last."""
    admin_update = (filters.COMMAND & filters.Regex(admin.ADMIN_COMMAND)) | (
        filters.Document.ALL & _LOAD_CAPTION
    )
    app.add_handler(MessageHandler(admin_update, admin.gate), group=-1)
    app.add_handler(CallbackQueryHandler(admin.gate, pattern=buttons.REMOVE), group=-1)
    app.add_handler(CallbackQueryHandler(admin.gate, pattern=buttons.IMPORT), group=-1)
    # after the gate: a /load-captioned file is the gate's; an admin's article otherwise
    pasted = filters.ChatType.PRIVATE & ~filters.COMMAND & (filters.TEXT | filters.Document.ALL)
    app.add_handler(MessageHandler(pasted, import_offer.offer), group=-1)
    group_change = filters.ChatType.GROUPS & filters.COMMAND & filters.Regex(groups.CHANGES)
    app.add_handler(MessageHandler(group_change, groups.gate), group=-1)
    app.add_handler(CallbackQueryHandler(groups.gate, pattern=groups.is_change_button), group=-1)

    app.add_handlers(
        [
            CommandHandler("start", info.on_start),
            CommandHandler("help", info.on_help),
            CommandHandler("ask", ask.on_ask),
            CommandHandler("who", info.on_who),
            CommandHandler("articles", info.on_articles),
            CommandHandler("article", info.on_article),
            CommandHandler("subscribe", subscribe.on_subscribe),
            CommandHandler("unsubscribe", subscribe.on_unsubscribe),
            CommandHandler("settings", subscribe.on_settings),
            CommandHandler("digest", subscribe.on_digest),
            CommandHandler("pause", pause.on_pause),
            CommandHandler("resume", pause.on_resume),
            CommandHandler("follow", follow.on_follow),
            CommandHandler("following", follow.on_following),
            CommandHandler("unfollow", follow.on_unfollow),
            CommandHandler("timeline", follow.on_timeline),
            CommandHandler("language", language.on_language),
            CommandHandler("load", admin.on_load),
            MessageHandler(filters.Document.ALL & _LOAD_CAPTION, admin.on_load),
            CommandHandler("remove", admin.on_remove),
            CommandHandler("stats", admin.on_stats),
            CommandHandler("feeds", feeds.on_feeds),
            CallbackQueryHandler(admin.on_remove_button, pattern=buttons.REMOVE),
            CallbackQueryHandler(import_offer.on_button, pattern=buttons.IMPORT),
            CallbackQueryHandler(ask.on_source, pattern=buttons.SOURCE),
            CallbackQueryHandler(ask.on_more, pattern=buttons.MORE),
            CallbackQueryHandler(ask.on_feedback, pattern=buttons.FEEDBACK),
            CallbackQueryHandler(ask.on_fact, pattern=buttons.FACT),
            CallbackQueryHandler(ask.on_example, pattern=buttons.QUESTION),
            CallbackQueryHandler(digests.on_about, pattern=buttons.ABOUT),
            CallbackQueryHandler(digests.on_unsubscribe_button, pattern=buttons.UNSUBSCRIBE),
            CallbackQueryHandler(subscribe.on_schedule_button, pattern=buttons.SCHEDULE),
            CallbackQueryHandler(subscribe.on_menu_button, pattern=buttons.MENU),
            CallbackQueryHandler(subscribe.on_locate_button, pattern=buttons.LOCATE),
            CallbackQueryHandler(follow.on_follow_button, pattern=buttons.FOLLOW),
            CallbackQueryHandler(follow.on_unfollow_button, pattern=buttons.UNFOLLOW),
            CallbackQueryHandler(follow.on_timeline_button, pattern=buttons.TIMELINE),
            CallbackQueryHandler(language.on_language_button, pattern=buttons.LANGUAGE),
            CallbackQueryHandler(errors.on_unknown_button),  # stale or forged data
            InlineQueryHandler(inline.on_inline),
            MessageHandler(filters.ChatType.PRIVATE & filters.LOCATION, subscribe.on_location),
            MessageHandler(
                filters.ChatType.PRIVATE & filters.Text(subscribe.not_now_texts()),
                subscribe.on_not_now,
            ),
            MessageHandler(
                filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, ask.on_private_text
            ),
            MessageHandler(
                filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, ask.on_group_text
            ),
            MessageHandler(filters.COMMAND, errors.on_unknown_command),
            MessageHandler(
                filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                errors.on_other,
            ),
        ]
    )
    app.add_error_handler(errors.on_error)
