"""The quick commands stay quick: ``--help``, ``articles``, ``feeds list`` and ``health`` import
neither spaCy, the engine nor python-telegram-bot (under 0.5 s where a command that answers
takes two), and what they print is what the newsroom would print; ``remove`` and ``feeds
remove`` need the store alone (the ORM and Alembic, about a second)."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.language import Language
from sqlalchemy import inspect

import knowledge
from knowledge import (
    UnknownArticleError,
    open_catalogue,
    remove_feed_from_store,
    remove_from_store,
)
from knowledge.nlp.version import EXTRACTOR_VERSION
from knowledge.storage import head_revision
from knowledge.storage import peek as peek_module
from knowledge.storage.feeds import FeedTable
from knowledge.storage.schema import Base
from knowledge.storage.store import Store
from tests.botkit import Clock, make_template
from tests.conftest import DATA, ROOT, make_newsroom

START = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)
HEAVY = (
    "spacy",
    "thinc",
    "telegram",
    "apscheduler",
    "alembic",
    "onnxruntime",
    "trafilatura",
    "matplotlib",
    "babel",
)
# Run the CLI's main in a fresh interpreter and report the heavy packages it imported.
PROBE = """
import json, os, sys
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(os.environ["HEAVY"].split()))
print(json.dumps({"code": code, "heavy": heavy}), file=open(os.environ["REPORT"], "w"))
"""


@pytest.fixture(scope="module")
def store(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded, current store (as any store is once the bot or a command has opened it)."""
    return make_template(nlp, tmp_path_factory.mktemp("quick") / "talks.db", Clock(START))


def probe(db: Path, *args: str, tmp_path: Path) -> tuple[dict[str, object], str]:
    report = tmp_path / "report.json"
    env = {
        **os.environ,
        "TALKS_DATABASE_URL": f"sqlite:///{db}",
        "TALKS_LOG_LEVEL": "WARNING",
        "HEAVY": " ".join(HEAVY),
        "REPORT": str(report),
    }
    res = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert report.exists(), res.stderr
    return json.loads(report.read_text()), res.stdout


@pytest.mark.parametrize(
    ("args", "code", "shows"),
    [
        (("--help",), 0, "Answers questions about news articles"),
        (("articles",), 0, "#1  2017-07-14  Syria peace process moves ahead"),
        (("feeds", "list"), 0, "No feeds yet"),
        (("health",), 1, "unhealthy: the scheduler has not run yet"),
    ],
    ids=["help", "articles", "feeds-list", "health"],
)
def test_quick_commands_import_no_nlp_and_no_telegram(
    store: Path, tmp_path: Path, args: tuple[str, ...], code: int, shows: str
) -> None:
    report, out = probe(store, *args, tmp_path=tmp_path)
    assert report == {"code": code, "heavy": []}
    assert shows in out


def test_remove_takes_the_article_from_the_store_and_a_serving_newsroom_follows(
    store: Path, tmp_path: Path, nlp: Language
) -> None:
    """``remove`` deletes straight from a settled store, without spaCy, the reader or Telegram;
    a newsroom serving the same store meanwhile drops the article when it follows the store,
    as it does after the newsroom's own ``remove`` in another process."""
    db = tmp_path / "talks.db"
    db.write_bytes(store.read_bytes())
    serving = make_newsroom(nlp, db)
    loaded = serving.load_text((DATA / "harbour_council.txt").read_text("utf-8"))
    report, out = probe(db, "remove", str(loaded.id), tmp_path=tmp_path)
    assert report["code"] == 0
    assert not {"spacy", "thinc", "onnxruntime", "telegram"} & set(report["heavy"])
    assert out == f"Removed {loaded.title} (8 March 2024, #{loaded.id}).\n"
    assert serving.catch_up() == 1
    assert [a.id for a in serving.articles()] == [1]
    with pytest.raises(UnknownArticleError):
        serving.article(loaded.id)
    again, _ = probe(db, "remove", str(loaded.id), tmp_path=tmp_path)
    assert again == {"code": 1, "heavy": report["heavy"]}, "an unknown id: refused, still quick"


def test_feeds_remove_takes_the_feed_from_the_store(
    store: Path, tmp_path: Path, nlp: Language
) -> None:
    """``feeds remove`` deletes straight from a settled store as ``remove`` does; a newsroom
    serving the same store stops following the feed (it reads the feeds at each poll)."""
    db = tmp_path / "talks.db"
    db.write_bytes(store.read_bytes())
    serving = make_newsroom(nlp, db)
    feed = FeedTable(Store(f"sqlite:///{db}")).add(
        "https://news.example/rss", title=None, now=START
    )
    assert [f.id for f in serving.feeds()] == [feed.id]
    report, out = probe(db, "feeds", "remove", str(feed.id), tmp_path=tmp_path)
    assert report["code"] == 0
    assert not {"spacy", "thinc", "onnxruntime", "telegram"} & set(report["heavy"])
    assert out == f"Removed feed #{feed.id}: https://news.example/rss\n"
    assert serving.feeds() == []
    again, _ = probe(db, "feeds", "remove", str(feed.id), tmp_path=tmp_path)
    assert again == {"code": 1, "heavy": report["heavy"]}, "an unknown id: refused, still quick"
    assert remove_feed_from_store(f"sqlite:///{tmp_path / 'absent.db'}", 1, seed=True) is None


def test_remove_from_store_leaves_a_store_the_newsroom_would_change_to_it(
    store: Path, tmp_path: Path
) -> None:
    """None (the CLI then opens the newsroom) where the store is not made yet, is older, or
    would be seeded first; nothing is removed then."""
    absent = tmp_path / "absent.db"
    assert remove_from_store(f"sqlite:///{absent}", 1, seed=True) is None
    assert not absent.exists()
    older = tmp_path / "older.db"
    older.write_bytes(store.read_bytes())
    Store(f"sqlite:///{older}").set_meta("extractor", str(EXTRACTOR_VERSION - 1))
    assert remove_from_store(f"sqlite:///{older}", 1, seed=True) is None
    unseeded = tmp_path / "unseeded.db"
    unseeded.write_bytes(store.read_bytes())
    Store(f"sqlite:///{unseeded}").delete_meta(["seeded"])
    assert remove_from_store(f"sqlite:///{unseeded}", 1, seed=True) is None
    for db in (older, unseeded):
        assert [a.id for a in Store(f"sqlite:///{db}").articles()] == [1]


def test_load_refuses_bad_input_before_the_newsroom(store: Path, tmp_path: Path) -> None:
    """A missing, empty or short file is refused before spaCy loads (the messages:
    tests/test_cli.py::test_clear_errors); the store is left as it was."""
    short = tmp_path / "short.txt"
    short.write_text("just a few words", "utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", "utf-8")
    before = store.read_bytes()
    for path in (short, empty, tmp_path / "absent.txt"):
        report, out = probe(store, "load", str(path), tmp_path=tmp_path)
        assert report == {"code": 1, "heavy": []}, path.name
        assert out == ""
    assert store.read_bytes() == before


def test_the_bot_starts_without_matplotlib() -> None:
    """/stats' chart (``handlers.chart``) imports matplotlib when an admin asks for it, not
    when the bot (its handlers, the application) is imported."""
    code = "import sys, bot.app, bot.cli, handlers; print('matplotlib' in sys.modules)"
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert res.stdout.strip() == "False"


def test_a_store_that_needs_the_newsroom_is_listed_through_it(tmp_path: Path) -> None:
    """A store not made yet: ``articles`` opens the newsroom (spaCy), which seeds it, as ever."""
    report, out = probe(tmp_path / "new.db", "articles", tmp_path=tmp_path)
    assert report["code"] == 0
    assert "spacy" in report["heavy"]  # the check above can see an import
    assert "#1  2017-07-14" in out
    assert "telegram" not in report["heavy"], "listing never needs the bot's libraries"


def test_catalogue_lists_what_the_newsroom_lists(store: Path) -> None:
    url = f"sqlite:///{store}"
    catalogue = open_catalogue(url, seed=True)
    assert catalogue is not None
    try:
        assert catalogue.articles() == Store(url).articles()
        assert catalogue.feeds() == []
    finally:
        catalogue.close()


def test_catalogue_declines_a_store_the_newsroom_would_change(
    store: Path, tmp_path: Path, nlp: Language
) -> None:
    absent = tmp_path / "absent.db"
    assert open_catalogue(f"sqlite:///{absent}", seed=True) is None
    assert not absent.exists(), "looking does not make a store"

    bare = Store(f"sqlite:///{tmp_path / 'bare.db'}")  # migrated, never opened by a newsroom
    assert open_catalogue(bare.url, seed=False) is None, "its extractor is not marked yet"

    empty = make_newsroom(nlp, tmp_path / "empty.db", seed=False).store  # current, unseeded
    assert open_catalogue(empty.url, seed=True) is None, "it would be seeded first"
    listing = open_catalogue(empty.url, seed=False)
    assert listing is not None
    assert listing.articles() == []
    listing.close()

    older = tmp_path / "older.db"
    older.write_bytes(store.read_bytes())
    Store(f"sqlite:///{older}").set_meta("extractor", str(EXTRACTOR_VERSION - 1))
    assert open_catalogue(f"sqlite:///{older}", seed=True) is None, "it would be re-extracted"


def test_peek_knows_the_newest_revision_without_alembic() -> None:
    assert peek_module.head_revision() == head_revision()


def test_peek_tables_agree_with_the_schema() -> None:
    """Peek's light tables name columns the schema has, with the same types."""
    for light in peek_module.TABLES:
        table = Base.metadata.tables[light.name]
        for col in light.columns:
            assert type(col.type) is type(table.c[col.name].type), f"{light.name}.{col.name}"


def test_peek_reads_a_migrated_store(store: Path) -> None:
    peeked = peek_module.Peek.open(f"sqlite:///{store}")
    assert peeked is not None
    try:
        assert peeked.current()
        assert peeked.meta("extractor") == str(EXTRACTOR_VERSION)
        assert {t.name for t in peek_module.TABLES} <= set(
            inspect(peeked.engine).get_table_names()
        )
    finally:
        peeked.close()


def test_every_export_of_knowledge_is_declared_once_and_resolves() -> None:
    """``_EXPORTS`` (what is imported on use), the ``TYPE_CHECKING`` imports (what mypy sees)
    and ``__all__`` name the same things, and each name imports."""
    tree = ast.parse(Path(knowledge.__file__).read_text())
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                typed |= {alias.name: str(imp.module) for alias in imp.names}
    homes = {name: module for module, names in knowledge._EXPORTS.items() for name in names}
    assert typed == homes
    assert sorted(knowledge.__all__) == sorted(homes)
    for name in knowledge.__all__:
        assert getattr(knowledge, name) is not None
    with pytest.raises(AttributeError):
        _ = knowledge.NoSuchThing  # type: ignore[attr-defined]
