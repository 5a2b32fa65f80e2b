"""Digest fan-out benchmark: N daily subscribers, one new article, Telegram's limits enforced.

    PYTHONPATH=. .venv/bin/python bench/fanout.py [--subscribers 5000] [--part both]
                                                  [--kill-at 0.4] [--out bench/results/fanout.md]
    PYTHONPATH=. .venv/bin/python bench/fanout.py --quick          # ~300 subscribers, a smoke run

1. A store is prepared once in a temporary directory: the bundled seed article, N daily
   subscribers (chat ids 100001…) subscribed two days ago at assorted clock times and zones, so
   every one of them is due now, then ONE new article (``tests/data/harbour_council.txt``) loaded
   after the subscriptions: news to all of them. Each part runs on a fresh copy of it.
2. The fake Bot API (``tests.fake_bot_api.FakeBotApi(enforce_limits=True)``: 30 messages in any
   rolling second overall, 1/s per chat, a 429 and a counted violation otherwise) runs in this
   process; the real bot runs as a subprocess, ``talks-bot run``, configured through ``TALKS_*``
   as a user would (a short ``TALKS_DIGEST_TICK_SECONDS``).
3. Part A (clean run): from the bot's first Bot API call to the last digest; messages/s over the
   fan-out, limit violations, duplicates (chats with more than one digest) and missing chats.
4. Part B (crash): the bot is SIGKILLed once ``--kill-at`` of the chats have their digest,
   started again and left to finish; every chat's digest count from the fake server is checked
   against the store's ``deliveries`` and ``digest_sends`` rows (``--term``: SIGTERM instead,
   a clean stop; ``--b-runs K``: K kills, each on a fresh store).
5. Part W (``--part W``): the window a kill can fall in (sent, not yet recorded), measured with
   the bot's Application in this process so that the fake's receipt of a digest and the end of
   the commit recording it read one clock.

Times come from the fake server's record of each call (``time.monotonic`` in this process). The
bot's CPU seconds are read from ``/proc/<pid>/stat`` (utime + stime) just before it is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import os
import platform
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from revision import git_revision  # noqa: E402

from knowledge import open_newsroom  # noqa: E402
from knowledge.nlp.pipeline import DEFAULT_MODEL  # noqa: E402
from knowledge.storage.subscribers import Subscribers  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402

ARTICLE = ROOT / "tests" / "data" / "harbour_council.txt"
FIRST_CHAT = 100_001
HEADING = "Your daily digest"
ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
MARKER = "<!-- observations: kept when the report is regenerated -->"
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def args_rate() -> float:
    """The bot's overall send rate (TALKS_SEND_RATE, 29/s unless set)."""
    return float(os.environ.get("TALKS_SEND_RATE", "29"))


def talks_bot() -> str:
    exe = shutil.which("talks-bot", path=str(Path(sys.executable).parent))
    return exe or "talks-bot"


# ---- the store -------------------------------------------------------------------------------


def prepare(path: Path, n: int, *, model: str) -> tuple[int, float]:
    """Seed article, ``n`` due daily subscribers, then one new article; (its id, seconds)."""
    started = time.perf_counter()
    url = f"sqlite:///{path}"
    kb = open_newsroom(url, model=model, seed=True)
    subs = Subscribers(kb.store)
    ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for i in range(n):
        subs.subscribe(
            FIRST_CHAT + i,
            mode="daily",
            at=dt.time(i % 24, (7 * i) % 60),
            timezone=ZONES[i % len(ZONES)],
            now=ago,  # due at most a day after: long past
        )
    article = kb.load_text(ARTICLE.read_text("utf-8"))
    kb.store.engine.dispose()  # checkpoints the WAL into the file we copy
    with contextlib.closing(sqlite3.connect(path)) as db:
        late = db.execute(
            "SELECT count(*) FROM subscribers WHERE active AND next_due > ?",
            (dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" "),),
        ).fetchone()[0]
    if late:
        raise SystemExit(f"{late} subscribers are not due yet: the store is not what it should be")
    return article.id, time.perf_counter() - started


def store_counts(path: Path, article_id: int) -> dict[str, object]:
    """What the store recorded: deliveries of the article per chat, sends, due times left."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        per_chat = Counter(
            chat
            for (chat,) in db.execute(
                "SELECT chat_id FROM deliveries WHERE article_id = ?", (article_id,)
            )
        )
        sends = Counter(
            chat for (chat,) in db.execute("SELECT chat_id FROM digest_sends WHERE ok")
        )
        failed = db.execute("SELECT count(*) FROM digest_sends WHERE NOT ok").fetchone()[0]
        still_due = db.execute(
            "SELECT count(*) FROM subscribers WHERE active AND next_due <= ?",
            (dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" "),),
        ).fetchone()[0]
    return {"deliveries": per_chat, "sends": sends, "failed": failed, "still_due": still_due}


# ---- the bot process -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


@dataclass
class Bot:
    proc: asyncio.subprocess.Process
    started: float
    log: Path
    cpu: float = 0.0


async def start_bot(fake: FakeBotApi, db: Path, log: Path, *, tick: float) -> Bot:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PTB_TIMEDELTA": "1",
        "TALKS_BOT_TOKEN": fake.token,
        "TALKS_BOT_API_BASE_URL": fake.base_url,
        "TALKS_BOT_API_FILE_URL": fake.base_file_url,
        "TALKS_DATABASE_URL": f"sqlite:///{db}",
        "TALKS_DIGEST_TICK_SECONDS": str(tick),
        "TALKS_LOG_LEVEL": "INFO",
        "TALKS_ADMIN_IDS": "",
    }
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            talks_bot(), "run", env=env, cwd=db.parent, stdout=out, stderr=out
        )
    return Bot(proc, time.monotonic(), log)


async def stop_bot(bot: Bot, *, kill: bool = False) -> float:
    """SIGKILL or SIGTERM (SIGKILL after 30 s); seconds until the process was gone."""
    sent = time.monotonic()
    if bot.proc.returncode is None:
        with contextlib.suppress(OSError):
            bot.cpu = cpu_seconds(bot.proc.pid)
        bot.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        await asyncio.wait_for(bot.proc.wait(), timeout=30)
    except TimeoutError:
        bot.proc.kill()
        await bot.proc.wait()
    return time.monotonic() - sent


def digests_by_chat(fake: FakeBotApi) -> Counter[int]:
    return Counter(
        int(c.params["chat_id"])
        for c in fake.calls("sendMessage")
        if c.ok and HEADING in str(c.params.get("text", ""))
    )


async def wait_for(fake: FakeBotApi, bot: Bot, chats: int, *, within: float, label: str) -> bool:
    """Until ``chats`` chats have a digest; False after ``within`` s or if the bot died."""
    deadline = time.monotonic() + within
    last_report = 0.0
    while time.monotonic() < deadline:
        done = len(fake.delivered)
        if done >= chats:
            return True
        if bot.proc.returncode is not None:
            print(f"  {label}: the bot exited with {bot.proc.returncode}", file=sys.stderr)
            return False
        if time.monotonic() - last_report > 15:
            last_report = time.monotonic()
            elapsed = time.monotonic() - bot.started
            print(f"  {label}: {done} chats after {elapsed:.0f} s", file=sys.stderr)
        await asyncio.sleep(0.05)
    return False


# ---- the parts -------------------------------------------------------------------------------


@dataclass
class Result:
    part: str
    n: int
    startup: float = 0.0  # bot spawn → first Bot API call
    total: float = 0.0  # first Bot API call → last digest (restart pause included in B)
    fanout: float = 0.0  # first digest → last digest
    rate: float = 0.0  # digests/s over the fan-out
    violations: int = 0
    duplicates: int = 0
    missing: int = 0
    messages: int = 0
    cpu: float = 0.0
    notes: list[str] = field(default_factory=list)
    store: dict[str, object] = field(default_factory=dict)


def summarise(
    result: Result, fake: FakeBotApi, first_call: float, article_id: int, db: Path
) -> Result:
    sends = [c for c in fake.calls("sendMessage") if c.ok]
    digests = [c for c in sends if HEADING in str(c.params.get("text", ""))]
    per_chat = digests_by_chat(fake)
    expected = set(range(FIRST_CHAT, FIRST_CHAT + result.n))
    result.messages = len(sends)
    result.violations = fake.limit_violations
    result.duplicates = sum(1 for n in per_chat.values() if n > 1)
    result.missing = len(expected - set(per_chat))
    if digests:
        first, last = digests[0].time, digests[-1].time
        result.total = last - first_call
        result.fanout = last - first
        result.rate = (len(digests) - 1) / result.fanout if result.fanout > 0 else 0.0
        gaps = sorted(b.time - a.time for a, b in itertools.pairwise(digests))
        if gaps:
            slow = sum(1 for g in gaps if g > 0.050)
            result.notes.append(
                "gaps between consecutive digests: "
                f"p50 {1000 * gaps[len(gaps) // 2]:.1f} ms, "
                f"p95 {1000 * gaps[int(0.95 * len(gaps))]:.1f} ms, "
                f"max {1000 * gaps[-1]:.0f} ms; {slow} over 50 ms "
                f"(the pacing alone: {1000 / args_rate():.1f} ms)"
            )
    extra = set(per_chat) - expected
    if extra:
        result.notes.append(f"digests to {len(extra)} chats that are not subscribers")
    if len(sends) != len(digests):
        result.notes.append(f"{len(sends) - len(digests)} messages other than digests")
    counts = store_counts(db, article_id)
    deliveries: Counter[int] = counts["deliveries"]  # type: ignore[assignment]
    recorded: Counter[int] = counts["sends"]  # type: ignore[assignment]
    result.store = {
        "deliveries": sum(deliveries.values()),
        "chats_recorded": len(deliveries),
        "sends_ok": sum(recorded.values()),
        "sends_failed": counts["failed"],
        "still_due": counts["still_due"],
        "sent_not_recorded": sum(max(0, n - recorded.get(c, 0)) for c, n in per_chat.items()),
        "recorded_not_sent": len(set(deliveries) - set(per_chat)),
        "chats_missing_a_record": len(expected - set(deliveries)),
    }
    return result


async def part_a(template: Path, work: Path, n: int, article_id: int, args: Args) -> Result:
    db = work / "a.db"
    shutil.copy(template, db)
    result = Result("A (clean)", n)
    async with FakeBotApi(enforce_limits=True) as fake:
        bot = await start_bot(fake, db, work / "a.log", tick=args.tick)
        try:
            ok = await wait_for(fake, bot, n, within=args.timeout, label="A")
            if not ok:
                result.notes.append("timed out before every chat had its digest")
            await asyncio.sleep(args.settle)  # a repeat would show by now
        finally:
            await stop_bot(bot)
        result.cpu = bot.cpu
        first_call = fake.calls()[0].time if fake.calls() else bot.started
        result.startup = first_call - bot.started
        summarise(result, fake, first_call, article_id, db)
        result.notes.extend(log_notes(bot.log))
    return result


async def part_b(
    template: Path, work: Path, n: int, article_id: int, args: Args, *, run: int = 1
) -> Result:
    db = work / f"b{run}.db"
    shutil.copy(template, db)
    how = "SIGTERM" if args.term else "SIGKILL"
    label = "B (SIGKILL + restart)" if args.b_runs == 1 else f"B{run} (SIGKILL + restart)"
    label = label.replace("SIGKILL", how)
    result = Result(label, n)
    kill_after = max(1, int(n * args.kill_at))
    async with FakeBotApi(enforce_limits=True) as fake:
        first = await start_bot(fake, db, work / f"b{run}.log", tick=args.tick)
        try:
            await wait_for(fake, first, kill_after, within=args.timeout, label="B1")
        finally:
            at_kill = len(fake.delivered)
            stopped_in = await stop_bot(first, kill=not args.term)
        killed_at = time.monotonic() - stopped_in  # when the signal went
        in_store = store_counts(db, article_id)
        recorded_at_kill = len(in_store["deliveries"])  # type: ignore[arg-type]
        result.notes.append(
            f"{how} after {at_kill} chats had their digest; gone {stopped_in:.1f} s later, "
            f"{len(fake.delivered)} chats had theirs by then "
            f"({recorded_at_kill} recorded in the store)"
        )
        second = await start_bot(fake, db, work / f"b{run}.log", tick=args.tick)
        try:
            ok = await wait_for(fake, second, n, within=args.timeout, label="B2")
            if not ok:
                result.notes.append("timed out before every chat had its digest")
            await asyncio.sleep(args.settle)
        finally:
            await stop_bot(second)
        result.cpu = first.cpu + second.cpu
        calls = fake.calls()
        first_call = calls[0].time if calls else first.started
        result.startup = first_call - first.started
        restart_first = next((c.time for c in calls if c.time > second.started), killed_at)
        result.notes.append(
            f"restart: {restart_first - killed_at:.1f} s from the kill to the restarted bot's "
            f"first Bot API call; CPU {first.cpu:.1f} s before the kill, {second.cpu:.1f} s after"
        )
        summarise(result, fake, first_call, article_id, db)
        per_chat = digests_by_chat(fake)
        for chat, count in sorted(per_chat.items()):
            if count > 1:
                times = [
                    c.time - killed_at
                    for c in fake.calls("sendMessage", chat_id=chat)
                    if c.ok and HEADING in str(c.params.get("text", ""))
                ]
                spans = ", ".join(f"{t:+.3f} s" for t in times)
                result.notes.append(f"chat {chat}: {count} digests, at {spans} from the kill")
        result.notes.extend(log_notes(first.log))
    return result


async def part_w(template: Path, work: Path, n: int, args: Args) -> list[str]:
    """The window a kill can fall in, measured: the bot runs in this process (the same
    Application ``talks-bot run`` builds, via ``tests.botkit``), so the fake's receipt of each
    digest and the end of the commit recording it read one clock."""
    from knowledge import default_clock
    from knowledge.nlp.pipeline import load_pipeline
    from tests.botkit import running_bot, settings_for

    db = work / "w.db"
    shutil.copy(template, db)
    committed: dict[int, float] = {}
    async with FakeBotApi(enforce_limits=True) as fake:
        settings = settings_for(fake, db, digest_tick_seconds=args.tick, send_backoff_seconds=1.0)
        async with running_bot(settings, load_pipeline(args.model), default_clock) as (_, room):
            record = room.digest_sent
            loop = asyncio.get_running_loop()
            done = asyncio.Event()

            def timed(chat_id: int, *a: object, **kw: object) -> None:  # in a worker thread
                record(chat_id, *a, **kw)  # type: ignore[arg-type]
                committed[chat_id] = time.monotonic()
                if len(committed) >= n:
                    loop.call_soon_threadsafe(done.set)

            room.digest_sent = timed  # type: ignore[method-assign]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(args.timeout):
                    await done.wait()
        digests = [c for c in fake.calls("sendMessage") if c.ok and HEADING in str(c.params)]
    received = {int(c.params["chat_id"]): c.time for c in digests}
    windows = sorted(committed[c] - t for c, t in received.items() if c in committed)
    if len(windows) < 2:
        return ["window: not measured (no digests recorded)"]
    span = digests[-1].time - digests[0].time
    share = sum(windows) / span
    ms = [1000 * w for w in windows]
    return [
        f"window (fake's receipt of a digest → its commit ended), {len(ms)} digests, bot "
        f"in-process: p50 {ms[len(ms) // 2]:.1f} ms, p95 {ms[int(0.95 * len(ms))]:.1f} ms, "
        f"max {ms[-1]:.0f} ms, mean {sum(ms) / len(ms):.1f} ms; open {100 * share:.1f}% of "
        f"the fan-out's {span:.1f} s: the chance a kill at a random moment of the fan-out "
        "repeats one digest (never more than one: one digest is in flight at a time)"
    ]


def log_notes(log: Path) -> list[str]:
    text = log.read_text(errors="replace")
    notes = []
    for needle in ("Traceback", " ERROR ", "RetryAfter", "Too Many Requests", "network error"):
        count = text.count(needle)
        if count:
            notes.append(f"bot log: {count} × {needle.strip()!r}")
    return notes


# ---- report ----------------------------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def report(
    results: list[Result], args: Args, prep_seconds: float, load_before: str, window: list[str]
) -> str:
    table = [
        "| part | N | startup s | total s | fan-out s | msg/s | violations | duplicates "
        "| missing | bot CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines = [
        "# Digest fan-out",
        "",
        f"Finished {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {git_revision(())}, "
        f"`{' '.join(sys.argv[1:]) or '(defaults)'}`; {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), load average {load_before} before "
        f"and {load_average()} after; Python {platform.python_version()}. Store prepared in "
        f"{prep_seconds:.1f} s. Bot settings: TALKS_SEND_RATE default (29/s), "
        f"TALKS_DIGEST_TICK_SECONDS={args.tick}.",
        "",
        *(table if results else []),
    ]
    for r in results:
        lines.append(
            f"| {r.part} | {r.n:,} | {r.startup:.1f} | {r.total:.1f} | {r.fanout:.1f} "
            f"| {r.rate:.2f} | {r.violations} | {r.duplicates} | {r.missing} | {r.cpu:.1f} |"
        )
    lines += [
        "",
        "startup: `talks-bot run` spawned → its first Bot API call (spaCy and the store load); "
        "total: first Bot API call → last digest (B: the kill and restart included); fan-out: "
        "first digest → last digest; msg/s: (digests − 1) / fan-out; target ≤ 185 s total for "
        "5,000 and 0 violations, duplicates, missing.",
        "",
    ]
    lines += [f"- {note}" for note in window]
    for r in results:
        lines.append(
            f"**{r.part}**: {r.messages} messages; store: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.store.items())
        )
        lines += [f"- {note}" for note in r.notes]
        lines.append("")
    return "\n".join(lines)


# ---- main ------------------------------------------------------------------------------------


class Args(argparse.Namespace):
    subscribers: int
    quick: bool
    part: str
    kill_at: float
    b_runs: int
    term: bool
    tick: float
    settle: float
    timeout: float
    model: str
    out: Path
    keep: bool


def parse_args(argv: list[str] | None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--subscribers", type=int, default=5000)
    p.add_argument("--quick", action="store_true", help="300 subscribers, a smoke run")
    p.add_argument(
        "--part",
        choices=("A", "B", "W", "both"),
        default="both",
        help="W: measure the sent-not-recorded window (bot in-process)",
    )
    p.add_argument("--kill-at", type=float, default=0.4, help="share delivered before SIGKILL")
    p.add_argument("--term", action="store_true", help="part B stops the bot with SIGTERM")
    p.add_argument("--b-runs", type=int, default=1, help="repeat part B (fresh store each)")
    p.add_argument("--tick", type=float, default=2.0, help="TALKS_DIGEST_TICK_SECONDS")
    p.add_argument("--settle", type=float, default=5.0, help="seconds watched after the last")
    p.add_argument("--timeout", type=float, default=0.0, help="per run (0: N/10 + 120 s)")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--out", type=Path, help="bench/results/fanout.md (--quick: in /tmp)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv, namespace=Args())
    if args.quick:
        args.subscribers = 300
    if not args.timeout:
        args.timeout = args.subscribers / 10 + 120
    if args.out is None:
        quick = Path(tempfile.gettempdir()) / "fanout-quick.md"  # a smoke run is not a result
        args.out = quick if args.quick else ROOT / "bench" / "results" / "fanout.md"
    return args


async def run(args: Args) -> str:
    load_before = load_average()
    work = Path(tempfile.mkdtemp(prefix="fanout-"))
    try:
        print(f"preparing {args.subscribers} subscribers in {work}", file=sys.stderr)
        template = work / "template.db"
        article_id, prep = prepare(template, args.subscribers, model=args.model)
        results = []
        if args.part in {"A", "both"}:
            results.append(await part_a(template, work, args.subscribers, article_id, args))
            print(f"A: {results[-1]}", file=sys.stderr)
        if args.part in {"B", "both"}:
            for i in range(1, args.b_runs + 1):
                b = await part_b(template, work, args.subscribers, article_id, args, run=i)
                results.append(b)
                print(f"B{i}: {b}", file=sys.stderr)
        window = []
        if args.part == "W":
            window = await part_w(template, work, args.subscribers, args)
            print("\n".join(window), file=sys.stderr)
        return report(results, args, prep, load_before, window)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    text = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kept = ""
    if args.out.exists():  # hand-written observations below the marker survive a re-run
        old = args.out.read_text()
        if MARKER in old:
            kept = "\n" + old[old.index(MARKER) :]
    args.out.write_text(text + "\n" + kept)
    print(text)


if __name__ == "__main__":
    main()
