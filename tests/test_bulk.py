"""Long work shows progress: ``talks-bot load`` of many files or a folder (through
``Newsroom.load_many``), a stale store's re-extraction and ``feeds poll``. Driven as a user runs
them: the installed command in a subprocess, its stderr a pipe (no bar: tests, logs) or a
terminal (a pseudo-terminal: the bar is drawn)."""

from __future__ import annotations

import fcntl
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from spacy.language import Language

from knowledge import Newsroom, load_items
from knowledge.nlp.version import EXTRACTOR_VERSION
from knowledge.storage.store import Store
from tests.conftest import DATA, make_newsroom
from tests.site import Site, page, serving, story

BIN = Path(sys.executable).parent / "talks-bot"


def text_of(n: int) -> str:
    title, paragraphs = story(n)
    return "\n\n".join([title, *paragraphs])


def news_folder(root: Path) -> Path:
    """Four articles, three copies (exact, near, of the bundled article), three non-articles and a
    hidden file; one article in a subfolder."""
    news = root / "news"
    (news / "more").mkdir(parents=True)
    (news / "a.txt").write_text(text_of(1))
    (news / "b.html").write_bytes(page(2))
    (news / "more" / "c.md").write_text(text_of(3))
    (news / "d.txt").write_text((DATA / "harbour_council.txt").read_text())
    (news / "copy-of-a.txt").write_text(text_of(1))
    title, paragraphs = story(2)
    near = [*paragraphs[:-1], "The mayor will speak about it again next week."]
    (news / "near-b.txt").write_text("\n\n".join([title, *near]))
    seed = resources.files("knowledge.data").joinpath("syria_talks_xinhua.txt").read_text()
    (news / "seed.txt").write_text(seed)
    (news / "empty.txt").write_text("   \n")
    (news / "binary.dat").write_bytes(bytes(range(256)) * 4)
    (news / "short.txt").write_text("Hi there.")
    (news / ".notes.txt").write_text(text_of(4))  # hidden: left out
    return news


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return news_folder(tmp_path_factory.mktemp("bulk"))


def env_for(db: Path) -> dict[str, str]:
    env = {**os.environ, "TALKS_DATABASE_URL": f"sqlite:///{db}", "TALKS_LOG_LEVEL": "WARNING"}
    env["TALKS_FETCH_ALLOW_HOSTS"] = "127.0.0.1"
    return env


def talks_bot(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        capture_output=True,
        text=True,
        env=env_for(db),
        timeout=300,
        check=False,
    )


def on_a_terminal(*args: str, db: Path) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal: the exit status, stdout and what the terminal got."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = subprocess.Popen(
        [str(BIN), *args], stdout=subprocess.PIPE, stderr=slave, env=env_for(db), text=True
    )
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not data:
            break
        seen += data
    os.close(master)
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    return proc.wait(timeout=60), out, seen.decode(errors="replace")


def stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [t for (t,) in conn.execute("SELECT title FROM articles ORDER BY id")]


def test_cli_loads_a_folder_in_bulk_with_a_summary(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "talks.db"
    res = talks_bot("load", str(folder), str(tmp_path / "gone.txt"), db=db)
    out = res.stdout
    assert out.splitlines()[-1] == "11 items: 4 loaded, 3 duplicates, 4 refused.", out
    assert res.returncode == 1, "something was refused"
    lines = {line.split(":", 1)[0] for line in out.splitlines()[:-1]}
    assert lines == {
        f"duplicate  {folder / 'copy-of-a.txt'}",
        f"duplicate  {folder / 'near-b.txt'}",
        f"duplicate  {folder / 'seed.txt'}",
        f"refused    {folder / 'binary.dat'}",
        f"refused    {folder / 'empty.txt'}",
        f"refused    {folder / 'short.txt'}",
        f"refused    {tmp_path / 'gone.txt'}",
    }
    assert "no such file or folder" in out
    assert "binary file" in out
    assert "\r" not in res.stderr, "no bar redrawn into a pipe"
    assert "loading" not in res.stderr
    titles = stored(db)
    assert len(titles) == 5, titles  # the bundled article and the four
    assert len(set(titles)) == 5, "nothing stored twice"

    again = talks_bot("load", str(folder), db=db)  # loading a folder again: only copies
    assert again.stdout.splitlines()[-1] == "10 items: 0 loaded, 7 duplicates, 3 refused."
    assert stored(db) == titles


def test_metadata_flags_describe_one_article(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "talks.db"
    res = talks_bot("load", str(folder), "--title", "One title for all", db=db)
    assert res.returncode == 2
    assert "describe one article" in res.stderr
    assert not db.exists(), "refused before anything was opened"


def test_the_bar_is_drawn_on_a_terminal(folder: Path, tmp_path: Path) -> None:
    code, out, terminal = on_a_terminal("load", str(folder), db=tmp_path / "talks.db")
    assert code == 1
    assert "4 loaded" in out
    assert "loading:" in terminal
    assert "10/10" in terminal, "it reaches the end"


def test_load_items_counts_across_chunks(nlp: Language, folder: Path, tmp_path: Path) -> None:
    """A copy in a later chunk than its original is refused as well as one in the same chunk."""
    newsroom = make_newsroom(nlp, tmp_path / "talks.db")
    bulk = load_items(newsroom, [str(folder)], chunk=2)
    assert sorted(Path(item).name for item, _ in bulk.loaded) == [
        "a.txt",
        "b.html",
        "c.md",
        "d.txt",
    ]
    assert sorted(Path(item).name for item, _ in bulk.duplicates) == [
        "copy-of-a.txt",
        "near-b.txt",
        "seed.txt",
    ]
    assert len(bulk.refused) == 3
    assert len(newsroom.articles()) == 5


@pytest.fixture
def stale_store(nlp: Language, tmp_path: Path) -> Path:
    """A store written by an older extractor (its facts are re-extracted when opened)."""
    path = tmp_path / "talks.db"
    newsroom: Newsroom = make_newsroom(nlp, path)
    newsroom.load_text((DATA / "harbour_council.txt").read_text())
    newsroom.store.set_meta("extractor", str(EXTRACTOR_VERSION - 1))
    newsroom.store.engine.dispose()
    return path


def test_re_extraction_shows_progress_on_a_terminal(stale_store: Path) -> None:
    code, out, terminal = on_a_terminal("articles", db=stale_store)
    assert code == 0
    assert "#2" in out
    assert "re-extracting:" in terminal
    assert "embedding:" in terminal  # the facts extracted again, then their vectors
    store = Store(f"sqlite:///{stale_store}")
    assert store.get_meta("extractor") == str(EXTRACTOR_VERSION)
    assert store.count_unembedded() == 0


def test_re_extraction_is_quiet_in_a_pipe(stale_store: Path) -> None:
    res = talks_bot("articles", db=stale_store)
    assert res.returncode == 0
    assert "#2" in res.stdout
    assert res.stderr == ""


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


def test_feeds_poll_shows_progress_on_a_terminal(site: Site, tmp_path: Path) -> None:
    db = tmp_path / "talks.db"
    site.entries = [0, 1]
    assert talks_bot("feeds", "add", site.feed_url, db=db).returncode == 0
    code, out, terminal = on_a_terminal("feeds", "poll", db=db)
    assert code == 0
    assert "#1: 2 loaded" in out
    assert "feeds:" in terminal
    assert "1/1" in terminal
