"""Feed throughput: a feed of N entries served on 127.0.0.1, polled once, end to end into the
store (fetch with the SSRF guard, extraction with trafilatura, spaCy, near-duplicate check,
SQLite). Reports articles per second, wall clock and CPU.

    .venv/bin/python bench/feeds.py [--entries 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import DEFAULT_MODEL, WebOptions, open_newsroom  # noqa: E402
from tests.site import Site, serving  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "feeds.md")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(Site(entries=list(range(args.entries)))) as site,
    ):
        newsroom = open_newsroom(
            f"sqlite:///{tmp}/bench.db",
            model=DEFAULT_MODEL,
            seed=False,
            web=WebOptions(allow_hosts=frozenset({"127.0.0.1"})),
        )
        newsroom.add_feed(site.feed_url)
        wall, cpu = time.perf_counter(), time.process_time()
        (result,) = newsroom.poll_feeds(due_only=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        words = sum(
            len(f.text.split()) for a in newsroom.articles() for f in newsroom.facts_of(a.id)
        )
    loaded = len(result.loaded)
    report = "\n".join(
        [
            "# Feed throughput",
            "",
            f"Command: `.venv/bin/python bench/feeds.py --entries {args.entries}`",
            "",
            "| entries | loaded | failed | duplicates | wall s | articles/s | CPU s | words |",
            "|---|---|---|---|---|---|---|---|",
            f"| {args.entries} | {loaded} | {result.failed} | {result.duplicates} | {wall:.1f} "
            f"| {loaded / wall:.1f} | {cpu:.1f} | {words:,} |",
            "",
            "One poll, entries loaded one after another in one thread (fetch → read → spaCy →",
            "near-duplicate check → one transaction each).",
            "",
        ]
    )
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
