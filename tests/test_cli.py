"""The CLI contract, driven as a user would: the installed ``talks-bot`` in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import UNSURE
from knowledge.qa.config import DEFAULT

from .conftest import DATA, ROOT
from .test_bot import padded, too_long_message

BIN = Path(sys.executable).parent / "talks-bot"


def run(
    *args: str, db: Path, stdin: str | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    """``talks-bot ARGS``; ``settings`` are more environment variables (TALKS_...)."""
    env = {**os.environ, "TALKS_DATABASE_URL": f"sqlite:///{db}", "TALKS_LOG_LEVEL": "WARNING"}
    env.update(settings)
    return subprocess.run(
        [str(BIN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli") / "talks.db"


# what `ask --json` prints for every question, answered, declined or small talk
ASK_JSON_KEYS = {"question", "answered", "answer", "reply", "facts", "confidence", "tentative"}


def test_ask_json_contract(db: Path) -> None:
    res = run("ask", "--json", "when is the new round of talks?", db=db)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) == ASK_JSON_KEYS
    assert out["answered"] is True
    assert out["tentative"] is (out["confidence"] < DEFAULT.confidence_alone.sure)
    assert out["reply"].startswith(UNSURE) is out["tentative"]
    assert out["answer"] == "early September"
    assert out["facts"][0]["article_id"] == 1
    assert isinstance(out["facts"][0]["score"], float)


def test_ask_reads_one_question_per_line(db: Path) -> None:
    res = run(
        "ask", "--json", db=db, stdin="who is Xie Xiaoyan?\n\nWho won the Champions League?\n"
    )
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [line["answered"] for line in lines] == [True, False]
    assert lines[1]["answer"] is None
    assert lines[1]["reply"].startswith("The articles I have")


def test_load_list_who_remove(db: Path) -> None:
    res = run("load", str(DATA / "harbour_council.txt"), db=db)
    assert res.returncode == 0, res.stderr
    assert "Loaded #2" in res.stdout
    again = run("load", str(DATA / "harbour_council.txt"), db=db)
    assert again.returncode == 1
    assert "already stored as #2" in again.stderr
    listing = run("articles", db=db).stdout
    assert "#1" in listing
    assert "#2" in listing
    assert "Harbour council" in listing
    who = run("who", "Halvorsen", db=db)
    assert who.returncode == 0
    assert "Ingrid Halvorsen" in who.stdout
    assert run("remove", "2", db=db).returncode == 0
    assert "#2" not in run("articles", db=db).stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("load", "/no/such/file.txt"), None, "no such file"),
        (("load", "-"), "   ", "empty"),
        (("load", "-"), "just a few words", "too short"),
        (("remove", "999"), None, "no article #999"),
    ],
)
def test_clear_errors(db: Path, args: tuple[str, ...], stdin: str | None, message: str) -> None:
    res = run(*args, db=db, stdin=stdin)
    assert res.returncode == 1
    assert message in res.stderr.lower()
    assert "Traceback" not in res.stderr


def test_usage_error_for_unknown_command(db: Path) -> None:
    res = run("frobnicate", db=db)
    assert res.returncode == 2
    assert "invalid choice" in res.stderr


def test_eval_prints_the_metrics(db: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "a",
                "q": "When is the new round?",
                "answers": ["early September"],
                "support": ["will be convened"],
                "tags": [],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "q": "Who won the Champions League?",
                "answers": [],
                "support": [],
                "tags": ["unanswerable"],
            }
        )
        + "\n"
    )
    out = run("eval", str(questions), db=db).stdout
    assert "support@1       1.000" in out
    assert "declined        1.000" in out
    assert "F1              1.000" in out
    # --details: a JSON row per question (bench/written_eval.py --diff reads the same rows)
    lines = run("eval", "--details", str(questions), db=db).stdout.splitlines()
    rows = {r["id"]: r for r in (json.loads(line) for line in lines if line.startswith("{"))}
    assert rows["a"]["set"] == "q"
    assert rows["a"]["answered"]
    assert rows["a"]["answer"] == "early September"
    assert rows["a"]["f1"] == 1.0
    assert rows["b"]["answered"] is False
    assert rows["b"]["expected"] == []


def test_eval_scores_several_sets_in_one_store_with_the_articles_they_name(
    db: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "local").mkdir(parents=True)
    (corpus / "local" / "harbour.txt").write_text((DATA / "harbour_council.txt").read_text())
    harbour = tmp_path / "harbour.jsonl"
    harbour.write_text(
        json.dumps(
            {
                "id": "h1",
                "q": "who is the mayor of port ellery?",
                "answers": ["Ingrid Halvorsen"],
                "support": ["Ingrid Halvorsen"],
                "article": "local/harbour.txt",
            }
        )
        + "\n"
    )
    seed = tmp_path / "seed.jsonl"
    seed.write_text(
        json.dumps({"id": "s1", "q": "Who is Xie Xiaoyan?", "answers": [], "support": []}) + "\n"
    )
    res = run("eval", str(harbour), str(seed), "--corpus", str(corpus), db=db)
    assert res.returncode == 0, res.stderr
    rows = [line for line in res.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| set | questions")
    assert rows[1].startswith("| harbour | 1 (1 / 0) | 1.000 |")  # its article was loaded
    assert rows[2].startswith("| seed | 1 (0 / 1) |")
    missing = run("eval", str(harbour), "--corpus", str(tmp_path / "nowhere"), db=db)
    assert missing.returncode == 1
    assert "local/harbour.txt" in missing.stderr


def test_chat_follow_up(db: Path) -> None:
    res = run("chat", db=db, stdin="who is Xie Xiaoyan?\nwhat did he say about the ceasefire?\n")
    assert res.returncode == 0
    assert "China's special envoy" in res.stdout
    assert "consolidate the ceasefire" in res.stdout


def test_ask_uses_the_question_limit_setting(db: Path) -> None:
    """The same limit and message as the bot's (tests/test_bot.py)."""
    questions = [padded("who is Xie Xiaoyan?", n) for n in (600, 900)]
    res = run("ask", "--json", db=db, stdin="\n".join(questions), TALKS_MAX_QUESTION_CHARS="800")
    assert res.returncode == 0, res.stderr
    fits, over = (json.loads(line) for line in res.stdout.splitlines())
    assert fits["answered"] is True
    assert fits["answer"] == "China's special envoy on the Syrian issue"
    assert over["answered"] is False
    assert over["reply"] == too_long_message(900, 800)


def test_ask_and_chat_are_not_logged_in_the_question_journal(tmp_path: Path) -> None:
    """The journal holds the bot's users' questions (/stats, the buttons); the console's stay
    out of it (README, the command line)."""
    db = tmp_path / "talks.db"
    assert run("ask", "who is Xie Xiaoyan?", db=db).returncode == 0
    assert run("ask", db=db, stdin="when is the new round of talks?\n").returncode == 0
    assert run("chat", db=db, stdin="who is Xie Xiaoyan?\n").returncode == 0
    with sqlite3.connect(db) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        logged = conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    assert "questions" in tables
    assert logged == 0


def test_migrate_brings_the_schema_up_to_date_and_nothing_else(tmp_path: Path) -> None:
    from knowledge.storage import head_revision

    db = tmp_path / "m.db"
    first = subprocess.run(
        [str(BIN), "--db", f"sqlite:///{db}", "migrate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"the store is at revision {head_revision()} (was new)"
    again = subprocess.run(
        [str(BIN), "--db", f"sqlite:///{db}", "migrate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.stdout.strip() == f"the store is at revision {head_revision()} already"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,), "not seeded"
    conn.close()
