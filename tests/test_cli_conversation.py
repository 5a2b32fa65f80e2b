"""The CLI refuses code as an article and answers small talk as the bot does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_cli import ASK_JSON_KEYS, run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-talk") / "talks.db"


def test_loading_source_code_is_refused_and_stores_nothing(db: Path) -> None:
    before = run("articles", db=db).stdout
    res = run("load", str(ROOT / "bot" / "cli.py"), db=db)
    assert res.returncode == 1
    assert "program code, not an article" in res.stderr
    assert run("articles", db=db).stdout == before


def test_ask_answers_small_talk_and_summaries(db: Path) -> None:
    questions = "hi\nsummarise #1\nwhat did he say?\nwhen is the next round?\n"
    res = run("ask", "--json", db=db, stdin=questions)
    assert res.returncode == 0, res.stderr
    hi, summary, who, real = (json.loads(line) for line in res.stdout.splitlines())
    assert set(hi) == ASK_JSON_KEYS
    assert hi["reply"].startswith("Hello!")
    assert hi["tentative"] is False  # small talk is never an unsure answer
    assert "• Who is Staffan de Mistura?" in hi["reply"]
    assert hi["answered"] is False
    assert summary["answered"] is True
    assert summary["facts"][0]["article_id"] == 1
    assert "Staffan de Mistura told a press conference" in summary["reply"]
    assert who["reply"].startswith("Who do you mean?")
    assert real["answer"] == "early September"


def test_chat_follows_up_after_an_answer(db: Path) -> None:
    res = run("chat", db=db, stdin="what did he say?\nwho is de Mistura?\nwhat did he say?\n")
    replies = [r for r in res.stdout.split("bot> ") if r.strip()][1:]
    assert replies[0].startswith("Who do you mean?")
    assert not replies[2].startswith("Who do you mean?")
