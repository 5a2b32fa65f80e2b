"""What the index on ``articles.loaded_at`` (revision 0008) saves: "the articles loaded since a
time", the question each tick asks for every subscriber and follower, on a PostgreSQL store of
``--articles`` rows (made and dropped here), with the index and without it.

    PYTHONPATH=. .venv/bin/python bench/loaded_since.py [--articles 100000]
        [--pg postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import psycopg

from knowledge.storage.store import Store

QUERY = (
    "SELECT id FROM articles WHERE loaded_at > (SELECT max(loaded_at) FROM articles) "
    "- INTERVAL '1 day' ORDER BY loaded_at, id"
)


def median_ms(conn: psycopg.Connection, rounds: int = 50) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        conn.execute(QUERY).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--pg", default="postgres@127.0.0.1:5432")
    args = parser.parse_args()
    admin = f"postgresql://{args.pg}/postgres"
    name = f"talks_bench_loaded_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        Store(f"postgresql+psycopg://{args.pg}/{name}").close()  # the schema, at head
        with psycopg.connect(f"postgresql://{args.pg}/{name}", autocommit=True) as conn:
            conn.execute(
                "INSERT INTO articles (title, published, loaded_at, content_hash, body, "
                "word_count) SELECT 'a title', DATE '2026-01-01', TIMESTAMPTZ '2026-01-01' "
                "+ g * INTERVAL '5 minutes', md5(g::text), repeat('word ', 400), 400 "
                "FROM generate_series(1, %s) g",
                (args.articles,),
            )
            conn.execute("ANALYZE articles")
            indexed = median_ms(conn)
            conn.execute("DROP INDEX ix_articles_loaded_at")
            conn.execute("ANALYZE articles")
            scanned = median_ms(conn)
        print(
            f"{args.articles:,} articles, one every 5 minutes; the last day's (288): "
            f"{indexed:.2f} ms with the index, {scanned:.2f} ms without (median of 50)"
        )
        return 0
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
