"""Questions per second through the webhook path: R ``talks-bot run --webhook`` replicas on one
store, questions posted to them as Telegram posts updates, at a rising rate, each answer timed
from the post to the ``sendMessage`` that the fake Bot API receives.

    PYTHONPATH=.:bench .venv/bin/python bench/throughput.py [--articles 1000]
        [--setups postgres:1,postgres:2,sqlite:1] [--engines rules,reader] [--bounds 100,250]
        [--rates 2,4,6,…] [--keep] [--profile] [--out bench/results/throughput.md]

The store: the bundled seed plus BBC News articles up to ``--articles`` (``load_many``), on a
PostgreSQL database made here and on a SQLite file (dropped at the end; with ``--keep``, kept
and used again by the next run). Each question comes
from a new private chat (so no chat's 1-message-a-second limit and no follow-up context);
questions are made from BBC sentences (``latency.generated_questions``), plus the seed's and
the development questions, shuffled. The posts are spread round-robin over the replicas, as
the reverse proxy of ``deploy/compose.yaml`` (Caddy's ``lb_policy round_robin``) spreads
Telegram's; no proxy runs here (none is installed), so its hop (about a millisecond) is not
counted. The fake Bot API enforces Telegram's limits (30 messages a second per bot).

For each rate (questions a second, open loop: the posts do not wait for answers) it reports
p50/p95 of the answer time, the CPU the replicas, PostgreSQL and this process (the load and
the fake Bot API) used per question, and how busy the machine was. The highest rate whose p95
stays within each of ``--bounds`` ms is the headline. Also measured: each replica's start-up
(spawn to its first answer), its memory (VmRSS) on the full store and on the seed alone; in
this process on the same store, the engine's own share of an answer (``converse`` +
``answer``, and the question log's insert); with ``--profile``, where the replicas' time goes
(py-spy's samples by stage and library).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from latency import (
    DEV_QUESTIONS,
    SEED_QUESTIONS,
    SOURCE,
    bbc_articles,
    generated_questions,
    percentile,
    read_questions,
)
from replicas import SECRET, replica_env, spawn_replica
from revision import git_revision

from knowledge import Newsroom, open_newsroom
from knowledge.errors import ArticleError
from knowledge.ingest.reading import read_article
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import make_chat, make_message, make_update, make_user  # noqa: E402
from tests.fake_bot_api import FakeBotApi  # noqa: E402

FIRST_CHAT = 5_000_001
PROBE = "who is de mistura?"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the store ---------------------------------------------------------------------------------


def build_store(url: str, articles: int) -> int:
    """The seed plus BBC articles until the store holds ``articles``; how many it holds."""
    kb = open_newsroom(url, model=DEFAULT_MODEL, seed=True, reader=False)
    try:
        pool = iter(bbc_articles())
        while (held := kb.store.article_count()) < articles:
            drafts = []
            for article in itertools.islice(pool, articles - held):
                with contextlib.suppress(ArticleError):
                    drafts.append(read_article(article.body, title=article.title, source=SOURCE))
            if not drafts:
                break
            kb.load_many(drafts, n_process=2)
        return kb.store.article_count()
    finally:
        kb.store.close()


def question_pool(n_generated: int) -> list[str]:
    nlp = load_pipeline(DEFAULT_MODEL)
    pool = generated_questions(nlp, bbc_articles()[:2000], n_generated)
    pool += read_questions(SEED_QUESTIONS) + read_questions(DEV_QUESTIONS)
    random.Random(0).shuffle(pool)
    return pool


# --- processes and their CPU -------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Usage:
    """CPU used between two points: the replicas, PostgreSQL's processes, this process, and
    the machine's share of busy time."""

    replicas: float = 0.0
    postgres: float = 0.0
    here: float = 0.0
    busy: float = 0.0


class Meter:
    def __init__(self, pids: Sequence[int]) -> None:
        self.pids = list(pids)
        self.start = self._read()

    def _read(self) -> tuple[float, float, float, tuple[float, float]]:
        return (
            sum(cpu_seconds(p) for p in self.pids),
            sum(cpu_seconds(p) for p in postgres_pids()),
            time.process_time(),
            machine_busy(),
        )

    def stop(self) -> Usage:
        end = self._read()
        busy = end[3][0] - self.start[3][0]
        total = end[3][1] - self.start[3][1]
        return Usage(
            replicas=end[0] - self.start[0],
            postgres=end[1] - self.start[1],
            here=end[2] - self.start[2],
            busy=busy / total if total else 0.0,
        )


@dataclass
class Replica:
    name: str
    port: int
    proc: asyncio.subprocess.Process
    log: Path
    started: float
    ready_s: float = 0.0


async def start_replica(
    fake: FakeBotApi, url: str, name: str, *, port: int, engine: str, work: Path
) -> Replica:
    env = replica_env(fake, url, name, port)
    env["TALKS_READER"] = "off" if engine == "rules" else "on"
    log = work / f"{name}.log"
    proc = await spawn_replica(env, log)
    return Replica(name, port, proc, log, time.monotonic())


async def stop_replicas(replicas: Sequence[Replica]) -> None:
    for replica in replicas:
        if replica.proc.returncode is None:
            replica.proc.send_signal(signal.SIGTERM)
    for replica in replicas:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(replica.proc.wait(), timeout=30)
        if replica.proc.returncode is None:
            replica.proc.kill()
            await replica.proc.wait()


_chats = itertools.count(FIRST_CHAT)
_ids = itertools.count(1)


async def post(client: httpx.AsyncClient, replica: Replica, chat: int, text: str) -> bool:
    """A private message as Telegram posts it to a webhook; False while nobody listens."""
    update = make_update(
        next(_ids),
        message=make_message(
            next(_ids), make_chat(chat), from_user=make_user(chat, language_code="en"), text=text
        ),
    )
    try:
        response = await client.post(
            f"http://127.0.0.1:{replica.port}/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    except httpx.TransportError:
        return False
    return response.status_code == 200


def first_answers(fake: FakeBotApi) -> dict[int, float]:
    """Each chat's first sendMessage, by the fake Bot API's clock (``time.monotonic``)."""
    out: dict[int, float] = {}
    for call in fake.calls("sendMessage"):
        chat = int(call.params.get("chat_id", 0))
        if call.ok and chat not in out:
            out[chat] = call.time
    return out


async def wait_ready(client: httpx.AsyncClient, fake: FakeBotApi, replica: Replica) -> None:
    """Post the probe until the replica answers it: its start-up is the time from spawn."""
    chat = next(_chats)
    deadline = replica.started + 600
    while not await post(client, replica, chat, PROBE):
        if replica.proc.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{replica.name} did not start; see {replica.log}")
        await asyncio.sleep(0.05)
    while chat not in first_answers(fake):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{replica.name} did not answer; see {replica.log}")
        await asyncio.sleep(0.02)
    replica.ready_s = first_answers(fake)[chat] - replica.started


# --- where a replica's time goes (py-spy) -----------------------------------------------------

# A sampled stack belongs to the first of these with a frame holding one of its marks: the
# engine's stages by their methods (spaCy's work counted in the stage that asked for it), then
# the libraries by their paths as py-spy prints them ("name (spacy/language.py:1049)").
CATEGORIES = (
    ("reader", ("Engine._read ", "(knowledge/qa/reader.py")),
    ("rules' answer (fact parses)", ("Engine._by_rules ", "Engine._opinion ")),
    ("question analysis", ("Engine.analyse ", "Engine._in_context ")),
    ("retrieval, ranking", ("Engine._scored ", "Engine._candidates ")),
    ("store", ("(sqlalchemy/", "(psycopg", "(sqlite3/")),
    ("engine, other", ("(knowledge/",)),
    ("handlers", ("(handlers/", "(babel/")),
    (
        "PTB, HTTP, JSON",
        ("(telegram/", "(httpx/", "(httpcore/", "(h11/", "(anyio/", "(tornado/", "(json/"),
    ),
    ("asyncio, logging", ("(asyncio/", "(logging/")),
)


def spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling a replica's busy Python threads until it is sent SIGINT."""
    exe = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [
            str(exe),
            "record",
            "-p",
            str(pid),
            "-o",
            str(out),
            "-f",
            "raw",
            "-r",
            "200",
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def categorise(raw: str) -> dict[str, float]:
    """Share of samples per category in py-spy's collapsed stacks (``frame;frame;… count``)."""
    counts: dict[str, int] = {}
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        name = next((c for c, marks in CATEGORIES if any(m in stack for m in marks)), "other")
        counts[name] = counts.get(name, 0) + int(n)
    total = sum(counts.values()) or 1
    return {c: counts.get(c, 0) / total for c, _ in (*CATEGORIES, ("other", ()))}


# --- one rate ----------------------------------------------------------------------------------


@dataclass
class Step:
    rate: float
    questions: int
    answered: int
    times_ms: list[float]
    usage: Usage
    violations: int
    seconds: float

    def pct(self, p: float) -> float:
        return percentile(self.times_ms, p) if self.times_ms else float("inf")


async def run_step(
    client: httpx.AsyncClient,
    fake: FakeBotApi,
    replicas: Sequence[Replica],
    questions: Iterator[str],
    *,
    rate: float,
    n: int,
) -> Step:
    meter = Meter([r.proc.pid for r in replicas])
    violations = fake.limit_violations
    posted: dict[int, float] = {}
    tasks = []
    began = time.monotonic()
    for i in range(n):
        await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
        chat = next(_chats)
        posted[chat] = time.monotonic()
        replica = replicas[i % len(replicas)]
        tasks.append(asyncio.create_task(post(client, replica, chat, next(questions))))
    await asyncio.gather(*tasks)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answers = first_answers(fake)
        if all(chat in answers for chat in posted):
            break
        await asyncio.sleep(0.05)
    usage = meter.stop()
    answers = first_answers(fake)
    times = [(answers[c] - t) * 1000 for c, t in posted.items() if c in answers]
    seconds = time.monotonic() - began
    return Step(rate, n, len(times), times, usage, fake.limit_violations - violations, seconds)


@dataclass
class Run:
    store: str
    replicas: int
    engine: str
    ready_s: list[float]
    rss_mb: list[float]
    idle_cpu: float  # CPU-seconds a second of all replicas with no questions (ticks, listening)
    steps: list[Step] = field(default_factory=list)
    profile: dict[str, float] = field(default_factory=dict)  # py-spy's shares, all replicas

    def cpu_ms(self, step: Step) -> float:
        """The replicas' CPU per question in a step, less what they use idle."""
        busy = step.usage.replicas - self.idle_cpu * step.seconds
        return max(0.0, busy) / step.questions * 1000

    def best(self, bound: float) -> Step | None:
        """The last of the steps, from the lowest rate up, that all kept p95 within bound."""
        best = None
        for step in self.steps:
            if step.answered < step.questions or step.pct(95) > bound:
                break
            best = step
        return best


async def measure(
    args: argparse.Namespace,
    store: str,
    url: str,
    *,
    n_replicas: int,
    engine: str,
    pool: list[str],
) -> Run:
    work = Path(args.work)
    questions = itertools.cycle(pool)
    async with FakeBotApi(enforce_limits=True) as fake, httpx.AsyncClient(timeout=30) as client:
        replicas = [
            await start_replica(
                fake, url, f"{store}-{engine}-{i}", port=18_700 + i, engine=engine, work=work
            )
            for i in range(n_replicas)
        ]
        try:
            for replica in replicas:
                await wait_ready(client, fake, replica)
            for replica in replicas:  # warm: the first questions load what is loaded lazily
                for _ in range(args.warm):
                    await post(client, replica, next(_chats), next(questions))
            await asyncio.sleep(args.warm * 0.3)
            idle = Meter([r.proc.pid for r in replicas])
            await asyncio.sleep(5)
            run = Run(
                store,
                n_replicas,
                engine,
                [r.ready_s for r in replicas],
                [rss_mb(r.proc.pid) for r in replicas],
                idle.stop().replicas / 5,
            )
            print(f"{store} ×{n_replicas} {engine}: ready in {run.ready_s} s", file=sys.stderr)
            spies = [spy(r.proc.pid, work / f"{r.name}.spy") for r in replicas if args.profile]
            for rate in args.rates:
                n = max(args.min_questions, round(rate * args.seconds))
                step = await run_step(client, fake, replicas, questions, rate=rate, n=n)
                run.steps.append(step)
                print(
                    f"  {rate:g} q/s: {step.answered}/{n} answered, p50 {step.pct(50):.0f} ms, "
                    f"p95 {step.pct(95):.0f} ms, machine {step.usage.busy:.0%} busy",
                    file=sys.stderr,
                )
                if step.answered < n or step.pct(95) > max(args.bounds) * args.stop_after:
                    break
                await asyncio.sleep(2)  # the backlog of a step never spills into the next
            for spied in spies:
                spied.send_signal(signal.SIGINT)
                await asyncio.to_thread(spied.wait, 60)
            if spies:
                raw = "\n".join((work / f"{r.name}.spy").read_text() for r in replicas)
                run.profile = categorise(raw)
            return run
        finally:
            await stop_replicas(replicas)


async def seed_only_memory(url: str, engine: str, work: Path) -> tuple[float, float]:
    """A replica's VmRSS and start-up on a store that holds the seed alone."""
    async with FakeBotApi() as fake, httpx.AsyncClient(timeout=30) as client:
        replica = await start_replica(
            fake, url, f"seed-{engine}", port=18_790, engine=engine, work=work
        )
        try:
            await wait_ready(client, fake, replica)
            await asyncio.sleep(1)
            return rss_mb(replica.proc.pid), replica.ready_s
        finally:
            await stop_replicas([replica])


# --- the engine's share, in this process -------------------------------------------------------


@dataclass
class Share:
    converse_ms: float
    answer_ms: float
    answer_cpu_ms: float  # the process's CPU over the loop, its threads' idle time included
    log_ms: float


def engine_share(url: str, engine: str, questions: Sequence[str]) -> Share:
    """The engine's time and CPU for each question answered once, as a replica answers a
    new question (its parse cache holding what earlier questions parsed), and the question
    log's insert (``ask`` minus ``answer`` of the same question, both warm)."""
    kb: Newsroom = open_newsroom(url, model=DEFAULT_MODEL, seed=False, reader=engine == "reader")
    try:
        for q in questions[:20]:
            kb.answer(q)
        conv, ans, logged = [], [], []
        cpu = 0.0
        for i, q in enumerate(questions[20:]):
            t0, c0 = time.perf_counter(), time.process_time()
            kb.converse(q)
            t1 = time.perf_counter()
            kb.answer(q)
            t2 = time.perf_counter()
            time.sleep(0.05)  # a pause between questions, where a pool's threads would spin
            cpu += time.process_time() - c0
            t3 = time.perf_counter()
            kb.answer(q)
            t4 = time.perf_counter()
            kb.ask(q, chat_id=9_000_000 + i, user_id=None)
            t5 = time.perf_counter()
            conv.append((t1 - t0) * 1000)
            ans.append((t2 - t1) * 1000)
            logged.append(((t5 - t4) - (t4 - t3)) * 1000)
        return Share(
            statistics.median(conv),
            statistics.median(ans),
            cpu / len(ans) * 1000,
            statistics.median(logged),
        )
    finally:
        kb.store.close()


# --- the report --------------------------------------------------------------------------------


def render(
    args: argparse.Namespace,
    runs: list[Run],
    memory: dict[str, tuple[float, float]],
    shares: dict[str, Share],
    articles: int,
) -> str:
    lines = [
        "# Questions per second through the webhook path",
        "",
        f"Revision {git_revision()}; {os.cpu_count()} cores; store: {articles:,} articles "
        "(the seed and BBC News); each answer timed from the webhook post to the fake Bot "
        "API's sendMessage. Command: `PYTHONPATH=.:bench .venv/bin/python bench/throughput.py "
        + " ".join(args.argv)
        + "`",
        "",
        "## The highest rate within each p95 bound",
        "",
        "A rate counts when it and every lower rate had all questions answered within the "
        "bound at p95. CPU per question: the replicas' (less what they use idle), at the "
        "lowest rate.",
        "",
        "| store | replicas | engine | "
        + " | ".join(f"q/s at p95 ≤ {b:g} ms (p50 / p95)" for b in args.bounds)
        + " | CPU ms per question | replicas idle: CPU % | start-up s | RSS per replica MB |",
        "|---|---|---|" + "---|" * (len(args.bounds) + 4),
    ]
    for run in runs:
        cells = []
        for bound in args.bounds:
            best = run.best(bound)
            cells.append(
                f"**{best.rate:g}** ({best.pct(50):.0f} / {best.pct(95):.0f})"
                if best
                else f"none (p95 {run.steps[0].pct(95):.0f} at {run.steps[0].rate:g} q/s)"
            )
        start = "/".join(f"{s:.1f}" for s in run.ready_s)
        rss = "/".join(f"{m:.0f}" for m in run.rss_mb)
        lines.append(
            f"| {run.store} | {run.replicas} | {run.engine} | {' | '.join(cells)} | "
            f"{run.cpu_ms(run.steps[0]):.0f} | {run.idle_cpu:.1%} | {start} | {rss} |"
        )
    lines += ["", "## Every rate", ""]
    lines += [
        "| store | replicas | engine | q/s | answered | p50 ms | p95 ms | CPU ms per question: "
        "replicas / PostgreSQL / load + fake API | machine busy | limit violations |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for s in run.steps:
            u = s.usage
            lines.append(
                f"| {run.store} | {run.replicas} | {run.engine} | {s.rate:g} | "
                f"{s.answered}/{s.questions} | {s.pct(50):.0f} | {s.pct(95):.0f} | "
                f"{run.cpu_ms(s):.0f} / {u.postgres / s.questions * 1000:.0f} / "
                f"{u.here / s.questions * 1000:.0f} | {u.busy:.0%} | {s.violations} |"
            )
    lines += ["", "## Where an answer's time goes", ""]
    lines += [
        "In this process, on the same PostgreSQL store, the questions answered one after another "
        "(medians):",
        "",
        "| engine | converse (small talk, summaries) ms | answer (retrieval, reader, rules) ms "
        "| its CPU ms | question log insert ms |",
        "|---|---|---|---|---|",
    ]
    for engine, share in shares.items():
        lines.append(
            f"| {engine} | {share.converse_ms:.2f} | {share.answer_ms:.1f} | "
            f"{share.answer_cpu_ms:.0f} | {share.log_ms:.1f} |"
        )
    if any(r.profile for r in runs):
        lines += [
            "",
            "Inside the replicas, over the whole ramp (py-spy, 200 samples a second of the busy "
            "Python threads; onnxruntime's own threads are not sampled, the one that waits on "
            "them is), share of samples:",
            "",
            "| store | replicas | engine | "
            + " | ".join(c for c, _ in (*CATEGORIES, ("other", ())))
            + " |",
            "|---|---|---|" + "---|" * (len(CATEGORIES) + 1),
        ]
        for run in runs:
            if run.profile:
                shares_ = " | ".join(f"{v:.0%}" for v in run.profile.values())
                lines.append(f"| {run.store} | {run.replicas} | {run.engine} | {shares_} |")
    lines += ["", "## What one replica holds", ""]
    lines += [
        "| engine | RSS on the seed alone MB | start-up on the seed alone s | RSS on the full "
        "store MB (first replica) | so per 1,000 articles MB |",
        "|---|---|---|---|---|",
    ]
    for engine, (seed_rss, seed_start) in memory.items():
        full = next(
            (r.rss_mb[0] for r in runs if r.engine == engine and r.store == "postgres"), None
        )
        if full is None:
            continue
        per_k = (full - seed_rss) / max(1, articles - 1) * 1000
        lines.append(
            f"| {engine} | {seed_rss:.0f} | {seed_start:.1f} | {full:.0f} | {per_k:.0f} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--setups", default="postgres:1,postgres:2,sqlite:1")
    parser.add_argument("--engines", default="rules,reader")
    parser.add_argument("--rates", default="2,4,6,8,10,13,16,20,25")
    parser.add_argument("--seconds", type=float, default=12, help="each rate's length")
    parser.add_argument("--min-questions", type=int, default=60)
    parser.add_argument("--warm", type=int, default=15, help="untimed questions per replica")
    parser.add_argument("--bounds", default="100,250", help="p95 ms, each reported")
    parser.add_argument(
        "--stop-after", type=float, default=2, help="× the largest bound: stop the ramp"
    )
    parser.add_argument("--pg", default="postgres@127.0.0.1:5432")
    parser.add_argument("--work", default="/tmp/talks-bench-throughput")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the stores for the next run")
    parser.add_argument(
        "--profile", action="store_true", help="sample the replicas with py-spy (the bench group)"
    )
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    args.rates = [float(r) for r in args.rates.split(",")]
    args.bounds = [float(b) for b in args.bounds.split(",")]
    return args


async def main_async(args: argparse.Namespace) -> int:
    work = Path(args.work)
    admin = f"postgresql://{args.pg}/postgres"
    # --keep: fixed names, kept afterwards and used again (a store already full is not
    # loaded again); otherwise made for this run and dropped at its end
    tag = "kept" if args.keep else uuid.uuid4().hex[:8]
    names = {k: f"talks_bench_throughput_{k}_{tag}" for k in ("full", "seed")}
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names.values():
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    urls = {
        "postgres": f"postgresql+psycopg://{args.pg}/{names['full']}",
        "sqlite": f"sqlite:///{work / 'store.db'}",
    }
    seed_url = f"postgresql+psycopg://{args.pg}/{names['seed']}"
    setups = [(s.split(":")[0], int(s.split(":")[1])) for s in args.setups.split(",")]
    engines = args.engines.split(",")
    try:
        began = time.perf_counter()
        articles = 0
        for store in sorted({s for s, _ in setups}):
            if store == "sqlite" and not args.keep:
                (work / "store.db").unlink(missing_ok=True)
            articles = await asyncio.to_thread(build_store, urls[store], args.articles)
        await asyncio.to_thread(build_store, seed_url, 1)
        print(f"stores built in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        pool = question_pool(800)
        shares = {e: engine_share(urls[setups[0][0]], e, pool[-140:]) for e in engines}
        memory = {e: await seed_only_memory(seed_url, e, work) for e in engines}
        runs = [
            await measure(args, store, urls[store], n_replicas=n, engine=engine, pool=pool[:-140])
            for engine in engines
            for store, n in setups
        ]
        text = render(args, runs, memory, shares, articles)
        print(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        raw = json.dumps([dataclasses.asdict(r) for r in runs], default=str)
        (work / "runs.json").write_text(raw, encoding="utf-8")
        return 0
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names.values() if not args.keep else ():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    Path(args.work).mkdir(parents=True, exist_ok=True)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
