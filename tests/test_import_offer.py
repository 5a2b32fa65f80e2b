"""An admin's article sent without /load: "Load it as an article?" with buttons, through the real
bot and the fake Bot API. Yes loads it (text, file or link); No changes nothing; anyone else's
text, and an admin's question, are answered as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from handlers import buttons as kinds
from knowledge import Newsroom
from tests.botkit import ADMIN, USER, Clock, running_bot, settings_for
from tests.conftest import DATA
from tests.fake_bot_api import FakeBotApi
from tests.site import Site, serving
from tests.test_bot import ask, buttons, message_id

OFFER = [kinds.IMPORT_YES, kinds.IMPORT_NO]


def pasted() -> str:
    """The body of a test article, as an admin would paste it (no metadata lines)."""
    return (DATA / "harbour_council.txt").read_text().split("\n\n", 1)[1]


def questions(newsroom: Newsroom) -> int:
    """Questions logged today (what /stats counts)."""
    day = newsroom.stats().day
    return day.answered + day.declined


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


async def test_pasted_text_is_offered_and_no_changes_nothing(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        sent = await fake.user_says(ADMIN, pasted())
        offer = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=10)
        assert buttons(offer) == OFFER
        assert "Load it as an article?" in offer.params["text"]
        assert "Councillors in Port Ellery" in offer.params["text"]  # which message is meant
        assert offer.response["reply_to_message"]["message_id"] == sent["message"]["message_id"]
        assert questions(newsroom) == 0, "not answered as a question"

        await fake.user_presses(ADMIN, message_id(offer), kinds.IMPORT_NO)
        declined = await fake.next_call("editMessageText", chat_id=ADMIN, ok=True)
        assert declined.params["text"] == "Not loaded."
        assert "reply_markup" not in fake.message(ADMIN, message_id(offer))
        assert len(newsroom.articles()) == 1
        assert questions(newsroom) == 0

        # anyone else's long text is a question, as before (here: too long for one)
        answered = await ask(fake, USER, pasted())
        assert "Load it as an article?" not in answered.params["text"]
        assert not any(kinds.IMPORT.match(d) for d in buttons(answered))
        # and an admin's question is answered
        answer = await ask(fake, ADMIN, "who is de mistura?")
        assert "Mistura" in answer.params["text"]
        assert buttons(answer) != OFFER


async def test_yes_loads_pasted_text_and_a_file_sent_without_load(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await fake.user_says(ADMIN, pasted())
        offer = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=10)

        answer = await ask(fake, USER, "who is de mistura?")  # a forged button under it:
        await fake.user_presses(USER, message_id(answer), kinds.IMPORT_YES, check=False)
        refused = await fake.next_call("answerCallbackQuery")
        assert "only the bot's admins" in refused.params.get("text", "")
        assert len(newsroom.articles()) == 1

        await fake.user_presses(ADMIN, message_id(offer), kinds.IMPORT_YES)
        loading = await fake.next_call("editMessageText", chat_id=ADMIN, ok=True)
        assert "Loading" in loading.params["text"]
        loaded = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=20)
        assert "Loaded #2" in loaded.params["text"]
        assert "Port Ellery" in loaded.params["text"]

        doc = fake.add_file(pasted().encode(), "ferry.txt", "text/plain")
        await fake.user_sends_document(ADMIN, doc)
        offer = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=10)
        assert "ferry.txt" in offer.params["text"]
        await fake.user_presses(ADMIN, message_id(offer), kinds.IMPORT_YES)
        again = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=20)
        assert "already stored" in again.params["text"], "the same text, by file"
        assert len(newsroom.articles()) == 2

        photo = fake.add_file(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "image/png")
        await fake.user_sends_document(ADMIN, photo)
        other = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True)
        assert buttons(other) == [], "no offer for a file that is no article"
        assert questions(newsroom) == 1, "the user's question alone"


async def test_yes_loads_a_lone_link(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock, site: Site
) -> None:
    settings = settings_for(fake, db, fetch_allow_hosts=frozenset({"127.0.0.1"}))
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        await fake.user_says(ADMIN, f"{site.base}/news/40")
        offer = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=10)
        assert buttons(offer) == OFFER
        assert "link" in offer.params["text"]
        await fake.user_presses(ADMIN, message_id(offer), kinds.IMPORT_YES)
        loaded = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=20)
        assert "Loaded #2" in loaded.params["text"]
        assert len(newsroom.articles()) == 2
        assert questions(newsroom) == 0


def test_the_offers_buttons_are_a_kind_of_their_own() -> None:
    for data in OFFER:
        assert [p for p in kinds.KINDS if p.match(data)] == [kinds.IMPORT], data
    assert not kinds.IMPORT.match("imp:maybe")
