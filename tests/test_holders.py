"""Whose role an answer holds (``knowledge/qa/holders.py``), on a store of a made-up article."""

from __future__ import annotations

import pytest
from spacy.language import Language

from knowledge import Newsroom
from knowledge.models import Entity
from knowledge.qa.holders import _alike, held_for_another, people_in
from tests.conftest import make_newsroom

ARTICLE = (
    "Harbour talks in Port Ellery\n\n"
    "Norway's trade minister Ingrid Halvorsen met the Danish trade minister Lars Holm in Port "
    "Ellery on Monday to talk about the ferry routes.\n\n"
    "Halvorsen said the talks had gone well and that a deal could follow in June.\n\n"
    "The harbour master of Port Ellery, Marta Ekholm, said the port would be ready."
)


@pytest.fixture(scope="module")
def kb(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    newsroom = make_newsroom(nlp, tmp_path_factory.mktemp("holders") / "h.db", seed=False)
    newsroom.load_text(ARTICLE, title="Harbour talks in Port Ellery")
    return newsroom


def _person(kb: Newsroom, name: str) -> Entity:
    return next(e for e in kb.index.entities.values() if e.name == name)


def test_a_person_described_with_the_role_for_another_country_holds_it_for_another(
    kb: Newsroom,
) -> None:
    holm = _person(kb, "Lars Holm")
    assert any("trade minister" in d for d in holm.descriptions)
    q = kb.engine.analyse("who is the trade minister of norway?")
    assert held_for_another(q, [holm], kb.index)


def test_a_person_described_with_the_role_for_the_asked_country_holds_it(kb: Newsroom) -> None:
    halvorsen = _person(kb, "Ingrid Halvorsen")
    q = kb.engine.analyse("who is the trade minister of norway?")
    assert not held_for_another(q, [halvorsen], kb.index)
    assert not held_for_another(
        kb.engine.analyse("who is norway's trade minister"), [halvorsen], kb.index
    )


def test_no_owner_named_or_no_role_described_says_nothing(kb: Newsroom) -> None:
    holm = _person(kb, "Lars Holm")
    # No one the role is asked for: any trade minister may answer.
    assert not held_for_another(kb.engine.analyse("who is the trade minister?"), [holm], kb.index)
    # Not the role the articles describe him with.
    q = kb.engine.analyse("who is the harbour master of norway?")
    assert not held_for_another(q, [holm], kb.index)
    assert not held_for_another(
        kb.engine.analyse("who is the trade minister of norway?"), [], kb.index
    )


def test_people_in_are_the_people_named_inside_the_span(kb: Newsroom) -> None:
    fact = next(f for f in kb.index.facts.values() if "Lars Holm" in f.text)
    start = fact.text.index("Lars Holm")
    assert [e.name for e in people_in(fact, start, start + len("Lars Holm"), kb.index)] == [
        "Lars Holm"
    ]
    assert people_in(fact, 0, start - 1, kb.index)[0].name == "Ingrid Halvorsen"
    assert people_in(fact, start + 1, len(fact.text), kb.index) == []


def test_an_irregular_demonym_is_taken_for_a_place_it_begins_as() -> None:
    assert _alike("syrian", "syria")  # the regular derivation
    assert _alike("french", "france")
    assert _alike("welsh", "wales")
    assert not _alike("french", "syria")
    assert not _alike("fresh", "syria")
