"""Recognising what is not a question about the news (``knowledge.conversation``): strict, so
that no real question is taken for small talk."""

from __future__ import annotations

import json

import pytest

from knowledge.conversation import Intent, Recognised, recognise

from .conftest import DATA, SHARED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi", Recognised(Intent.GREETING)),
        ("Hello there!", Recognised(Intent.GREETING)),
        ("good morning", Recognised(Intent.GREETING)),
        ("thanks", Recognised(Intent.THANKS)),
        ("Thank you very much!", Recognised(Intent.THANKS)),
        ("ok, thanks", Recognised(Intent.THANKS)),
        ("what can you do?", Recognised(Intent.ABILITIES)),
        ("Who are you?", Recognised(Intent.ABILITIES)),
        ("what is this article about?", Recognised(Intent.SUMMARY)),
        ("What’s the story about", Recognised(Intent.SUMMARY)),
        ("summarise #3", Recognised(Intent.SUMMARY, article_id=3)),
        ("Summarize article 12 please", Recognised(Intent.SUMMARY, article_id=12)),
        ("summary of the latest article", Recognised(Intent.SUMMARY, latest=True)),
        ("what was the last story about?", Recognised(Intent.SUMMARY, latest=True)),
        ("tl;dr", Recognised(Intent.SUMMARY)),
        ("what did he say?", Recognised(Intent.WHO_MEANT)),
        ("Who is she?", Recognised(Intent.WHO_MEANT)),
        ("where is he from", Recognised(Intent.WHO_MEANT)),
    ],
)
def test_recognised(text: str, expected: Recognised) -> None:
    assert recognise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "who is de mistura",
        "when is the next round?",
        "what do you know about Syria?",
        "what was the meeting about?",
        "what did he say about Assad?",
        "What did Lavrov say when he met Kerry?",
        "thanks to whom was the ceasefire agreed?",
        "hi-tech exports",
        "what is the summary judgment?",
        "help for refugees",
        "",
    ],
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert recognise(text) is None


def test_a_follow_up_after_an_answer_is_the_engines() -> None:
    assert recognise("what did he say?", has_context=True) is None
    assert recognise("what is this article about?", has_context=True) == Recognised(Intent.SUMMARY)


def test_no_question_of_the_sets_is_taken_for_small_talk() -> None:
    paths = [*sorted(DATA.glob("*.jsonl")), SHARED / "eval" / "dev_questions.jsonl"]
    questions = [
        item
        for path in paths
        if path.is_file()
        for line in path.read_text().splitlines()
        if line.startswith("{") and "q" in (item := json.loads(line))
    ]
    assert len(questions) > 500
    # a follow-up has the previous question's answer to point at
    taken = [q["q"] for q in questions if recognise(q["q"], has_context="context" in q)]
    assert taken == []
