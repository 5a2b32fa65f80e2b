"""The Sender keeps Telegram's pace in one chat (TALKS_SEND_CHAT_INTERVAL_SECONDS, a second by
default): the parts of a long message and a message right after another are that far apart,
while another chat is not kept waiting. Against the fake Bot API (its own check of the limit is
Telegram's second, so it is off here, where the interval is shorter)."""

from __future__ import annotations

import itertools

import telegram

from bot.config import Settings
from handlers.send import PER_CHAT_INTERVAL, Sender
from tests.fake_bot_api import FakeBotApi

INTERVAL = 0.3  # shorter than Telegram's second, so the test is quick; the logic is the same


async def test_messages_to_one_chat_keep_the_interval_and_others_do_not_wait(
    fake: FakeBotApi,
) -> None:
    sender = Sender(attempts=1, backoff=0.01, chat_interval=INTERVAL)
    paragraph = "A sentence of the article, long enough to fill a line or two. " * 20
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        long = await sender.send(bot, 11, [paragraph] * 6)  # over 4,096 characters: parts
        other = await sender.send(bot, 22, ["another chat"])
        again = await sender.send(bot, 11, ["right after"])
    assert long.sent
    assert other.sent
    assert again.sent
    to_11 = [c.time for c in fake.calls("sendMessage") if c.params["chat_id"] == 11]
    assert len(to_11) >= 3, "the long message went in parts, then one more"
    gaps = [b - a for a, b in itertools.pairwise(to_11)]
    assert all(gap >= INTERVAL - 0.01 for gap in gaps), gaps
    to_22 = next(c.time for c in fake.calls("sendMessage") if c.params["chat_id"] == 22)
    assert to_22 - to_11[-2] < INTERVAL, "another chat is sent to at once"


def test_the_default_is_telegrams_second() -> None:
    settings = Settings(_env_file=None, bot_token="1:x")  # type: ignore[call-arg]
    assert settings.send_chat_interval_seconds == PER_CHAT_INTERVAL == 1.0
    assert Sender().chat_interval == PER_CHAT_INTERVAL
