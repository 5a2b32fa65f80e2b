"""NLP extraction on a hand-written article: entities with aliases and descriptions, quotes with
their speakers, dates resolved, NER slips mended."""

from __future__ import annotations

import datetime as dt

import pytest
from spacy.language import Language

from knowledge.ingest.reading import read_article
from knowledge.models import Extraction
from knowledge.nlp.entities import Cluster, Ent, _containing_cluster, cluster_entities
from knowledge.nlp.extract import extract

from .conftest import DATA


@pytest.fixture(scope="module")
def harbour(nlp: Language) -> Extraction:
    draft = read_article((DATA / "harbour_council.txt").read_text())
    assert draft.published is not None
    return extract(nlp, draft, article_date=draft.published)


def _entity(x: Extraction, name: str):  # type: ignore[no-untyped-def]
    found = [e for e in x.entities if name in e.aliases or e.name == name]
    assert len(found) == 1, [e.name for e in x.entities]
    return found[0]


def test_person_aliases_and_title_phrases(harbour: Extraction) -> None:
    mayor = _entity(harbour, "Ingrid Halvorsen")
    assert mayor.label == "PERSON"
    assert "Halvorsen" in mayor.aliases
    assert any("mayor" in d.lower() for d in mayor.descriptions)


def test_appositive_description_links_to_person(harbour: Extraction) -> None:
    reyes = _entity(harbour, "Tomas Reyes")
    assert any("engineer" in d for d in reyes.descriptions)


def test_quotes_get_their_speaker(harbour: Extraction) -> None:
    speakers = {
        q.text[:20]: harbour.entities[q.speaker_key].name
        for f in harbour.facts
        for q in f.quotes
        if q.speaker_key is not None
    }
    assert speakers["This is the biggest "] == "Ingrid Halvorsen"
    assert speakers["nobody asked the peo"] == "Tomas Reyes"


def test_relative_dates_resolved(harbour: Extraction) -> None:
    resolved = {s.text: s.resolved for f in harbour.facts for s in f.spans if s.label == "DATE"}
    assert resolved["Thursday"] == "2024-03-07"
    assert resolved["next month"] == "2024-04"
    assert resolved["late October"] == "2024-10"


def test_metadata_lines_are_not_facts(harbour: Extraction) -> None:
    assert all("Test Gazette" not in f.text for f in harbour.facts)
    assert harbour.facts[0].text.startswith("Councillors in Port Ellery")


def test_seed_article_entities(nlp: Language) -> None:
    from importlib import resources

    raw = resources.files("knowledge.data").joinpath("syria_talks_xinhua.txt").read_text()
    x = extract(nlp, read_article(raw), article_date=dt.date(2017, 7, 14))
    envoy = _entity(x, "Staffan de Mistura")
    # "De Mistura" is tagged ORG in some sentences and PERSON in others: one person.
    assert {"de Mistura", "De Mistura"} <= set(envoy.aliases)
    assert not any(e.label == "ORG" and "mistura" in e.name.lower() for e in x.entities)
    assert {"UN envoy", "Italian-Swedish diplomat"} <= set(envoy.descriptions)
    xie = _entity(x, "Xie Xiaoyan")
    assert "China's special envoy on the Syrian issue" in xie.descriptions
    # The caption names Putin but is not a fact.
    assert not any(f.text == "Russian President Vladimir Putin" for f in x.facts)
    # "he said" after Xie's words is Xie's quote.
    quotes = [(q.text, q.speaker_key) for f in x.facts for q in f.quotes]
    step = [k for t, k in quotes if t.startswith("At present")]
    assert step
    assert step[0] == xie.key


def test_a_one_word_organisation_is_the_longer_name_it_ends() -> None:
    forest, council = Cluster(key=0, label="ORG"), Cluster(key=1, label="ORG")
    forest.names["Nottingham Forest"] += 1
    council.names["UN Security Council"] += 1
    assert _containing_cluster("forest", "ORG", [forest, council]) is forest
    # the first word only is not enough: "UN" is not the Security Council
    assert _containing_cluster("un", "ORG", [forest, council]) is None
    assert _containing_cluster("security council", "ORG", [forest, council]) is council


def test_an_honorific_does_not_make_another_person() -> None:
    ents = [Ent(0, 0, 2, "PERSON", "Mr Yeo"), Ent(1, 0, 2, "PERSON", "Tim Yeo")]
    clusters, keys = cluster_entities(ents)
    assert keys[0] == keys[1]
    assert clusters[keys[0]].longest() == "Tim Yeo"  # the name, not the form of address


def test_titles_leave_out_dates_and_forms_of_address(nlp: Language) -> None:
    draft = read_article(
        "Council row over ferry fares\n\n"
        "The plan was attacked by councillor Peter Holm, the party's transport spokesman.\n\n"
        "And on 12 March singer Lena Falk joined the protest outside the town hall.\n\n"
        "She said transport minister Mr Dahl would listen.\n"
    )
    x = extract(nlp, draft, article_date=dt.date(2024, 5, 4))
    assert _entity(x, "Lena Falk").descriptions == ("singer",)
    dahl = next(e for e in x.entities if "Dahl" in e.aliases)
    assert "transport minister" in dahl.descriptions
