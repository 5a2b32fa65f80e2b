"""Digest fan-out across replicas: N daily subscribers due at once on one PostgreSQL store, R
``talks-bot run --webhook`` processes, Telegram's limits enforced by the fake Bot API, and the
leader killed with SIGKILL part-way (``--kill-at``; 0: no kill).

    PYTHONPATH=. .venv/bin/python bench/replicas.py [--subscribers 5000] [--replicas 2]
        [--kill-at 0.4] [--pg postgres@127.0.0.1:5432]

One process leads the scheduled work (a PostgreSQL advisory lock); the others answer updates
and take over when it dies (at their next tick; the dead one's claimed chats come back when
their lease, ``TALKS_CLAIM_SECONDS``, runs out). Reported: the time from the first digest to
the last, digests/s, limit violations, chats with more than one digest (at most one per kill:
the send in flight), chats with none. The database is made and dropped here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import open_newsroom  # noqa: E402
from knowledge.nlp.pipeline import DEFAULT_MODEL  # noqa: E402
from knowledge.storage.subscribers import Subscribers  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402

HEADING = "Your daily digest"
SECRET = "bench"  # TALKS_WEBHOOK_SECRET: every replica checks the same one
FIRST_CHAT = 100_001
ARTICLE = ROOT / "tests" / "data" / "harbour_council.txt"


def prepare(url: str, n: int) -> None:
    """The seed, ``n`` subscribers due now, one new article for all of them."""
    kb = open_newsroom(url, model=DEFAULT_MODEL, seed=True, reader=False)
    subs = Subscribers(kb.store)
    ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for i in range(n):
        subs.subscribe(FIRST_CHAT + i, mode="daily", at=dt.time(i % 24), timezone="UTC", now=ago)
    kb.load_text(ARTICLE.read_text("utf-8"))
    kb.store.close()


def replica_env(fake: FakeBotApi, url: str, name: str, port: int) -> dict[str, str]:
    """The environment of a ``talks-bot run --webhook`` replica named ``name`` on the store
    ``url``, listening on ``port`` for the updates of the fake Bot API (bench/throughput.py
    too)."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TALKS_BOT_TOKEN": fake.token,
        "TALKS_BOT_API_BASE_URL": fake.base_url,
        "TALKS_BOT_API_FILE_URL": fake.base_file_url,
        "TALKS_DATABASE_URL": url,
        "TALKS_WEBHOOK_URL": "https://bot.example.test",
        "TALKS_WEBHOOK_LISTEN": "127.0.0.1",
        "TALKS_WEBHOOK_PORT": str(port),
        "TALKS_WEBHOOK_SECRET": SECRET,
        "TALKS_REPLICA_NAME": name,
        "TALKS_LOG_LEVEL": "INFO",
    }


async def spawn_replica(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """``talks-bot run --webhook`` with ``env``, its output written to ``log``."""
    exe = Path(sys.executable).parent / "talks-bot"
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            str(exe), "run", "--webhook", env=env, stdout=out, stderr=out
        )


async def start(
    fake: FakeBotApi, url: str, name: str, port: int, log: Path
) -> asyncio.subprocess.Process:
    env = replica_env(fake, url, name, port) | {
        "TALKS_READER": "off",
        "TALKS_DIGEST_TICK_SECONDS": "1",
        "TALKS_CLAIM_SECONDS": "10",
    }
    return await spawn_replica(env, log)


def digests(fake: FakeBotApi) -> list[tuple[int, float]]:
    return [
        (int(c.params["chat_id"]), c.time)
        for c in fake.calls("sendMessage")
        if c.ok and HEADING in str(c.params.get("text", ""))
    ]


async def run(args: argparse.Namespace) -> int:
    admin = f"postgresql://{args.pg}/postgres"
    name = f"talks_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{args.pg}/{name}"
    work = Path(args.work)
    procs: list[asyncio.subprocess.Process] = []
    try:
        began = time.perf_counter()
        prepare(url, args.subscribers)
        print(f"store prepared in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        async with FakeBotApi(enforce_limits=True) as fake:
            for r in range(args.replicas):
                log = work / f"replica{r}.log"
                procs.append(await start(fake, url, f"r{r}", 18_600 + r, log))
            killed_at = None
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                sent = {chat for chat, _ in digests(fake)}
                if len(sent) >= args.subscribers:
                    break
                if (
                    killed_at is None
                    and args.kill_at
                    and len(sent) >= args.kill_at * args.subscribers
                ):
                    leader = next(
                        (
                            i
                            for i in range(len(procs))
                            if "leads the scheduled work" in (work / f"replica{i}.log").read_text()
                        ),
                        None,
                    )
                    if leader is not None:
                        os.kill(procs[leader].pid, signal.SIGKILL)
                        killed_at = len(sent)
                        print(
                            f"killed replica {leader} after {killed_at} digests", file=sys.stderr
                        )
                await asyncio.sleep(0.1)
            await asyncio.sleep(3)  # a repeat would show by now
            got = digests(fake)
            per_chat = Counter(chat for chat, _ in got)
            expected = set(range(FIRST_CHAT, FIRST_CHAT + args.subscribers))
            first, last = got[0][1], got[-1][1]
            report = {
                "subscribers": args.subscribers,
                "replicas": args.replicas,
                "killed leader after": killed_at,
                "first → last digest (s)": round(last - first, 1),
                "digests/s": round((len(got) - 1) / (last - first), 2),
                "limit violations": fake.limit_violations,
                "chats with more than one": sum(1 for n in per_chat.values() if n > 1),
                "chats with none": len(expected - set(per_chat)),
            }
        for key, value in report.items():
            print(f"{key}: {value}")
        return 0
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), timeout=30)
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=0.4)
    parser.add_argument("--pg", default="postgres@127.0.0.1:5432")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--work", default="/tmp/talks-bench-replicas")
    args = parser.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
