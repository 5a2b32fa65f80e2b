"""The reader refuses code, logs and tables with a reason (``knowledge.ingest.prose``), and
prose of every shape still passes."""

from __future__ import annotations

import pytest

from knowledge import NotAnArticleError
from knowledge.ingest import prose
from knowledge.ingest.reading import read_article

from .conftest import DATA, ROOT


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("The envoy said the talks would resume in Geneva on Friday.", "prose"),
        ('"We are not there yet," he told reporters, adding: "Wait and see."', "prose"),
        ("Backs: Mike Blair (Edinburgh Rugby), Andy Craig (Glasgow Rugby)", "prose"),
        ("Sales rose 5,000,000 units, e.g. in the U.S. and in the U.K.", "prose"),
        ("    def answer(self, question: str) -> Answer:", "code"),
        ("from knowledge.models import Answer", "code"),
        ("    title: str", "code"),
        ('    print(f"Loaded #{article.id}", file=out)', "code"),
        ("for (int i = 0; i < n; i++) {", "code"),
        ("2024-05-01 10:00:01,001 INFO knowledge.store: loaded #3", "log"),
        ("ERROR could not connect to the database", "log"),
        ("id,title,start,question", "table"),
        ('56be4db0acb8001400a502ec,Super Bowl 50,177,"Which team won?"', "table"),
        ("| DL | Larry Ogunjobi | 63 | 85% | 1 tackle |", "table"),
        ("1.25  3.50  7.75  12.00", "table"),
        ("---------------------------------", "table"),
        ("   ", None),
    ],
)
def test_line_kinds(line: str, kind: str | None) -> None:
    assert prose.line_kind(line) == kind


def test_a_page_held_in_one_table_cell_is_prose() -> None:
    cell = "| | " + "The rocket's core stage was finished this month, NASA said. " * 30 + "|"
    assert prose.line_kind(cell) == "prose"


def test_shares_are_by_characters() -> None:
    measured = prose.shares(
        ["The talks will resume in Geneva next month, the envoy said.", "x = f(y)", ""]
    )
    assert measured.prose + measured.code + measured.table + measured.log == pytest.approx(1)
    assert measured.prose > 0.8
    assert measured.other == "code"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (ROOT / "bot" / "cli.py", "program code"),
        (ROOT / "knowledge" / "ingest" / "reading.py", "program code"),
        (ROOT / "tests" / "test_bot.py", "program code"),
    ],
)
def test_code_is_refused_with_a_reason(path, reason: str) -> None:
    with pytest.raises(NotAnArticleError, match=reason):
        read_article(path.read_text())


def test_a_log_is_refused() -> None:
    log = "\n".join(
        f"2026-12-03 10:{m:02d}:00,120 INFO sqlalchemy.engine.Engine: SELECT articles.id, "
        f"articles.title FROM articles WHERE articles.id = ? ({m},)"
        for m in range(40)
    )
    with pytest.raises(NotAnArticleError, match="log file"):
        read_article(log)


def test_a_csv_of_text_is_refused() -> None:
    rows = ["id,category,question"] + [
        f'{i},politics,"Who said the talks in Geneva would resume on day {i}?"' for i in range(40)
    ]
    with pytest.raises(NotAnArticleError, match="table of numbers or data"):
        read_article("\n".join(rows))


def test_articles_still_read() -> None:
    draft = read_article((DATA / "harbour_council.txt").read_text())
    assert len(draft.paragraphs) > 3


def test_an_article_with_a_results_table_still_reads() -> None:
    body = (
        "The club won again on Saturday, its fifth win in a row, and the coach said the "
        "squad had never been fitter. Fans filled the stadium long before kick-off, and the "
        "mood in the city was of a title within reach.\n\n"
    ) * 3
    table = "| Team | Played | Points |\n|---|---|---|\n| Rovers | 20 | 45 |\n| City | 20 | 41 |"
    assert read_article(body + table).paragraphs
