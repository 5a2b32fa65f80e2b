"""Feeds and URLs end to end, against a news site served on 127.0.0.1: through the CLI (a
subprocess, as a user runs it) and through the bot (the fake Bot API)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from tests.botkit import ADMIN, START, USER, Clock, make_template, running_bot, settings_for
from tests.fake_bot_api import FakeBotApi
from tests.site import Site, serving
from tests.test_bot import ask
from tests.test_fetch import PageServer

BIN = Path(sys.executable).parent / "talks-bot"


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


def talks_bot(*args: str, db: Path, allow: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TALKS_DATABASE_URL": f"sqlite:///{db}", "TALKS_LOG_LEVEL": "WARNING"}
    env.pop("TALKS_FETCH_ALLOW_HOSTS", None)
    if allow:
        env["TALKS_FETCH_ALLOW_HOSTS"] = "127.0.0.1"
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, env=env, timeout=180, check=False
    )


def test_cli_feeds_add_poll_list(site: Site, tmp_path: Path) -> None:
    db = tmp_path / "talks.db"
    site.entries = [0, 1, -1, 2]  # -1 is a broken link (404): the others still load
    refused = talks_bot("feeds", "add", site.feed_url, db=db, allow=False)
    assert refused.returncode == 1
    assert "private address" in refused.stderr
    added = talks_bot("feeds", "add", site.feed_url, db=db)
    assert added.returncode == 0, added.stderr
    assert "Added feed #1: Coast Courier" in added.stdout
    polled = talks_bot("feeds", "poll", db=db)
    assert "#1: 3 loaded, 0 duplicates, 1 failed (ok)" in polled.stdout, polled.stderr
    listing = talks_bot("articles", db=db)
    assert listing.stdout.count("(report") == 3
    again = talks_bot("feeds", "poll", db=db)
    assert "0 loaded" in again.stdout
    assert "not modified" in again.stdout
    feeds = talks_bot("feeds", "list", db=db)
    assert site.feed_url in feeds.stdout


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


async def test_bot_feeds_and_load_url(
    fake: FakeBotApi, site: Site, nlp: Language, tmp_path: Path
) -> None:
    clock = Clock(START)
    db = make_template(nlp, tmp_path / "talks.db", clock)
    settings = settings_for(fake, db, fetch_allow_hosts=frozenset({"127.0.0.1"}))
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe instant")
        refused = await ask(fake, USER, f"/feeds add {site.feed_url}")
        assert "only the bot's admins" in refused.params["text"]

        loaded = await ask(fake, ADMIN, f"/load {site.base}/news/40")
        assert "Loaded #2" in loaded.params["text"]
        missing = await ask(fake, ADMIN, f"/load {site.base}/news/-1")
        assert "answered 404" in missing.params["text"]

        added = await ask(fake, ADMIN, f"/feeds add {site.feed_url}")
        assert "Added feed #1" in added.params["text"]
        assert "polling it now" in added.params["text"], "this process leads (SQLite): it polls"
        notices = []
        while sum(t.count("(report") for t in notices) < 4:  # the page loaded by hand + 3
            call = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=30)
            notices.append(call.params["text"])
        assert len(newsroom.articles()) == 1 + 1 + 3
        listing = await ask(fake, ADMIN, "/feeds")
        assert "Coast Courier" in listing.params["text"]
        stats = await ask(fake, ADMIN, "/stats")
        assert "Feeds</b> 1, failing 0" in stats.params["text"]
        bad = await ask(fake, ADMIN, "/feeds remove x")
        assert "/feeds add URL" in bad.params["text"]
        removed = await ask(fake, ADMIN, "/feeds remove 1")
        assert "Removed feed #1" in removed.params["text"]


async def test_bot_load_url_failures_store_nothing(
    fake: FakeBotApi, nlp: Language, tmp_path: Path
) -> None:
    """Every kind of bad link, through the bot: a clear reply, nothing stored."""
    clock = Clock(START)
    db = make_template(nlp, tmp_path / "talks.db", clock)
    pages = PageServer()
    pages.start()
    try:
        settings = settings_for(
            fake,
            db,
            fetch_allow_hosts=frozenset({"127.0.0.1"}),
            fetch_max_bytes=10_000,
            fetch_timeout_seconds=2.0,
        )
        cases = {
            "/image.png": "not a web page (image/png)",
            "/big": "too large",
            "/big-chunked": "too large",
            "/slow": "took too long",
            "/loop": "redirects too many times",
            "/to-private": "private address (10.0.0.1)",
            "/to-metadata": "cloud metadata address",
            "/fr/marche": "English",
            "/server-error": "answered 500",
        }
        async with running_bot(settings, nlp, clock) as (_, newsroom):
            for path, message in cases.items():
                answer = await ask(fake, ADMIN, f"/load {pages.url(path)}")
                assert message in answer.params["text"], (path, answer.params["text"])
                assert answer.params["text"].startswith("Not loaded")
            assert len(newsroom.articles()) == 1
            ok = await ask(fake, ADMIN, f"/load {pages.url('/news/skerry-ferry')}")
            assert "Loaded #2" in ok.params["text"]
    finally:
        pages.stop()
