"""Answer shapes on an article written for the test (not the seed): colon lists, yes/no
questions, bracketed conversions, "how many years", "how X", copula answers, entities named only
by a description, real words that are not typos, and a deterministic first stage.

These are the rule engine's shapes: the answers when the learned reader is off
(``TALKS_READER=off``, ``reader=False``), which stays the fallback."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from knowledge import Newsroom
from knowledge.models import Turn
from knowledge.qa import engine, question_types, rank
from knowledge.qa.config import Calibration, QAConfig, RankWeights

from .conftest import make_newsroom, with_config

ARTICLE = """Lakeside town opens a new bridge after a decade of delays

The town of Marrowby opened its new footbridge on Saturday, ending a dispute that had dragged on \
for eleven years.

The mayor of Marrowby, Petra Vollan, said the council had focused on three goals: safety, \
access and cost.

The bridge is 240 metres (787 feet) long and cost 12 million euros.

The project was delayed by a court case brought by local boat owners, but so far no accidents \
have been reported on the old crossing.

Engineers from the firm Koller Bau built the bridge in the city of Linz, Austria, and shipped \
it in sections.

The sections were carried down the river to Marrowby by barge.

Vollan said the town would hold a second vote on the harbour plan in early June.

Vollan said the building work had gone remarkably smoothly and the main priority now is to \
repair the old pier.
"""


def _newsroom_with(nlp: Language, db: Path, text: str) -> Newsroom:
    """A fresh store (no seed article) holding only this article, published 2024-05-04."""
    newsroom = make_newsroom(nlp, db, seed=False, reader=False)
    newsroom.load_text(text, published=dt.date(2024, 5, 4), fmt="txt")
    return newsroom


def _answers(newsroom: Newsroom, question: str, expected: str) -> None:
    a = newsroom.answer(question)
    assert a.answered, a
    assert a.short == expected


@pytest.fixture(scope="module")
def bridge_newsroom(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    return _newsroom_with(nlp, tmp_path_factory.mktemp("bridge") / "bridge.db", ARTICLE)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the list a noun introduces before a colon
        ("What three goals did the council focus on?", "safety, access and cost"),
        # a bracketed conversion is not part of the answer
        ("How long is the bridge?", "240 metres"),
        # "how many years" is answered by a duration the NER tags as a date
        ("how many years did the dispute last", "eleven years"),
        # a place noun in "which city" asks for the place the thing happened in
        ("In which city was the bridge built?", "Linz"),
        # "how" without a type: the means
        ("How were the sections carried to Marrowby?", "by barge"),
        # an entity the question only describes ("the mayor") is what "who" asks for
        ("Who is the mayor of Marrowby mentioned in the article?", "Petra Vollan"),
        # "how X": the fact's phrase headed by the same adverb
        ("How smoothly did the building work go?", "remarkably smoothly"),
        # the focus noun as a copula's subject: the other side, even a "to" clause
        ("What priority did Vollan name?", "to repair the old pier"),
        # "besides X": what the fact lists beside X
        ("Besides safety, what did the council focus on?", "access and cost"),
        # "what kind of X": X names the answer's kind, which the fact need not say
        ("What kind of vessel carried the sections to Marrowby?", "barge"),
        # a means is what "how did X ...?" asks for, even worded with a noun the article lacks
        ("How did the sections make their way to Marrowby?", "by barge"),
    ],
)
def test_answer_shapes(bridge_newsroom: Newsroom, question: str, expected: str) -> None:
    _answers(bridge_newsroom, question, expected)


def test_yes_no_question_answers_with_the_phrase_that_settles_it(
    bridge_newsroom: Newsroom,
) -> None:
    a = bridge_newsroom.answer("Have there been accidents on the old crossing?")
    assert a.answered
    assert a.short is not None
    assert a.short.startswith("no accidents")


def test_follow_up_that_city(bridge_newsroom: Newsroom) -> None:
    first = bridge_newsroom.answer("In which city was the bridge built?")
    a = bridge_newsroom.answer(
        "Which country is that city in?", context=Turn(first.question, first)
    )
    assert a.answered
    assert a.short == "Austria"


def test_real_words_are_not_repaired_into_store_words(bridge_newsroom: Newsroom) -> None:
    q = bridge_newsroom.engine.analyse("which city hosted the vote")
    assert q.repairs == ()  # "city" is not a misspelt "cite", nor "hosted" of anything
    assert q.expected == ("GPE", "LOC")
    typo = bridge_newsroom.engine.analyse("when did the brigde open")
    assert ("brigde", "bridge") in typo.repairs
    # a short word is repaired by an insertion ("wen"), never by a deletion ("show" → "how")
    show = bridge_newsroom.engine.analyse("wen will the show begin")
    assert show.repairs == (("wen", "when"),)
    assert "show" in {g[0] for g in show.groups}


def test_a_word_found_only_through_its_synonym_counts_less(bridge_newsroom: Newsroom) -> None:
    q = bridge_newsroom.engine.analyse("When did the footbridge begin?")  # the fact says "opened"
    fact = next(f for f in bridge_newsroom.index.facts.values() if "opened its new" in f.text)
    weights = rank.group_weights(q, bridge_newsroom.index)
    feats = rank.features(
        q, fact, bridge_newsroom.index, context_entities=frozenset(), weights=weights
    )
    begin = next(w for g, w in zip(q.groups, weights, strict=True) if g[0] == "begin")
    missed = (1 - RankWeights().synonym_credit) * begin
    assert feats.coverage == pytest.approx(1 - missed / sum(weights))


def test_unknown_lowercase_name_is_declined(bridge_newsroom: Newsroom) -> None:
    a = bridge_newsroom.answer("what did jorgensen say about the bridge")
    assert not a.answered


def test_card_confidence_depends_on_what_the_articles_say(bridge_newsroom: Newsroom) -> None:
    described = bridge_newsroom.answer("Petra Vollan")
    assert described.answered
    assert described.confidence < 1.0
    named_only = bridge_newsroom.answer("Koller Bau")
    assert named_only.answered
    assert named_only.confidence < described.confidence


def test_candidates_are_deterministic_and_ranked(bridge_newsroom: Newsroom) -> None:
    q = bridge_newsroom.engine.analyse("How long is the bridge?")
    scores = rank.retrieve(q, bridge_newsroom.index)
    ids = rank.candidates(q, bridge_newsroom.index)
    assert ids == rank.candidates(q, bridge_newsroom.index)
    assert ids == sorted(scores, key=lambda f: (-scores[f], f))[: RankWeights().max_candidates]
    best = bridge_newsroom.index.facts[ids[0]]
    assert "240 metres" in best.text


def test_bm25_prefers_the_shorter_of_two_facts_with_the_same_words(
    nlp: Language, tmp_path: Path
) -> None:
    newsroom = make_newsroom(nlp, tmp_path / "bm25.db", seed=False, reader=False)
    newsroom.load_text(
        "Two notes on the ferry service\n\n"
        "The ferry timetable changed on Monday after a long review by the port authority, the "
        "regional transport board, the union of ferry workers and several passenger groups.\n\n"
        "The ferry timetable changed on Monday.\n\n"
        "Passengers said the new boats were quieter than the old ones.",
        published=dt.date(2024, 1, 10),
        fmt="txt",
    )
    q = newsroom.engine.analyse("ferry timetable")
    ids = rank.candidates(q, newsroom.index)
    assert newsroom.index.facts[ids[0]].text == "The ferry timetable changed on Monday."


@pytest.mark.parametrize(
    "question",
    [
        # "early June" only narrows the question's own month: it tells nothing new
        "On what exact date in June will the town vote on the harbour plan?",
        # a month the question names and the fact lacks
        "Which day in March did the town open its footbridge?",
    ],
)
def test_answer_that_adds_nothing_declines(bridge_newsroom: Newsroom, question: str) -> None:
    a = bridge_newsroom.answer(question)
    assert not a.answered, a


def test_date_question_still_answers(bridge_newsroom: Newsroom) -> None:
    a = bridge_newsroom.answer("On which day did the town open its footbridge?")
    assert a.answered
    assert a.short == "Saturday"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the option the fact itself names
        ("Did the building work go smoothly or slowly?", "smoothly"),
        # neither option named: the fact's manner adverb answers it
        ("Did the building work go well or badly?", "remarkably smoothly"),
    ],
)
def test_either_or_question(bridge_newsroom: Newsroom, question: str, expected: str) -> None:
    a = bridge_newsroom.answer(question)
    assert a.answered, a
    assert a.short == expected


def test_reason_ends_where_a_conjoined_clause_starts(
    nlp: Language, tmp_path_factory: pytest.TempPathFactory
) -> None:
    newsroom = _newsroom_with(
        nlp,
        tmp_path_factory.mktemp("ferry") / "ferry.db",
        "Ferry service ends in Marrowby\n\nThe old ferry stopped running in March because the "
        "river froze over and the town council sold the boat to a museum.\n\nPassengers now "
        "walk across the new footbridge, which opened on Saturday.\n",
    )
    a = newsroom.answer("Why did the old ferry stop running?")
    assert a.answered, a
    assert a.short == "because the river froze over"


@pytest.fixture(scope="module")
def harbour_newsroom(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    return _newsroom_with(
        nlp,
        tmp_path_factory.mktemp("harbour") / "harbour.db",
        "Harbour plan divides Marrowby\n\n"
        "Mayor Petra Vollan said the harbour plan would help the fishermen of Kessel and the "
        "traders of Lund.\n\n"
        "The plan is the most important project of the decade and it must not be delayed by "
        "another court case, Vollan told Radio Marrow.\n\n"
        "Vollan said the ferry company Nordlink supports the plan.\n\n"
        "The plans were drawn by the port official Lars Eklund.\n\n"
        "The Danish-Norwegian official, who has designed ports since 1998, said the first "
        "quay would open in Kessel, Sweden, next spring.\n\n"
        "The new quay will serve fishing boats from northern Norway.\n\n"
        "Eklund said the quay would cost less than planned.\n",
    )


def test_who_did_x_speak_to_is_the_argument_of_the_speech_verb(
    harbour_newsroom: Newsroom,
) -> None:
    # Every fact has Vollan speaking and a name of the asked type; only one names whom she
    # spoke to, as the object of "told". The shorter facts score higher in the first stage.
    question = "Who did Petra Vollan speak to?"
    a = harbour_newsroom.answer(question)
    assert a.answered, a
    assert a.short == "Radio Marrow"
    # the rerank's cost per arc is what finds it
    flat = dataclasses.replace(QAConfig(), rank=RankWeights(distance_penalty=0.0))
    assert with_config(harbour_newsroom, flat).answer(question).short != "Radio Marrow"


def test_what_nationality_is_the_whole_hyphenated_word_of_a_description(
    harbour_newsroom: Newsroom,
) -> None:
    a = harbour_newsroom.answer("What nationality is Lars Eklund?")
    assert a.answered, a
    assert a.short == "Danish-Norwegian"


def test_that_town_in_a_follow_up_is_the_previous_answer(harbour_newsroom: Newsroom) -> None:
    first = harbour_newsroom.answer("In which town will the first quay open?")
    assert first.short == "Kessel"
    # "country" is the asked type and "that town" the previous answer: neither is missing
    a = harbour_newsroom.answer(
        "Which country is that town in?", context=Turn(first.question, first)
    )
    assert a.answered, a
    assert a.short == "Sweden"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # "which part of X": X with the adjective that narrows it
        ("Which part of Norway will the new quay serve?", "northern Norway"),
        # a misspelt noun that names the asked type is repaired to it, so a list answers
        ("which contries will the quay serve", "Norway"),
        # "besides X": the phrase conjoined with X, even when the parse hangs it on X's "of"
        ("Besides the fishermen of Kessel, who would the plan help?", "traders of Lund"),
        # "what is X's N": N names the asked type (and "Eklund's" is no typo of "Eklund")
        ("What is Eklund's nationality?", "Danish-Norwegian"),
        # a person's job is how the articles describe the person
        ("What is Lars Eklund's role?", "port official"),
        # an untitled name's card says what a fact calls it ("the ferry company Nordlink")
        ("What is Nordlink?", "ferry company"),
    ],
)
def test_harbour_shapes(harbour_newsroom: Newsroom, question: str, expected: str) -> None:
    _answers(harbour_newsroom, question, expected)


def test_who_is_the_description_prefers_the_fact_that_says_it(harbour_newsroom: Newsroom) -> None:
    a = harbour_newsroom.answer("Who is the port official in the article?")
    assert a.answered, a
    assert a.short == "Lars Eklund"
    assert "port official Lars Eklund" in a.facts[0].fact.text


def test_the_noun_a_kind_of_question_asks_about_weighs_little(bridge_newsroom: Newsroom) -> None:
    q = bridge_newsroom.engine.analyse("What kind of vessel carried the sections?")
    plain = bridge_newsroom.engine.analyse("What vessel carried the sections?")
    assert q.focus == plain.focus == "vessel"
    index = bridge_newsroom.index
    weight = dict(zip((g[0] for g in q.groups), rank.group_weights(q, index), strict=True))
    unweighted = dict(
        zip((g[0] for g in plain.groups), rank.group_weights(plain, index), strict=True)
    )
    assert weight["vessel"] == pytest.approx(RankWeights().focus_weight * unweighted["vessel"])
    assert weight["section"] == pytest.approx(unweighted["section"])


def test_besides_x_never_answers_x(bridge_newsroom: Newsroom) -> None:
    q = bridge_newsroom.engine.analyse("Apart from the court case, what delayed the project?")
    assert [q.groups[i][0] for i in sorted(q.excluded)] == ["court", "case"]
    assert "apart" not in {g[0] for g in q.groups}
    a = bridge_newsroom.answer("Apart from the court case, what delayed the project?")
    assert not a.answered or "court case" not in (a.short or "")


def test_a_list_of_as_many_items_as_asked_answers_a_paraphrase(bridge_newsroom: Newsroom) -> None:
    # "aims" is not in the article: the three-item list after "three goals:" is what tells
    a = bridge_newsroom.answer("Which three aims did the council name?")
    assert a.answered, a
    assert a.short == "safety, access and cost"
    wrong_count = bridge_newsroom.answer("Which two aims did the council name?")
    assert wrong_count.confidence < a.confidence


def test_confidence_falls_with_the_arcs_between_the_answer_and_the_question() -> None:
    cal = Calibration()
    assert engine._distance_factor(None, cal) == 1.0
    assert engine._distance_factor(cal.distance_free, cal) == 1.0
    assert engine._distance_factor(cal.distance_free + 3, cal) == pytest.approx(
        1 - 3 * cal.distance_slope
    )
    assert engine._distance_factor(100.0, cal) == cal.distance_floor


def test_what_kind_of_x_finds_x_where_the_parser_gave_no_noun_chunk(
    nlp: Language, tmp_path: Path
) -> None:
    newsroom = _newsroom_with(
        nlp,
        tmp_path / "pier.db",
        "Pier repairs to start in spring\n\n"
        "The council of Marrowby said on Tuesday that the old pier would be rebuilt next year.\n\n"
        "Engineers said a step-by-step approach should be taken to rebuild the pier so that the "
        "ferry can keep running.\n",
    )
    fact = next(f for f in newsroom.facts_of(1) if "step-by-step" in f.text)
    assert "approach" not in {c.root.text for c in nlp(fact.text).noun_chunks}  # the premise
    a = newsroom.answer("What kind of approach did the engineers propose?")
    assert a.answered, a
    assert a.short == "step-by-step approach"


def test_a_fact_about_another_one_of_the_thing_asked_is_doubted(
    bridge_newsroom: Newsroom,
) -> None:
    # The article's bridge is new; none of the words narrowing "bridge" is in the fact.
    question = "Who built the lakeside town's old wooden bridge?"
    assert not bridge_newsroom.answer(question).answered
    trusting = dataclasses.replace(QAConfig(), calibration=Calibration(another_factor=1.0))
    assert with_config(bridge_newsroom, trusting).answer(question).answered


def test_how_many_seconds_asks_for_a_time_too() -> None:
    wh, _, _, expected = question_types.question_type(("after", "how", "many", "seconds", "do"))
    assert wh == "how many"
    assert "TIME" in expected
    assert question_types.question_type(("what", "is", "eklund", "'s", "job"))[1] == "job"
    # a type noun past the verb is no focus: "what did Prince Harry wear" asks for no prince
    assert question_types.question_type(("what", "did", "prince", "harry", "wear"))[1:] == (
        None,
        False,
        (),
    )


RACE = """Runner returns to the city marathon

Distance runner Mia Falk will race in the Lakeside Marathon on Sunday, a year after the Northern \
Games, where she failed to finish the 10,000 metres.

Team doctor Jonas Berg said the 31-year-old had trained at altitude for six weeks.

Her sponsor, the online retailer Shoeshop.com, holds the naming rights for the race's finish area.

The small flags, known as pennants, mark every mile of the course.

At last year's race Falk was knocked over by a photographer near the finish.

Falk is suing Lakeside Events Ltd over the fall.

"She is ready," said Eva Lind of the Lakeside Athletics Club.

In a short film about the race Falk plays a retired nurse who runs every morning.
"""


@pytest.fixture(scope="module")
def race_newsroom(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    return _newsroom_with(nlp, tmp_path_factory.mktemp("race") / "race.db", RACE)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # what a relative "where" clause that says the question hangs from
        ("Where did Mia Falk fail to finish the 10,000 metres?", "Northern Games"),
        # a question ending in a preposition: that preposition's object in the fact
        ("What does Shoeshop hold the naming rights for?", "race's finish area"),
        # a lowercase noun for a person right before a name is a title
        ("Who is Jonas Berg?", "Team doctor"),
        # "X, known as Y": what Y is
        ("What are pennants?", "small flags"),
        # "what knocked X over" where the fact is passive: its agent
        ("What knocked Falk over?", "photographer"),
        # "is" as an auxiliary, not a question of identity
        ("Who is Falk suing?", "Lakeside Events Ltd"),
        # a person with no title: "X of Y" says who she is
        ("Who is Eva Lind?", "of the Lakeside Athletics Club"),
        # "who does X play": the noun for a person the verb takes, not a name nearby
        ("Who does Falk play in the film?", "retired nurse"),
    ],
)
def test_race_shapes(race_newsroom: Newsroom, question: str, expected: str) -> None:
    _answers(race_newsroom, question, expected)


def test_what_is_x_prefers_the_fact_that_says_x_is_something(
    nlp: Language, tmp_path: Path
) -> None:
    newsroom = _newsroom_with(
        nlp,
        tmp_path / "stents.db",
        "Heart device maker bought for 25 billion dollars\n\n"
        "Analysts say regulators could force the two firms to sell some stent operations.\n\n"
        "Stents are small tubes that keep an artery open after surgery.\n\n"
        "The deal is the largest in the industry this year, the companies said.\n",
    )
    _answers(newsroom, "What is a stent?", "small tubes")
    # the rerank is what finds it: with the best fact alone, another answers
    no_rerank = dataclasses.replace(QAConfig(), rank=RankWeights(rerank_depth=1))
    assert with_config(newsroom, no_rerank).answer("What is a stent?").short != "small tubes"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the sum said, not its conversion in brackets
        ("How much was the club's fine?", "$2m"),
        # "fined for fielding ...": a cause said outright, though "fined" is lemmatised "fin"
        ("Why was the club fined?", "for fielding an ineligible player"),
    ],
)
def test_fine_shapes(nlp: Language, tmp_path: Path, question: str, expected: str) -> None:
    newsroom = _newsroom_with(
        nlp,
        tmp_path / "fine.db",
        "Club punished by the league\n\n"
        "Harbour Rovers agreed to pay a $2m (£1.1m) fine for fielding an ineligible player.\n\n"
        "The league said the club had broken its rules twice in two seasons.\n",
    )
    _answers(newsroom, question, expected)
