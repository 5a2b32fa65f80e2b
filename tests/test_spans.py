"""The learned span scorer on sentences written for the test: its candidates, its switch and
policy, inference with hand-set weights, the rules' margin and the shipped weights."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from knowledge import Newsroom
from knowledge.models import Fact
from knowledge.qa import spans
from knowledge.qa.config import SpanPolicy
from knowledge.qa.kinds import NOTHING, AnswerKind, Located
from knowledge.qa.question import Question, analyse
from knowledge.qa.shortanswer import locate, located

from .conftest import make_newsroom

ARTICLE = """Orchard village repairs its old mill

The villagers of Brenholt repaired the old water mill with oak beams from a nearby forest.

The miller, Ada Kestrel, grinds rye flour for three bakeries in the valley.

Kestrel said the wheel turns slowly in dry summers because the stream carries little water.
"""


@pytest.fixture(scope="module")
def mill_newsroom(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    newsroom = make_newsroom(nlp, tmp_path_factory.mktemp("mill") / "mill.db", seed=False)
    newsroom.load_text(ARTICLE, published=dt.date(2024, 3, 1), fmt="txt")
    yield newsroom
    newsroom.store.engine.dispose()


def _fact(newsroom: Newsroom, start: str) -> tuple[Fact, Doc]:
    fact = next(f for f in newsroom.index.facts.values() if f.text.startswith(start))
    return fact, newsroom.nlp(fact.text)


def _question(newsroom: Newsroom, text: str) -> Question:
    return analyse(text, index=newsroom.index, nlp=newsroom.nlp)


def test_candidates_are_trimmed_constituents(mill_newsroom: Newsroom) -> None:
    fact, doc = _fact(mill_newsroom, "The villagers")
    texts = {doc[a:b].text for a, b in spans.candidates(fact, doc)}
    # noun phrases without their determiner, a prepositional object, a verb with its object
    assert {"old water mill", "oak beams", "nearby forest"} <= texts
    assert "repaired the old water mill" in texts
    assert not any(t.startswith(("the ", "a ", ",")) for t in texts)
    assert all(b - a <= spans.MAX_TOKENS for a, b in spans.candidates(fact, doc))


def test_spans_made_of_question_words_are_no_candidates(mill_newsroom: Newsroom) -> None:
    fact, doc = _fact(mill_newsroom, "The villagers")
    q = _question(mill_newsroom, "What did the villagers of Brenholt repair the mill with?")
    found, feats = spans.featurise(q, fact, doc, NOTHING)
    texts = [doc[a:b].text for a, b in found]
    assert "villagers" not in texts
    assert "Brenholt" not in texts
    assert "oak beams" in texts
    assert len(found) == len(feats)
    assert all(feats)


def test_hand_set_weights_choose_the_span(mill_newsroom: Newsroom) -> None:
    fact, doc = _fact(mill_newsroom, "The miller")
    q = _question(mill_newsroom, "What does Ada Kestrel grind?")
    # weights that like the object of the question's verb, as two words ("len=1")
    weights = {"anchor_child=dobj": 3.0, "len=1": 0.5}
    assert spans.best_span(q, fact, doc, policy=SpanPolicy(weights=weights)) == "rye flour"
    no_model = SpanPolicy(weights={})
    assert spans.best_span(q, fact, doc, policy=no_model) is None  # the rules answer


def test_the_rules_phrase_stands_unless_clearly_beaten(mill_newsroom: Newsroom) -> None:
    fact, doc = _fact(mill_newsroom, "The miller")
    q = _question(mill_newsroom, "What does Ada Kestrel grind?")
    rule = Located("three bakeries", AnswerKind.PHRASE, "chunks")
    margin = SpanPolicy().margin
    close = SpanPolicy(weights={"anchor_child=dobj": margin / 2, "rule=same": 0.0})
    assert spans.best_span(q, fact, doc, rule=rule, policy=close) is None
    clear = SpanPolicy(weights={"anchor_child=dobj": margin + 1, "len=1": 0.5})
    assert spans.best_span(q, fact, doc, rule=rule, policy=clear) == "rye flour"


@pytest.mark.parametrize(
    ("question", "kind", "rule", "replaced"),
    [
        ("What did the villagers repair?", AnswerKind.PHRASE, "chunks", True),
        ("What did the villagers repair?", AnswerKind.NONE, None, True),
        ("What did the villagers repair?", AnswerKind.PHRASE, "focus", False),
        ("Who grinds the flour?", AnswerKind.TYPED, None, False),
        ("Did the villagers repair the mill?", AnswerKind.PHRASE, "chunks", False),  # yes/no
    ],
)
def test_which_rule_answers_it_replaces(
    mill_newsroom: Newsroom, question: str, kind: AnswerKind, rule: str | None, replaced: bool
) -> None:
    found = Located("an answer", kind, rule)
    assert spans.replaces(_question(mill_newsroom, question), found) is replaced


def test_the_switch_turns_the_scorer_off(mill_newsroom: Newsroom) -> None:
    fact, doc = _fact(mill_newsroom, "Kestrel said")
    q = _question(mill_newsroom, "What turns slowly in dry summers?")
    rules = located(q, fact, doc, mill_newsroom.index)
    # the rules' last resort: the nearest chunk
    assert rules == Located("Kestrel", AnswerKind.PHRASE, "chunks")
    assert rules.label == "phrase:chunks"  # as the scorer's features name it
    # weights that distrust the rules' span and like a subject
    on = SpanPolicy(weights={"rule=same": -10.0, "dep=nsubj": 1.0, "len=0": 0.5})
    off = dataclasses.replace(on, use_scorer=False)
    assert locate(q, fact, doc, mill_newsroom.index, policy=off) == ("Kestrel", "phrase")
    assert locate(q, fact, doc, mill_newsroom.index, policy=on) == ("wheel", "phrase")


def test_shipped_weights_are_small_and_used() -> None:
    path = Path(spans.__file__).parents[1] / "data" / spans.WEIGHTS_FILE
    assert path.stat().st_size < 2_500_000
    weights = spans.shipped_weights()
    assert len(weights) > 1000
    assert SpanPolicy().use_scorer
    assert SpanPolicy().policy in spans.REPLACES
