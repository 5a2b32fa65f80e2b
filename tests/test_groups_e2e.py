"""Groups and forum topics end to end, through the real bot and the fake Bot API: answers go to
the topic they were asked in, a group's digests to the topic it subscribed in and a follow's
notices to the topic it was made in; only the group's admins change its subscription or what it
follows (Telegram's getChatMember says who they are)."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from handlers.groups import REFUSAL
from tests.botkit import ADMIN, Clock, running_bot, settings_for
from tests.fake_bot_api import Call, FakeBotApi
from tests.test_follow_e2e import until
from tests.test_following import VISIT

FORUM = -100500
TOPIC, OTHER_TOPIC = 7, 9
MEMBER, OWNER = 2001, 2002
GROUP = -100600  # a group without topics


async def said(fake: FakeBotApi, chat: int, text: str, user: int, thread: int | None) -> Call:
    await fake.user_says(chat, text, user_id=user, thread_id=thread)
    return await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)


def message_id(call: Call) -> int:
    return int(call.response["message_id"])


async def test_in_a_forum_replies_digests_and_notices_go_to_their_topics(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        fake.make_admin(FORUM, OWNER)
        answer = await said(fake, FORUM, "/ask who is Xie Xiaoyan?", MEMBER, TOPIC)
        assert "Xie" in answer.params["text"]
        assert answer.params.get("message_thread_id") == TOPIC
        assert answer.response["is_topic_message"] is True

        for change in ("/subscribe instant", "/follow Macron", "/pause 7d", "/unsubscribe"):
            refused = await said(fake, FORUM, change, MEMBER, TOPIC)
            assert refused.params["text"] == REFUSAL, change
            assert refused.params.get("message_thread_id") == TOPIC
        assert newsroom.subscriber(FORUM) is None
        assert newsroom.follows.following(FORUM) == []
        anyone = await said(fake, FORUM, "/timeline Macron", MEMBER, TOPIC)
        assert "Emmanuel Macron" in anyone.params["text"], "reading is everyone's"

        done = await said(fake, FORUM, "/subscribe instant", OWNER, TOPIC)
        assert "as soon as an article is added" in done.params["text"]
        followed = await said(fake, FORUM, "/follow Macron", OWNER, OTHER_TOPIC)
        assert followed.params.get("message_thread_id") == OTHER_TOPIC

        newsroom.load_text(VISIT)
        first = await fake.next_call("sendMessage", chat_id=FORUM, ok=True, timeout=10)
        second = await fake.next_call("sendMessage", chat_id=FORUM, ok=True, timeout=10)
        by_kind = {
            "digest" if "What's new" in c.params["text"] else "notice": c for c in (first, second)
        }
        assert by_kind["digest"].params.get("message_thread_id") == TOPIC
        assert by_kind["notice"].params.get("message_thread_id") == OTHER_TOPIC
        assert "in a new article" in by_kind["notice"].params["text"]

        digest = by_kind["digest"]
        await fake.user_presses(FORUM, message_id(digest), "unsub", user_id=MEMBER)
        await fake.next_call("answerCallbackQuery", text=REFUSAL)
        sub = newsroom.subscriber(FORUM)
        assert sub is not None
        assert sub.active, "a member's 🔕 changed nothing"

        moved = await said(fake, FORUM, "/subscribe instant", OWNER, None)  # the General topic
        assert "message_thread_id" not in moved.params
        assert newsroom.topics.get(FORUM) is None


async def test_a_group_without_topics_and_the_bots_own_admins(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        refused = await said(fake, GROUP, "/follow Macron", MEMBER, None)
        assert refused.params["text"] == REFUSAL
        assert "message_thread_id" not in refused.params
        by_bot_admin = await said(fake, GROUP, "/subscribe 9am Berlin", ADMIN, None)
        assert "09:00</b> Berlin time" in by_bot_admin.params["text"]
        fake.make_admin(GROUP, MEMBER)
        followed = await said(fake, GROUP, "/follow Macron", MEMBER, None)
        assert "You follow <b>Emmanuel Macron</b>" in followed.params["text"]
        private = await said(fake, MEMBER, "/subscribe instant", MEMBER, None)
        assert "as soon as" in private.params["text"], "in private, one's own to change"
        assert [f.name for f in newsroom.follows.following(GROUP)] == ["Emmanuel Macron"]


async def test_a_deleted_topic_sends_to_the_chat_itself_from_then_on(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        fake.make_admin(FORUM, OWNER)
        await said(fake, FORUM, "/subscribe instant", OWNER, TOPIC)
        await said(fake, FORUM, "/follow Macron", OWNER, OTHER_TOPIC)
        fake.delete_topic(FORUM, TOPIC)
        fake.delete_topic(FORUM, OTHER_TOPIC)
        newsroom.load_text(VISIT)
        sent = [await fake.next_call("sendMessage", chat_id=FORUM, ok=True, timeout=10)]
        sent.append(await fake.next_call("sendMessage", chat_id=FORUM, ok=True, timeout=10))
        assert {"What's new" in c.params["text"] for c in sent} == {True, False}
        assert all("message_thread_id" not in c.params for c in sent), "in the chat itself"
        tries = fake.calls("sendMessage", chat_id=FORUM, message_thread_id=TOPIC)
        assert [c.ok for c in tries] == [True, False], "the confirmation, then one refused try"
        await until(lambda: newsroom.topics.get(FORUM) is None)
        await until(lambda: newsroom.follows.following(FORUM)[0].thread_id is None)


async def test_digest_asked_for_comes_to_the_topic_it_was_asked_in(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        fake.make_admin(FORUM, OWNER)
        await said(fake, FORUM, "/subscribe 9pm Berlin", OWNER, TOPIC)
        assert newsroom.topics.get(FORUM) == TOPIC
        newsroom.load_text(VISIT)
        asked = await said(fake, FORUM, "/digest", MEMBER, OTHER_TOPIC)
        assert "What's new" in asked.params["text"]
        assert asked.params.get("message_thread_id") == OTHER_TOPIC
