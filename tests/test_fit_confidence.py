"""The choice and confidence fits of bench/fit_confidence.py on rows made up here: what the rule
engine's opinion is worth is measured by fitting with its features and without."""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from fit_confidence import (
    RULES,
    Asked,
    choice_of,
    pasted_choice,
    refit_table,
    without_features,
)
from news_questions import (
    QUESTIONS,
    TRAINING,
    UNSEEN,
    load_questions,
    near_copies,
    unseen_questions,
)

from knowledge.qa.config import DEFAULT, READER_FEATURES
from tests.conftest import shared_path

AGREE = READER_FEATURES.index("agree")
MARGIN = READER_FEATURES.index("margin")


def _asked(rng: random.Random, fold: int, *, answerable: bool) -> Asked:
    """Five facts read, the reader's margin saying little; the rules agree with the right one
    nine times in ten, and with a fact at random otherwise."""
    right = rng.randrange(5) if answerable else -1
    agreed = right if answerable and rng.random() < 0.9 else rng.randrange(5)
    rows, labels = [], []
    for k in range(5):
        row = [0.0] * len(READER_FEATURES)
        row[MARGIN] = rng.gauss(0.0, 1.0)
        row[READER_FEATURES.index("rules")] = 0.8
        row[AGREE] = 0.8 if k == agreed else 0.0
        rows.append(row)
        labels.append(k == right)
    return Asked("written", fold, answerable, True, rows, labels, ["x"] * 5, article=[1.0] * 5)


def _questions(n: int = 400) -> list[Asked]:
    rng = random.Random(7)
    return [_asked(rng, k % 2, answerable=(k // 2) % 4 != 0) for k in range(n)]


def test_left_out_features_read_as_zero_and_the_rest_unchanged() -> None:
    asked = _questions(8)
    out = without_features(asked, RULES)
    for before, after in zip(asked, out, strict=True):
        for r0, r1 in zip(before.rows, after.rows, strict=True):
            assert r1[AGREE] == r1[READER_FEATURES.index("rules")] == 0.0
            assert r1[MARGIN] == r0[MARGIN]
    assert asked[0].rows[0][READER_FEATURES.index("rules")] == 0.8  # the input is left as it was


def test_a_choice_fitted_without_the_rules_gives_them_no_weight() -> None:
    asked = _questions()
    without = choice_of(without_features(asked, RULES), RULES)
    assert without.rules == without.agree == 0.0
    assert not without.consults_rules
    weighed = choice_of(asked, frozenset())
    assert weighed.agree > 1.0  # the only thing here that tells the right fact


def test_the_refit_table_shows_what_a_feature_of_the_choice_is_worth() -> None:
    asked = _questions()
    rows = refit_table(asked, [], [("all", frozenset()), ("without it", RULES)])
    by_name = {name: float(chosen) for source, name, chosen, *_ in rows if source == "written"}
    assert set(by_name) == {"all", "without it"}
    # Agreeing with the right fact is all the signal: without it, about one in five.
    assert by_name["all"] > 0.8
    assert by_name["without it"] < 0.4


def test_the_choice_refitted_reads_as_it_stands_in_the_config() -> None:
    weights = dataclasses.replace(DEFAULT.reader, bias=-1.23456, agree=2.0)
    text = pasted_choice(weights)
    assert "    bias: float = -1.2346" in text.splitlines()
    assert "    agree: float = 2.0" in text.splitlines()
    assert len(text.splitlines()) == len(READER_FEATURES) + 2  # and the bias and threshold


def test_the_batches_fitted_on_and_the_unseen_ones_split_the_written_questions() -> None:
    """The scripts that fit read ``TRAINING``; the ones that judge the shipped files read
    ``UNSEEN``: no batch is both, and none is left out."""
    assert UNSEEN
    assert TRAINING
    assert not set(TRAINING) & set(UNSEEN)
    assert sorted(TRAINING + UNSEEN) == QUESTIONS


def test_a_near_copy_is_the_same_story_again_not_the_same_topic() -> None:
    """business/290 is business/438 again with a byte changed (their SHA-1s differ); 138 and
    152 tell one story in other words (half their 5-grams shared): not a copy."""
    shared_path("corpus", "bbc")
    names = {"bbc/business/290.txt", "bbc/business/138.txt", "bbc/business/010.txt"}
    assert near_copies(names, {"bbc/business/438.txt", "bbc/business/152.txt"}) == {
        "bbc/business/290.txt"
    }


def test_the_unseen_questions_leave_out_near_copies_of_articles_fitted_on() -> None:
    shared_path("corpus", "bbc")
    trained = {q["article"] for q in load_questions(TRAINING)}
    everything = {q["article"] for q in load_questions(UNSEEN)}
    kept = {q["article"] for q in unseen_questions()}
    dropped = everything - kept
    assert "bbc/business/290.txt" in dropped
    assert near_copies(dropped, trained) == dropped
    assert len(kept) > 400
