"""Real replicas: two ``talks-bot run --webhook`` processes on one PostgreSQL database, with
updates posted to each as Telegram would and the fake Bot API behind both. An article loaded
through one is answered by the other within 5 s; a crowd of subscribers due at once each get
their digest, and a leader killed with SIGKILL mid-round loses nobody (the one send it may have
had in flight when it died is the documented repeat: at most one)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from spacy.language import Language

from knowledge import Newsroom
from knowledge.storage.store import Store
from knowledge.storage.subscribers import Subscribers
from tests.botkit import ADMIN
from tests.conftest import DATA
from tests.factories import make_chat, make_message, make_update, make_user
from tests.fake_bot_api import FakeBotApi
from tests.test_run import EXE, env_for, free_port

SECRET = "replica-secret"
SUBSCRIBERS = 300  # at 30 messages/s: about ten seconds of sends
USER = 1001
_update_ids = itertools.count(1)


@dataclass
class Replica:
    name: str
    port: int
    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def post(self, client: httpx.AsyncClient, chat: int, text: str) -> None:
        """An update as Telegram posts it to the webhook (the replica must be listening)."""
        update = make_update(
            next(_update_ids),
            message=make_message(
                next(_update_ids), make_chat(chat), from_user=make_user(chat), text=text
            ),
        )
        url = f"http://127.0.0.1:{self.port}/telegram"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for _ in range(600):
            try:
                response = await client.post(url, json=update, headers=headers)
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.1)
        assert response.status_code == 200


async def until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def replicas(
    fake: FakeBotApi, url: str, names: tuple[str, ...], cwd: Path
) -> AsyncIterator[list[Replica]]:
    started = []
    try:
        for name in names:
            port = free_port()
            env = env_for(fake, cwd / "unused.db") | {  # the store is PostgreSQL's
                "TALKS_DATABASE_URL": url,
                "TALKS_WEBHOOK_URL": "https://bot.example.test",
                "TALKS_WEBHOOK_LISTEN": "127.0.0.1",
                "TALKS_WEBHOOK_PORT": str(port),
                "TALKS_WEBHOOK_SECRET": SECRET,
                "TALKS_REPLICA_NAME": name,
                "TALKS_READER": "off",  # a faster start; the reader is not what is tested
                "TALKS_DIGEST_TICK_SECONDS": "1",
                "TALKS_CLAIM_SECONDS": "4",  # a dead leader's chats come back after 4 s
                "TALKS_SEND_RATE": "30",
                "TALKS_SEND_BACKOFF_SECONDS": "0.05",
            }
            proc = await asyncio.create_subprocess_exec(
                EXE, "run", "--webhook", env=env, cwd=cwd, stderr=asyncio.subprocess.PIPE
            )
            replica = Replica(name, port, proc)
            replica.reader = asyncio.create_task(replica._read())
            started.append(replica)
        try:
            yield started
        except BaseException:
            for replica in started:  # what each said, for the failure's report
                print(f"--- replica {replica.name}:\n{''.join(replica.lines[-60:])}")  # noqa: T201
            raise
    finally:
        for replica in started:
            if replica.proc.returncode is None:
                replica.proc.kill()
                await replica.proc.wait()
            if replica.reader is not None:
                await replica.reader


async def test_replicas_share_the_index_and_the_digests_and_outlive_a_killed_leader(
    nlp: Language, postgres_url: str, tmp_path: Path
) -> None:
    seeded = Newsroom(Store(postgres_url), nlp, reader=False)  # the schema and the seed, once
    seeded.store.close()
    async with FakeBotApi() as fake, replicas(fake, postgres_url, ("a", "b"), tmp_path) as (a, b):
        async with httpx.AsyncClient(timeout=10) as client:
            # What b takes to answer a question on a busy machine, the index aside: the seed's.
            at = time.monotonic()
            await b.post(client, USER, "Who is de Mistura?")
            known = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=120)
            assert "Mistura" in known.params["text"]
            answering = time.monotonic() - at
            # An article loaded through a is answered by b within 5 s (and that answer's time).
            text = (DATA / "harbour_council.txt").read_text()
            await a.post(client, ADMIN, f"/load {text}")
            loaded = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=120)
            assert "Loaded #2" in loaded.params["text"]
            at = time.monotonic()
            await b.post(client, USER, "Who is the mayor of Port Ellery?")
            answer = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=30)
            assert "Halvorsen" in answer.params["text"]
            assert time.monotonic() - at < 5 + answering

        # Each replica is healthy once it serves and the leader has ticked; a name no process
        # goes by is not.
        async def health(name: str) -> tuple[int, str]:
            env = {**os.environ, "TALKS_DATABASE_URL": postgres_url, "TALKS_REPLICA_NAME": name}
            proc = await asyncio.create_subprocess_exec(
                EXE, "health", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
            )
            out, _ = await proc.communicate()
            return proc.returncode or 0, out.decode()

        assert (await health("a"))[0] == 0
        assert (await health("b"))[0] == 0
        status, said = await health("c")
        assert status == 1
        assert "this bot process (c) last ticked never" in said

        # A crowd due at once (subscribed two days ago, at 08:00 UTC).
        store = Store(postgres_url)
        subscribers = Subscribers(store)
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        chats = range(10_000, 10_000 + SUBSCRIBERS)
        for chat in chats:
            subscribers.subscribe(chat, mode="daily", at=dt.time(8), timezone="UTC", now=since)
        store.close()

        def digests() -> Counter[int]:
            """Digests per chat: their first message (a long one is split) has the heading."""
            return Counter(
                int(c.params["chat_id"])
                for c in fake.calls("sendMessage")
                if c.ok and "Your daily digest" in c.params["text"]
            )

        await until(lambda: a.said("leads the scheduled work") or b.said("leads"), 30, "a lead")
        leader, other = (a, b) if a.said("leads the scheduled work") else (b, a)
        await until(lambda: len(digests()) >= SUBSCRIBERS // 4, 60, "a quarter sent")
        os.kill(leader.proc.pid, signal.SIGKILL)  # mid-round: its claimed chats are held
        killed_at = len(digests())
        await leader.proc.wait()
        await until(lambda: len(digests()) == SUBSCRIBERS, 60, "every chat's digest")
        await asyncio.sleep(2)  # a few more ticks: nothing more goes out
        sent = digests()
        assert other.said("leads the scheduled work"), "the other took over"
        assert killed_at < SUBSCRIBERS, "the leader was killed before the round was done"
        assert set(sent) == set(chats), "nobody lost"
        repeats = [chat for chat, n in sent.items() if n > 1]
        assert len(repeats) <= 1, f"at most the one send in flight repeats: {repeats}"
        assert max(sent.values()) <= 2
        print(  # noqa: T201
            f"killed {leader.name} after {killed_at} of {SUBSCRIBERS} digests; "
            f"repeats: {repeats}; {other.name} took over and sent the rest"
        )

        other.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(other.proc.wait(), timeout=30) == 0
    said = "".join(other.lines)
    assert "Traceback" not in said, said[-4000:]
