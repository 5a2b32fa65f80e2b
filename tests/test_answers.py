"""Answering: short answers with their sentence, declines, typos, cards, follow-ups, bad input."""

from __future__ import annotations

import pytest

from knowledge import Newsroom
from knowledge.models import Turn
from knowledge.qa.reply import DECLINE

from .conftest import DATA


def test_answer_has_short_answer_sentence_and_article(seeded_newsroom: Newsroom) -> None:
    a = seeded_newsroom.answer("when will the next round of talks be convened?")
    assert a.answered
    assert a.short == "early September"
    assert a.fact is not None
    assert "convened in early September" in a.fact.text
    assert "early September" in a.reply
    assert "2017" in a.reply


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("wen did the last tlaks end", "May 19"),
        ("who is de mistrua", "UN Special Envoy for Syria"),
        ("Who is Emmanuel Macron?", "French President"),
        ("Kazakhstan", "Astana"),
    ],
)
def test_typos_and_cards(seeded_newsroom: Newsroom, question: str, expected: str) -> None:
    a = seeded_newsroom.answer(question)
    assert a.answered
    assert a.short is not None
    assert expected in a.short


@pytest.mark.parametrize(
    "question",
    [
        "Who won the Champions League?",
        "What is the population of Syria?",
        "What did Erdogan say in Astana?",
    ],
)
def test_declines_plainly(seeded_newsroom: Newsroom, question: str) -> None:
    a = seeded_newsroom.answer(question)
    assert not a.answered
    assert a.reply.startswith(DECLINE)


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n ",
        "x" * 20_000,
        "\x00\x01\x02binary",
        "¿Quién ganó la liga? Что это такое?",
        "これは何ですか",
        "?!?!",
    ],
)
def test_bad_questions_get_a_clear_reply(seeded_newsroom: Newsroom, question: str) -> None:
    a = seeded_newsroom.answer(question)
    assert not a.answered
    assert a.reply
    assert not a.reply.startswith("Traceback")


def test_follow_up_uses_previous_turn(seeded_newsroom: Newsroom) -> None:
    first = seeded_newsroom.answer("who is Xie Xiaoyan?")
    assert first.answered
    follow = seeded_newsroom.answer(
        "what did he say about the ceasefire?", context=Turn("", first)
    )
    # "he" is Xie: his sentence about the ceasefire comes first. Whether it is answered or
    # offered under "did you mean" is the reader's confidence against the fitted threshold
    # (0.155 against 0.17 with the shipped weights: one of the ~9 % false declines).
    assert follow.facts
    top = follow.fact if follow.answered else follow.facts[0].fact
    assert top is not None
    assert "ceasefire" in top.text
    assert "Xie" in top.text


def test_other_article_answers_without_cross_talk(newsroom: Newsroom) -> None:
    harbour = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    a = newsroom.answer("who is the mayor of port ellery?")
    assert a.answered
    assert a.short == "Ingrid Halvorsen"
    assert a.fact is not None
    assert a.fact.article_id == harbour.id
    b = newsroom.answer("when did the last UN-led talks end?")
    assert b.answered
    assert b.fact is not None
    assert b.fact.article_id != harbour.id
    c = newsroom.answer("how many jobs will the terminal create?")
    assert c.answered
    assert c.short is not None
    assert "120" in c.short
