"""A small news site for tests and benchmarks: pages and an RSS feed served by aiohttp on
127.0.0.1 from a thread (so sync code, subprocesses and the bot's event loop can all use it).
The feed answers conditional GETs with 304 like a real server; every article is text we wrote.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape

from aiohttp import web

TOWNS = ["Halden", "Moss", "Larvik", "Arendal", "Skien", "Drammen", "Horten", "Tromso", "Bodo"]
THINGS = ["library", "bridge", "harbour office", "swimming hall", "school", "bus station"]
PEOPLE = ["Anne Berg", "Ola Dahl", "Kari Lund", "Per Moe", "Siri Holm", "Jon Lie", "Eva Sand"]
VERBS = ["opened", "unveiled", "finished", "presented", "inaugurated", "showed off"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
GROUPS = ["residents", "pupils", "shop owners", "fishermen", "pensioners", "commuters"]
TEMPLATES = [
    "{town} {verb} its {thing} on {day}, {person} said.",
    "Work on the {thing} took {a} years and cost {b} million crowns.",
    "The county paid {c} million; {town} paid the other {d}.",
    '"{group} asked for this since {year}," {person} told {e} guests.',
    "Critics said it ran {f} months late; {person2} blamed a wet {season}.",
    "{group2} in {town} can use it free for {g} days from {day2}.",
    "It has room for {h} people and {i} parking places, {person2} added.",
    "The old {thing2} in {town} closed in {year2} after {j} years.",
]


def story(n: int) -> tuple[str, list[str]]:
    """Article ``n``: a headline and paragraphs, its names, numbers and order drawn from n (so
    no two share more than a few word sequences: they are different stories, not copies)."""
    rng = random.Random(n)
    slots = {
        "town": rng.choice(TOWNS),
        "thing": rng.choice(THINGS),
        "thing2": rng.choice(THINGS),
        "person": rng.choice(PEOPLE),
        "person2": rng.choice(PEOPLE),
        "verb": rng.choice(VERBS),
        "day": rng.choice(DAYS),
        "day2": rng.choice(DAYS),
        "group": rng.choice(GROUPS).capitalize(),
        "group2": rng.choice(GROUPS).capitalize(),
        "season": rng.choice(["winter", "spring", "autumn"]),
        "year": 1950 + rng.randrange(70),
        "year2": 1950 + rng.randrange(70),
        **{k: rng.randrange(2, 400) for k in "abcdefghij"},
    }
    chosen = rng.sample(TEMPLATES, 6)
    paragraphs = [t.format(**slots) for t in chosen]
    return f"{slots['town']} {slots['verb']} a new {slots['thing']} (report {n})", paragraphs


def page(n: int) -> bytes:
    """A real-looking article page: navigation, scripts and comments around the story."""
    title, paragraphs = story(n)
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | Coast Courier</title>"
        "<script>window.analytics = {track: function () {}};</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/local'>Local</a> <a href='/sport'>Sport</a></nav>"
        f"<main><article><h1>{escape(title)}</h1><p class='byline'>By Coast Courier staff</p>"
        f"{body}</article>"
        "<section class='comments'><h2>Comments</h2><p>Great news!</p></section></main>"
        "<footer>© Coast Courier · Contact · Privacy</footer></body></html>"
    ).encode()


def feed(base: str, numbers: list[int]) -> bytes:
    items = "".join(
        f"<item><title>{escape(story(n)[0])}</title><link>{base}/news/{n}</link>"
        f"<guid>{base}/news/{n}</guid></item>"
        for n in reversed(numbers)  # newest first, as feeds list them
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Coast Courier</title><link>{base}/</link><description>Local news</description>"
        f"{items}</channel></rss>"
    ).encode()


@dataclass
class Site:
    """The site's state; tests change ``entries`` to publish new stories."""

    entries: list[int] = field(default_factory=lambda: [0, 1, 2])
    port: int = 0
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, If-None-Match)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def feed_url(self) -> str:
        return f"{self.base}/rss.xml"

    async def _feed(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.headers.get("If-None-Match")))
        etag = f'"{len(self.entries)}-{self.entries[-1] if self.entries else 0}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        body = feed(self.base, self.entries)
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def _page(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, None))
        n = int(request.match_info["n"])
        if n < 0:
            return web.Response(status=404, text="not found")
        return web.Response(body=page(n), content_type="text/html", charset="utf-8")


@contextmanager
def serving(site: Site | None = None) -> Iterator[Site]:
    """Serve ``site`` on 127.0.0.1 (a random port) until the block ends."""
    site = site or Site()
    ready = threading.Event()
    state: dict[str, object] = {}

    async def serve() -> None:
        app = web.Application()
        app.router.add_get("/rss.xml", site._feed)
        app.router.add_get("/news/{n:-?\\d+}", site._page)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        site.port = runner.addresses[0][1]
        stop = asyncio.Event()
        state["loop"], state["stop"] = asyncio.get_running_loop(), stop
        ready.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the test site did not start")
    try:
        yield site
    finally:
        loop, stop = state["loop"], state["stop"]
        loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
        thread.join(10)
