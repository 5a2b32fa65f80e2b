"""Groups: only the group's own admins (Telegram's: its creator and administrators) change its
subscription and what it follows; the forum topic it subscribes in is where its digests go.

The gate runs before the other handlers (group -1), as the bot admins' gate does: a member who
is not an admin gets a polite refusal and the update stops there, so nothing changes.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from handlers import buttons
from handlers.common import blocking, is_group, reply, topic_of, translator_for
from handlers.context import TalksContext
from handlers.i18n import N_

log = logging.getLogger(__name__)

CHANGES = re.compile(
    r"^/(?:subscribe|unsubscribe|pause|resume|follow|unfollow|language)(?:@\w+)?(?:\s|$)",
    re.IGNORECASE,
)
_SUBSCRIBE = re.compile(r"^/subscribe(?:@\w+)?(?:\s|$)", re.IGNORECASE)
_CHANGE_BUTTONS = (
    buttons.SCHEDULE,
    buttons.MENU,
    buttons.LOCATE,
    buttons.UNSUBSCRIBE,
    buttons.FOLLOW,
    buttons.UNFOLLOW,
    buttons.LANGUAGE,
)
_ADMINS = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
REFUSAL = N_("Only this group's admins can change its subscription and what it follows.")


def is_change_button(data: object) -> bool:
    """Callback data of a button that changes a subscription or a follow."""
    return isinstance(data, str) and any(p.match(data) for p in _CHANGE_BUTTONS)


async def gate(update: Update, context: TalksContext) -> None:
    """In a group, stop a change from anyone but its admins; remember the topic a group
    subscribes in, for its digests."""
    chat = update.effective_chat
    if chat is None or not is_group(update):
        return
    if not await _may_change(update, context):
        _ = await translator_for(update, context)  # the group's language, else the member's
        query = update.callback_query
        if query is not None:
            await query.answer(_(REFUSAL), show_alert=True)
        else:
            await reply(update, context, _(REFUSAL))
        raise ApplicationHandlerStop
    message, query = update.effective_message, update.callback_query
    subscribing = (
        buttons.SCHEDULE.match(query.data or "") is not None
        if query is not None
        else message is not None and _SUBSCRIBE.match(message.text or "") is not None
    )
    if subscribing:
        await blocking(context.services.newsroom.topics.set, chat.id, topic_of(update))


async def _may_change(update: Update, context: TalksContext) -> bool:
    """A group admin, an anonymous one (writing as the group), or one of the bot's admins."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None:
        return False
    if context.services.is_admin(user.id):
        return True
    if update.callback_query is None and message is not None and message.sender_chat:
        return message.sender_chat.id == chat.id
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as e:  # not asked: refused, and the group can try again
        log.warning("could not ask whether %s is an admin of %s: %s", user.id, chat.id, e)
        return False
    return member.status in _ADMINS
