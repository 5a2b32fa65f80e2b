"""Language identification of short messages (``knowledge.language``), measured: English
questions are never taken for foreign, short questions in other languages are recognised."""

from __future__ import annotations

import json

import pytest

from knowledge.language import NOT_ENGLISH, foreign_language, not_english_text

from .conftest import DATA, SHARED, shared_path


def english_questions() -> list[str]:
    """The project's question sets (and the team's, where ../shared is here)."""
    paths = sorted(DATA.glob("*.jsonl"))
    dev = SHARED / "eval" / "dev_questions.jsonl"
    if dev.is_file():
        paths.append(dev)
    found = []
    for path in paths:
        for line in path.read_text().splitlines():
            if line.startswith("{") and "q" in (item := json.loads(line)):
                found.append(item["q"])
    return found


FOREIGN = [
    tuple(line.split("\t"))
    for line in (DATA / "foreign_questions.tsv").read_text().splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize(
    "text",
    [
        "who is de mistura",
        "when is the next round",
        "who is staffan de mistrua",
        "How are ergänzungsschulen funded?",
        "When did Luther write Wir glauben all an einen Gott?",
        "what do you need to watch buntes fernsehen in broadcast quality",
        "Amman",
        "Emmanuel Macron",
        "ceasefire",
        "?",
    ],
)
def test_short_english_with_names_is_english(text: str) -> None:
    assert foreign_language(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("где проходят переговоры?", "ru"),
        ("¿quién es de Mistura?", "es"),
        ("où ont lieu les négociations ?", "fr"),
        ("wann ist die nächste Runde?", "de"),
        ("من هو دي ميستورا؟", "ar"),
        ("德米斯图拉是谁？", "zh"),
    ],
)
def test_short_questions_in_other_languages(text: str, language: str) -> None:
    assert foreign_language(text) == language


def test_the_users_language_when_the_model_is_unsure() -> None:
    assert foreign_language("hallo") is None
    assert foreign_language("hallo", user_language="de-AT") == "de"
    assert foreign_language("who is de mistura", user_language="ru") is None
    assert foreign_language("hallo", user_language="en-GB") is None


def test_no_english_question_of_the_sets_is_taken_for_foreign() -> None:
    questions = english_questions()
    assert len(questions) > 500
    foreign = [q for q in questions if foreign_language(q) is not None]
    assert foreign == []


def test_squad_questions_are_english() -> None:
    path = shared_path("corpus", "squad", "dev-v1.1.json")
    dev = set(shared_path("corpus", "squad", "DEV_ARTICLES.txt").read_text().split("\n"))
    data = json.loads(path.read_text())["data"]
    questions = [
        qa["question"]
        for article in data
        if article["title"] in dev
        for p in article["paragraphs"]
        for qa in p["qas"]
    ]
    assert len(questions) > 7000
    assert [q for q in questions if foreign_language(q) is not None] == []


def test_foreign_questions_are_recognised_in_their_language() -> None:
    right = [text for language, text in FOREIGN if foreign_language(text) == language]
    not_english = [text for _, text in FOREIGN if foreign_language(text) is not None]
    assert len(FOREIGN) == 94
    assert len(right) >= 90, "measured: 90 of 94"
    assert len(not_english) >= 90


@pytest.mark.parametrize("language", ["ru", "es", "fr", "de", "ar", "zh"])
def test_the_reply_is_in_the_language(language: str) -> None:
    used, text = not_english_text(language)
    assert used == language
    assert text == NOT_ENGLISH[language] != NOT_ENGLISH["en"]


def test_other_languages_get_english() -> None:
    assert not_english_text("sw") == ("en", NOT_ENGLISH["en"])
