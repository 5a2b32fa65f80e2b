"""Demonyms and their places: the regular derivations are undone, irregular ones left alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from spacy.language import Language

from knowledge.nlp.demonyms import place_forms, related
from knowledge.qa.config import QAConfig, RankWeights

from .conftest import make_newsroom, with_config


@pytest.mark.parametrize(
    ("adjective", "place"),
    [
        ("Chinese", "China"),
        ("Syrian", "Syria"),
        ("Italian", "Italy"),
        ("Swedish", "Sweden"),
        ("Turkish", "Turkey"),
        ("Jordanian", "Jordan"),
        ("Israeli", "Israel"),
        ("German", "Germany"),
        ("Austrian", "Austria"),
        ("Australian", "Australia"),
    ],
)
def test_regular_demonyms_lead_back_to_their_place(adjective: str, place: str) -> None:
    assert related(adjective, place)


@pytest.mark.parametrize(
    ("adjective", "place"),
    [("Irish", "Iran"), ("Austrian", "Australia"), ("French", "France"), ("Syria", "Syria")],
)
def test_unrelated_or_irregular_pairs_are_not_linked(adjective: str, place: str) -> None:
    assert not related(adjective, place)


def test_short_stems_give_no_forms() -> None:
    assert place_forms("Thai") == set()  # "Th" is too short a stem to guess from


FERRY = """Ferry line between the islands to reopen in May

The Swedish transport agency said on Monday that the ferry line between the islands would \
reopen in May after two years of repairs.

Sweden's special transport envoy Karin Lindqvist told local radio that the ferry would carry up \
to 300 passengers a day.

The Swedish envoy Lindqvist also said that fares would stay at the level of 2023.
"""


def test_a_demonym_in_the_question_finds_the_fact_that_names_the_place(
    nlp: Language, tmp_path: Path
) -> None:
    newsroom = make_newsroom(nlp, tmp_path / "ferry.db", seed=False, reader=False)
    newsroom.load_text(FERRY, published=dt.date(2024, 5, 4), fmt="txt")
    question = "what is the name of the swedish special envoy"
    a = newsroom.answer(question)
    assert a.answered, a
    assert a.short == "Karin Lindqvist"
    assert a.facts[0].fact.text.startswith("Sweden's special transport envoy")
    no_kin = dataclasses.replace(QAConfig(), rank=RankWeights(kin_weight=0.0))
    without_kin = with_config(newsroom, no_kin)
    assert not without_kin.answer(question).facts[0].fact.text.startswith("Sweden's")
