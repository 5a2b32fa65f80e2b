"""Name swaps for the reader's training (bench/renamed.py): a question about someone the
sentence does not name, read against that sentence, is a "no answer" row."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from renamed import pool_of, renamed

SENTENCE = "French President Emmanuel Macron met Angela Merkel in Berlin on Monday."
NAMES = (
    ("French", "NORP"),
    ("Emmanuel Macron", "PERSON"),
    ("Angela Merkel", "PERSON"),
    ("Berlin", "GPE"),
)
POOL = pool_of(
    [
        ("other.txt", "Boris Johnson", "PERSON"),
        ("other.txt", "Madrid", "GPE"),
        ("same.txt", "Rome", "GPE"),  # the question's own article: never drawn
        ("other.txt", "Berlin Wall", "GPE"),  # shares a word with the sentence: never drawn
    ]
)


def _swap(
    question: str, answers: tuple[str, ...] = ("Angela Merkel",), seed: int = 0
) -> str | None:
    return renamed(
        question, SENTENCE, NAMES, answers, source="same.txt", pool=POOL, rng=random.Random(seed)
    )


def test_a_place_the_question_shares_with_the_sentence_becomes_another_articles_place() -> None:
    seen = {_swap("Whom did Macron meet in Berlin?", seed=seed) for seed in range(20)}
    # a surname alone becomes a surname; Rome (the same article) and Berlin Wall never come
    assert seen == {"Whom did Johnson meet in Berlin?", "Whom did Macron meet in Madrid?"}


def test_lowercase_questions_get_lowercase_names() -> None:
    for seed in range(10):
        assert _swap("where did macron meet merkel", answers=("Berlin",), seed=seed) in {
            "where did johnson meet merkel",
            "where did macron meet johnson",
        }


def test_a_name_in_the_answer_is_never_swapped_and_no_shared_name_gives_none() -> None:
    # "Merkel" is the answer: only "Macron" may go
    for seed in range(10):
        assert _swap("Who did Macron meet?", answers=("Angela Merkel",), seed=seed) == (
            "Who did Johnson meet?"
        )
    assert _swap("Who met the chancellor?", answers=("Emmanuel Macron",)) is None
    # no name of that kind from another article: nothing to swap to
    only_own = pool_of([("same.txt", "Paris", "GPE")])
    assert (
        renamed(
            "When was the meeting in Berlin?",
            SENTENCE,
            NAMES,
            ("Monday",),
            source="same.txt",
            pool=only_own,
            rng=random.Random(0),
        )
        is None
    )
