"""The learned reader: span search over real logits, the shipped ONNX model on passages written
here, and the engine answering through it (or without it, TALKS_READER=off)."""

from __future__ import annotations

import math
import multiprocessing
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from spacy.language import Language

from bot.config import Settings
from bot.domain import newsroom_options
from knowledge import Newsroom
from knowledge.models import Fact
from knowledge.qa import rank
from knowledge.qa import reader as reader_module
from knowledge.qa.config import DEFAULT, ORDER_FEATURES
from knowledge.qa.reader import (
    MAX_ANSWER_TOKENS,
    MAX_TOKENS,
    TOKENIZER_FILE,
    Passage,
    Reader,
    _best_span,
    _pairs_closed,
    _whole_words,
    encode,
    load_tokenizer,
    shipped_reader,
)
from knowledge.storage.store import Store
from tests.conftest import FIXED_NOW, make_newsroom

HARBOUR = (Path(__file__).resolve().parent / "data" / "harbour_council.txt").read_text("utf-8")


def _enc(passage: str, words: list[tuple[int, int]]) -> SimpleNamespace:
    """A tokenizer encoding of "[CLS] q [SEP] passage words [SEP]": two question tokens."""
    offsets = [(0, 0), (0, 3), (4, 7), (0, 0), *words, (0, 0)]
    types = [0, 0, 0, 0] + [1] * len(words) + [1]
    return SimpleNamespace(offsets=offsets, type_ids=types, attention_mask=[1] * len(offsets))


def test_best_span_is_the_highest_start_plus_end_within_the_passage() -> None:
    passage = "Talks resume in Geneva on Monday"
    words = [(0, 5), (6, 12), (13, 15), (16, 22), (23, 25), (26, 32)]
    enc = _enc(passage, words)
    start = np.full(len(enc.offsets), -5.0)
    end = np.full(len(enc.offsets), -5.0)
    start[0] = end[0] = 1.0  # no answer: 2.0
    start[1] = end[1] = 9.0  # a question token scores high but is never a span
    start[4 + 3] = 4.0  # "Geneva"
    end[4 + 5] = 3.0  # ... to "Monday"
    end[4 + 3] = 2.5
    reading = _best_span(passage, enc, start, end)
    assert reading.text == "Geneva on Monday"
    assert (reading.start, reading.end) == (16, 32)
    assert reading.score == pytest.approx(7.0)
    assert reading.null == pytest.approx(2.0)
    assert reading.margin == pytest.approx(5.0)


def test_best_span_never_ends_before_it_starts_nor_runs_too_long() -> None:
    passage = " ".join(f"w{k}" for k in range(MAX_ANSWER_TOKENS + 10))
    words, at = [], 0
    for w in passage.split():
        words.append((at, at + len(w)))
        at += len(w) + 1
    enc = _enc(passage, words)
    start = np.zeros(len(enc.offsets))
    end = np.zeros(len(enc.offsets))
    start[4 + 5] = 10.0  # the best start lies after the best end...
    end[4 + 2] = 10.0
    end[4 + 5 + MAX_ANSWER_TOKENS] = 9.0  # ... and this end is one token too far
    end[4 + 6] = 1.0
    reading = _best_span(passage, enc, start, end)
    assert reading.text == "w5 w6"


def test_whole_words_widens_a_word_piece_span() -> None:
    text = "the peacekeepers arrived"
    assert _whole_words(text, 8, 12) == (4, 16)  # "keep" → "peacekeepers"
    assert _whole_words(text, 4, 16) == (4, 16)


def test_whole_words_keeps_a_symbol_written_against_the_word() -> None:
    text = "profits of A$68m (3.5%), up from $60m, for AT&T's unit"
    at = text.index("$68m")
    assert text[slice(*_whole_words(text, at, at + 4))] == "A$68m"  # Australian dollars
    at = text.index("3.5")
    assert text[slice(*_whole_words(text, at, at + 3))] == "3.5%"  # not the "(" before it
    at = text.index("60m")
    assert text[slice(*_whole_words(text, at, at + 3))] == "$60m"  # not "from"
    at = text.index("AT")
    assert text[slice(*_whole_words(text, at, at + 2))] == "AT&T"  # not the "'s"


def test_a_span_takes_in_a_quotation_marks_or_brackets_partner_or_drops_the_lone_mark() -> None:
    def closed(text: str, span: str) -> str:
        at = text.index(span)
        return text[slice(*_pairs_closed(text, at, at + len(span)))]

    text = 'He called it a "passing dip" and said "we will win", not "out of reach".'
    assert closed(text, 'a "passing dip') == 'a "passing dip"'  # its partner next out
    assert closed(text, 'passing dip" and') == '"passing dip" and'
    assert closed(text, 'said "we will win') == 'said "we will win"'
    assert closed(text, 'of reach"') == "of reach"  # the partner out of reach: the mark dropped
    assert closed(text, '"we will') == "we will"
    assert closed(text, 'and said "we') == 'and said "we'  # inside, partner further on: kept
    assert closed(text, "passing dip") == "passing dip"  # no mark: as read
    assert closed(text, 'a "passing dip" and') == 'a "passing dip" and'  # balanced: as read
    curly = "The plan was “a first step” for “lasting peace”, she said."
    assert closed(curly, "a first step”") == "“a first step”"
    assert closed(curly, "“lasting peace") == "“lasting peace”"
    assert closed(curly, "step” for “lasting") == "step” for “lasting"  # one of each: as read
    money = "a loan of 30 trillion rupiah ($3.2bn) in the first (and last) quarter"
    assert closed(money, "30 trillion rupiah ($3.2bn") == "30 trillion rupiah ($3.2bn)"
    assert closed(money, "$3.2bn)") == "($3.2bn)"
    assert closed(money, "and last) quarter") == "(and last) quarter"
    assert closed(money, "last) quarter") == "last) quarter"  # partner further back: kept
    assert closed(money, "last)") == "last"
    assert _pairs_closed('say "x', 4, 5) == (4, 5)  # a lone mark alone is not emptied


@pytest.fixture(scope="module")
def shipped() -> Reader:
    model = shipped_reader()
    if model is None:
        pytest.fail(f"the reader's weights are not in the package: {reader_module.MODEL_FILE}")
    return model


def test_the_shipped_reader_finds_answers_in_passages_it_never_saw(shipped: Reader) -> None:
    passages = [
        "The ferry service between Kelby and Sorn will resume on 4 March after repairs to the "
        "pier, the council said.",
        "Councillor Maria Ostrow, who chairs the transport committee, said the repairs cost "
        "£2.4 million.",
        "Local fishermen have complained about the noise for months.",
    ]
    when, who, cost = (
        shipped.read(q, passages)
        for q in (
            "when will the ferry service resume?",
            "who chairs the transport committee?",
            "how much did the repairs cost?",
        )
    )
    assert "4 March" in when[0].text
    assert when[0].margin > max(when[1].margin, when[2].margin)
    assert "Maria Ostrow" in who[1].text
    assert who[1].margin > max(who[0].margin, who[2].margin)
    assert "2.4 million" in cost[1].text
    for readings, k in ((when, 0), (who, 1), (cost, 1)):
        r = readings[k]
        assert passages[k][r.start : r.end] == r.text


def test_a_passage_reads_the_same_whatever_is_read_beside_it(shipped: Reader) -> None:
    # The int8 model's activation scale was one per batch: a passage's span and margin changed
    # with the passages read beside it. Each is read alone now.
    question = "who set up a contact group?"
    fact = (
        "De Mistura also spoke about a contact group set up by France and said he had been "
        '"quite intensively" in contact with a team led by French President Emmanuel Macron.'
    )
    others = [
        "The UN-led peace talks in Geneva are important in the process for a political "
        "solution to the Syrian conflict, China's special envoy Xie Xiaoyan told Xinhua.",
        "Local fishermen have complained about the noise from the pier for months, and the "
        "council has promised to look into it before the summer season begins in earnest.",
    ]
    (alone,) = shipped.read(question, [fact])
    for company in ([fact, *others], [*others, fact], [others[1], fact]):
        beside = shipped.read(question, company)[company.index(fact)]
        assert beside == alone  # the scores too, to the last bit


def test_passages_read_side_by_side_read_as_one_after_another() -> None:
    # A reader of two threads reads a question's passages side by side (one pass each, the
    # shipped default on two cores); a reader of one thread reads them in turn. Order and every
    # score are the same.
    side, in_turn = Reader.load(threads=2), Reader.load(threads=1)
    question = "who chairs the transport committee?"
    passages = [
        "Councillor Maria Ostrow, who chairs the transport committee, said the repairs cost "
        "£2.4 million.",
        "The ferry service between Kelby and Sorn will resume on 4 March after repairs.",
        "Local fishermen have complained about the noise for months.",
        "The committee meets on the first Monday of each month in the town hall.",
        "Ms Ostrow was elected to the council in 2019.",
    ]
    side_by_side = side.read(question, passages)
    assert reader_module._pool.cache_info().currsize  # the passes went to the pool's threads
    assert side_by_side == in_turn.read(question, passages)
    assert "Maria Ostrow" in side_by_side[0].text


def test_the_reader_says_no_answer_where_the_passage_has_none(shipped: Reader) -> None:
    (r,) = shipped.read(
        "what is the capital of Australia?",
        ["Local fishermen have complained about the noise from the pier for months."],
    )
    assert r.margin < 0


def test_engine_answers_through_the_reader(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    assert kb.engine.reader is not None
    cands = kb.engine.candidates("who chairs the harbour council?")
    assert cands, "the reader read the retriever's best facts"
    assert cands[0].first
    assert all(not c.first for c in cands[1:])
    answer = kb.answer("who chairs the harbour council?")
    best = max(cands, key=lambda c: kb.engine.config.reader.logit(c.features()))
    assert answer.fact == best.fact
    if answer.answered:
        assert answer.short
        assert answer.short in answer.fact.text


def test_ranked_facts_begin_with_the_ones_the_reader_reads(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")  # the seed article
    ranked = kb.engine.ranked("what did de Mistura say about the talks?")
    cands = kb.engine.candidates("what did de Mistura say about the talks?")
    assert len(ranked) > len(cands) > 1
    # The rules' second opinion may reorder the five, never change which five are read.
    assert {c.fact.id for c in cands} == {f.id for f in ranked[: len(cands)]}
    assert len({f.id for f in ranked}) == len(ranked)


def test_the_rules_second_opinion_read_beside_the_reader_is_the_rules_answer(
    nlp: Language, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")  # the seed article
    rules = make_newsroom(nlp, tmp_path / "rules.db", reader=False)
    assert kb.engine.reader is not None
    assert rules.engine.reader is None
    for question in (  # none of them answered by an entity's card, which needs no opinion
        "when will the next round of talks begin?",
        "where are the talks held?",
        "what did de Mistura say about the talks?",
        "what is the capital of France?",
    ):
        ruled = rules.answer(question)
        cands = kb.engine.candidates(question)
        assert cands
        assert {c.rules for c in cands} == {ruled.confidence}
        read = [c.fact for c in cands]
        agrees = [ruled.fact] if ruled.confidence and ruled.fact in read else []
        assert [c.fact for c in cands if c.agree] == agrees
    # A read that fails fails the question, and the opinion it waited for is collected: the
    # next question is answered as before.
    expected = kb.answer("where are the talks held?")
    reader = kb.engine.reader
    read = reader.read

    def broken(question: str, passages: list[str]) -> list[reader_module.Reading]:
        raise RuntimeError("the model failed")

    monkeypatch.setattr(reader, "read", broken)
    with pytest.raises(RuntimeError, match="the model failed"):
        kb.answer("when will the next round of talks begin?")
    monkeypatch.setattr(reader, "read", read)
    again = kb.answer("where are the talks held?")
    assert (again.short, again.fact, again.confidence) == (
        expected.short,
        expected.fact,
        expected.confidence,
    )


def test_a_process_forked_after_answering_still_answers(nlp: Language, tmp_path: Path) -> None:
    # The rules' opinion runs in a helper thread; a forked child inherits the parent's executor
    # without its thread, so it needs one of its own or its first answer waits forever.
    kb = make_newsroom(nlp, tmp_path / "t.db")
    expected = kb.answer("where are the talks held?").short
    fork = multiprocessing.get_context("fork")
    answers = fork.Queue()
    child = fork.Process(target=lambda: answers.put(kb.answer("where are the talks held?").short))
    child.start()
    child.join(60)
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode == 0, "the forked process did not answer"
    assert answers.get(timeout=5) == expected


def test_reader_off_is_the_rule_engine(nlp: Language, tmp_path: Path) -> None:
    settings = Settings(reader=False, bot_token=None)
    kb = Newsroom(
        Store(f"sqlite:///{tmp_path / 'off.db'}"),
        nlp,
        clock=lambda: FIXED_NOW,
        reader=newsroom_options(settings)["reader"],
    )
    assert kb.engine.reader is None
    assert kb.engine.candidates("who is de Mistura?") == []
    assert kb.answer("who is de Mistura?").answered


def test_talks_reader_off_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKS_READER", "off")
    assert newsroom_options(Settings())["reader"] is False
    monkeypatch.setenv("TALKS_READER", "on")
    assert newsroom_options(Settings())["reader"] is True


def test_a_follow_up_names_who_the_pronoun_stands_for(newsroom: Newsroom) -> None:
    first = newsroom.answer("who is de Mistura?")
    assert first.answered
    q = newsroom.engine.analyse("what did he say about the talks?")
    entities, _ = newsroom.engine._context(q, first)
    asked = newsroom.engine._reader_question(q, entities)
    assert "he" not in asked.split()
    assert "Mistura" in asked


def test_a_who_answer_read_as_a_pronoun_is_the_name_it_stands_for(
    nlp: Language, tmp_path: Path
) -> None:
    from knowledge.qa.engine import _typed
    from knowledge.qa.reader import Reading

    kb = make_newsroom(nlp, tmp_path / "d.db", seed=False)
    kb.load_text(
        "Harbour chief resigns\n\nMarta Ekholm, the harbour master of Port Ellery, resigned on "
        "Monday after twelve years in the post.\n\nShe said the new terminal would open in "
        "June.\n\nCouncillors thanked the ferry crews for their work.",
        title="Harbour chief resigns",
    )
    fact = next(f for f in kb.index.facts.values() if f.text.startswith("She said"))
    mention = next(m for m in fact.mentions if m.kind == "pronoun")
    assert kb.index.entities[mention.entity_id].name == "Marta Ekholm"
    reading = Reading("She", 0, 3, 5.0, 0.0)
    who = kb.engine.analyse("who said the new terminal would open in June?")
    assert _typed(who, fact, reading, kb.index) == "Marta Ekholm"
    what = kb.engine.analyse("what did the harbour master say about the terminal?")
    assert _typed(what, fact, reading, kb.index) == "She"


def test_a_span_is_widened_to_a_resolved_date_only(nlp: Language, tmp_path: Path) -> None:
    """ "Monday" within "last Monday" becomes it (the reply shows the date it stands for); "23"
    within the small model's "23-year-old" stays the reader's."""
    from knowledge.qa.engine import _typed
    from knowledge.qa.reader import Reading

    kb = make_newsroom(nlp, tmp_path / "w.db", seed=False)
    kb.load_text(
        "Ferry pilot honoured\n\nThe harbour council of Port Ellery honoured the 23-year-old "
        "pilot Marta Ekholm last Monday for a night rescue.\n\nCouncillors thanked the ferry "
        "crews for their work over the winter.",
        title="Ferry pilot honoured",
    )
    fact = next(f for f in kb.index.facts.values() if f.text.startswith("The harbour"))
    spans = {sp.text: sp for sp in fact.spans}
    assert spans["last Monday"].resolved
    assert not spans["23-year-old"].resolved
    monday = fact.text.index("Monday")
    when = kb.engine.analyse("when was the pilot honoured?")
    assert _typed(when, fact, Reading("Monday", monday, monday + 6, 5.0, 0.0), kb.index) == (
        "last Monday"
    )
    age = fact.text.index("23")
    old = kb.engine.analyse("how old is the pilot?")
    assert _typed(old, fact, Reading("23", age, age + 2, 5.0, 0.0), kb.index) == "23"


def test_the_type_feature_says_whether_the_span_is_of_the_asked_type(
    nlp: Language, tmp_path: Path
) -> None:
    from knowledge.qa.engine import _type_match
    from knowledge.qa.reader import Reading

    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False)
    kb.load_text(
        "Ferry fares rise\n\nMarta Ekholm, the harbour master of Port Ellery, said on Monday "
        "that ferry fares would rise by a fifth in June.\n\nCouncillors thanked the ferry crews "
        "for their work over the winter, when storms closed the pier for weeks.",
        title="Ferry fares rise",
    )
    fact = next(f for f in kb.index.facts.values() if f.text.startswith("Marta"))
    june = fact.text.index("June")
    in_june = Reading("June", june, june + 4, 5.0, 0.0)
    fares = fact.text.index("ferry fares")
    no_date = Reading("ferry fares", fares, fares + 11, 5.0, 0.0)
    when = kb.engine.analyse("when will ferry fares rise?")
    assert _type_match(when, fact, in_june, kb.index) == 1.0
    assert _type_match(when, fact, no_date, kb.index) == -1.0
    who = kb.engine.analyse("who said fares would rise?")
    name = Reading("Marta Ekholm", 0, 12, 5.0, 0.0)
    assert _type_match(who, fact, name, kb.index) == 1.0
    assert _type_match(who, fact, in_june, kb.index) == -1.0
    untyped = kb.engine.analyse("what would rise in June?")
    assert _type_match(untyped, fact, no_date, kb.index) == 0.0
    assert _type_match(when, fact, Reading("", 0, 0, 0.0, 1.0), kb.index) == 0.0


def _fact(fid: int, article: int, position: int = 3) -> Fact:
    return Fact(fid, article, position, 0, f"fact {fid}", (), (), ())


def _feats(coverage: float, bm25: float, dense: float = 0.0) -> rank.Features:
    return rank.Features(coverage, 0.0, 0.5, False, False, 0.0, bm25, dense)


def _named(x: tuple[float, ...], *names: str) -> tuple[float, ...]:
    return tuple(x[ORDER_FEATURES.index(n)] for n in names)


def test_the_reading_order_prefers_the_article_that_matches_the_question_as_a_whole() -> None:
    # Two facts alike in themselves; the first's article matches the question elsewhere too.
    scored = [
        (0.0, _feats(0.5, 0.6), _fact(1, article=1)),
        (0.0, _feats(0.9, 1.0), _fact(2, article=1)),
        (0.0, _feats(0.5, 0.6), _fact(3, article=2)),
    ]
    x = rank.order_features(scored)
    article = ("article_bm25", "article_coverage")
    assert _named(x[0], *article) == (1.0, 0.9)  # its article's best BM25 and coverage
    assert _named(x[2], *article) == (0.6, 0.5)
    order = [f.id for _, _, f in rank.reading_order(scored, DEFAULT.order)]
    assert order == [2, 1, 3]
    # The scores are the fitted logits, best first.
    logits = [s for s, _, _ in rank.reading_order(scored, DEFAULT.order)]
    assert logits == sorted(logits, reverse=True)
    assert logits[0] == pytest.approx(DEFAULT.order.logit(x[1]))


def test_the_reading_order_weighs_meaning_and_the_article_s_best_meaning() -> None:
    # Alike in words; the second is closer in meaning, and lends its article that closeness.
    scored = [
        (0.0, _feats(0.6, 0.8, dense=0.2), _fact(1, article=1)),
        (0.0, _feats(0.6, 0.8, dense=0.7), _fact(2, article=2)),
        (0.0, _feats(0.6, 0.8, dense=0.1), _fact(3, article=2)),
    ]
    x = rank.order_features(scored)
    assert [_named(f, "dense", "article_dense") for f in x] == [(0.2, 0.2), (0.7, 0.7), (0.1, 0.7)]
    assert DEFAULT.order.dense > 0
    assert next(f.id for _, _, f in rank.reading_order(scored, DEFAULT.order)) == 2


def test_a_follow_ups_previous_fact_moves_up_the_reading_order() -> None:
    scored = [
        (0.0, _feats(0.8, 1.0), _fact(1, article=1)),
        (0.0, _feats(0.7, 0.9), _fact(2, article=1)),
    ]
    assert [f.id for _, _, f in rank.reading_order(scored, DEFAULT.order)] == [1, 2]
    again = rank.reading_order(scored, DEFAULT.order, previous_fact=2)
    assert [f.id for _, _, f in again] == [2, 1]


def test_each_article_holds_the_share_of_the_orders_belief_its_first_facts_hold() -> None:
    # Logits 2, 1, 0, 0 (best first): a softmax over them, summed by article; facts past the
    # first ``first`` count for nothing.
    ordered = [
        (2.0, _feats(0.9, 1.0), _fact(1, article=1)),
        (1.0, _feats(0.8, 0.9), _fact(2, article=2)),
        (0.0, _feats(0.5, 0.6), _fact(3, article=1)),
        (0.0, _feats(0.5, 0.6), _fact(4, article=3)),
    ]
    e = math.exp
    total = e(2) + e(1) + 2
    shares = rank.article_shares(ordered)
    assert shares == pytest.approx({1: (e(2) + 1) / total, 2: e(1) / total, 3: 1 / total})
    assert sum(shares.values()) == pytest.approx(1.0)
    assert rank.article_shares(ordered, first=2) == pytest.approx(
        {1: e(2) / (e(2) + e(1)), 2: e(1) / (e(2) + e(1))}
    )
    assert rank.article_shares([]) == {}


def test_each_fact_read_carries_its_articles_share_of_the_order(
    nlp: Language, tmp_path: Path
) -> None:
    kb = make_newsroom(nlp, tmp_path / "n.db")
    cands = kb.engine.candidates("Who is the UN special envoy for Syria?")
    assert cands
    # The seed is the only article: it holds all of the order's belief.
    assert [c.article for c in cands] == pytest.approx([1.0] * len(cands))


def test_a_persons_role_is_read_by_the_reader_and_carded_by_the_rules(
    nlp: Language, tmp_path: Path
) -> None:
    # "What role does X play in the film?" asks what the facts say, not how the article
    # titles X: the reader reads them (on unseen written questions it answers such questions
    # better than the card: bench/README.md, "A job asked of the reader"); the rules, which
    # have no reader, still answer with the description.
    text = (
        "Film awards list\n\nBritish star Ann Bell is nominated for the best actress award.\n\n"
        "In the film, Bell plays a village nurse who hides a runaway soldier.\n\n"
        "The ceremony will be held in London on Sunday."
    )
    question = "What role does Ann Bell play in the film?"
    read = make_newsroom(nlp, tmp_path / "read.db", seed=False)
    read.load_text(text, title="Film awards list")
    carded = make_newsroom(nlp, tmp_path / "card.db", seed=False, reader=False)
    carded.load_text(text, title="Film awards list")
    by_reader = read.answer(question)
    assert by_reader.answered
    assert by_reader.short is not None
    assert "nurse" in by_reader.short
    by_rules = carded.answer(question)
    assert by_rules.answered
    assert by_rules.short == "British star"


def test_who_is_x_is_read_by_the_reader_in_the_cards_shape(nlp: Language, tmp_path: Path) -> None:
    # "Who is X?" is read (on unseen written questions the reader's span beats the card's
    # description: bench/README.md, "Who is X? read, answered as a card"), but answered as a
    # card: X's name first, X the entity a follow-up's "he" or "she" stands for. A bare name
    # still gets the card.
    text = (
        "Harbour chief resigns\n\nMarta Ekholm, the harbour master of Port Ellery, resigned on "
        "Monday after twelve years in the post.\n\nShe said the new terminal would open in "
        "June.\n\nCouncillors thanked the ferry crews for their work."
    )
    read = make_newsroom(nlp, tmp_path / "read.db", seed=False)
    read.load_text(text, title="Harbour chief resigns")
    carded = make_newsroom(nlp, tmp_path / "card.db", seed=False, reader=False)
    carded.load_text(text, title="Harbour chief resigns")
    marta = read.find_entities("Marta Ekholm")[0]
    by_reader = read.answer("who is Marta Ekholm?")
    assert by_reader.answered
    assert by_reader.short == "the harbour master of Port Ellery"  # the reader's span
    assert by_reader.reply.startswith("Marta Ekholm: the harbour master of Port Ellery")
    assert by_reader.entity == marta
    assert by_reader.focus_entity_ids == (marta.id,)
    assert by_reader.fact is not None
    assert by_reader.fact.text.startswith("Marta Ekholm, the harbour master")
    bare = read.answer("Marta Ekholm")
    assert bare.short == "harbour master of Port Ellery"  # the card's description
    by_rules = carded.answer("who is Marta Ekholm?")
    assert by_rules.short == "harbour master of Port Ellery"


def test_a_span_that_names_the_person_asked_about_is_no_description_of_them() -> None:
    from knowledge.models import Entity
    from knowledge.qa.engine import _without_name

    envoy = Entity(1, "Staffan de Mistura", "PERSON", ("de Mistura", "Mistura"))
    assert _without_name("the UN Special Envoy for Syria Staffan", envoy) == (
        "the UN Special Envoy for Syria"
    )
    assert _without_name("Staffan de Mistura, the UN envoy", envoy) == "the UN envoy"
    assert _without_name("Staffan de Mistura", envoy) is None
    assert _without_name("the deputy of de Mistura in Geneva", envoy) is None
    assert _without_name("an Italian-Swedish diplomat", envoy) == "an Italian-Swedish diplomat"


def test_who_is_the_description_answers_with_whom_it_describes(newsroom: Newsroom) -> None:
    # The bundled article calls de Mistura "the Italian-Swedish diplomat": the question's
    # tokens ("italian", "swedish", "diplomat") find that description, not the NORP "Italian",
    # and the reader's span of the question's own words ("Italian") is no answer: the card's
    # name is.
    from knowledge.text import name_key

    assert name_key("the Italian-Swedish diplomat") == ("italian", "swedish", "diplomat")
    envoy = newsroom.find_entities("Staffan de Mistura")[0]
    q = newsroom.engine.analyse("Who is the Italian-Swedish diplomat?")
    assert q.card_by_description
    assert q.entity_ids == {envoy.id}
    a = newsroom.answer("Who is the Italian-Swedish diplomat?")
    assert a.answered
    assert a.short == "Staffan de Mistura"
    # Asked by another description, the reader's own answer stands.
    assert (newsroom.answer("who is the chinese envoy").short or "").startswith("Xie")


def test_a_span_of_the_questions_own_words_echoes_it() -> None:
    from knowledge.qa.engine import _echoes

    assert _echoes("Italian", "Who is the Italian-Swedish diplomat?")
    assert _echoes("the diplomat", "who is the Italian-Swedish diplomat")
    assert not _echoes("Staffan de Mistura", "Who is the Italian-Swedish diplomat?")
    assert not _echoes("", "who is the diplomat?")


def test_a_span_a_word_short_of_a_description_is_completed_by_it() -> None:
    from knowledge.qa.engine import _completed

    stored = ("China's special envoy on the Syrian issue", "chief executive of Wippit, a firm")
    assert _completed("China's special envoy on the Syrian", stored) == stored[0]
    assert _completed("china's special envoy on the syrian", stored) == stored[0]
    assert _completed("China's special envoy on the Syrian issue", stored) == stored[0]
    # More than a word short: the description runs on past the noun phrase; the span stays.
    assert _completed("China's special envoy on the", stored) == "China's special envoy on the"
    assert _completed("chief executive of Wippit", stored) == "chief executive of Wippit"
    assert _completed("a special envoy", stored) == "a special envoy"  # opens none of them
    assert _completed("the envoy", ()) == "the envoy"


def test_who_is_x_is_never_answered_with_another_persons_name(newsroom: Newsroom) -> None:
    # The bundled article says "The UN negotiator cited Macron as saying ...": the reader reads
    # the sentence's subject, which the article's descriptions make de Mistura. "Who is X?" is
    # not answered by naming someone else: the card's own description stands.
    engine = newsroom.engine
    macron = engine.find_entities("Emmanuel Macron")[0]
    for question in ("who is Macron?", "who is Emmanuel Macron?"):
        a = newsroom.answer(question)
        assert a.answered
        assert a.short
        assert a.entity == macron
        assert not [e for e in engine._named(a.short) if e.id != macron.id]
        assert a.short == newsroom.answer("Emmanuel Macron").short  # the card's description


def test_a_bare_passage_is_encoded_as_the_tokenizers_pair_with_the_passage_cut() -> None:
    from tokenizers import Tokenizer

    pair = Tokenizer.from_file(str(TOKENIZER_FILE))
    pair.enable_truncation(MAX_TOKENS, strategy="only_second")
    pair.no_padding()
    plain = load_tokenizer()
    question = "where do the talks resume?"
    for passage in (HARBOUR.split("\n")[0], " ".join([HARBOUR] * 3)):  # short, and cut
        want = pair.encode(question, passage)
        got = encode(plain, question, Passage(passage))
        assert got.ids == want.ids
        assert got.type_ids == want.type_ids
        assert got.offsets == [tuple(o) for o in want.offsets]
    assert len(encode(plain, question, " ".join([HARBOUR] * 3)).ids) == MAX_TOKENS


def test_neighbours_are_context_and_only_the_passage_can_answer() -> None:
    tok = load_tokenizer()
    text = "He opened it on Monday."
    long = " ".join(["The harbour council met."] * 40)
    enc = encode(tok, "when?", Passage(text, before=long, after=long))
    assert len(enc.ids) == MAX_TOKENS  # the neighbours cut, the passage whole
    inside = [o for o, t in zip(enc.offsets, enc.type_ids, strict=True) if t == 1]
    assert "".join(text[a:b] for a, b in inside) == text.replace(" ", "")
    before = enc.type_ids.index(1) - 4  # [CLS] when ? [SEP]: what the sentence before kept
    after = len(enc.ids) - 1 - (len(enc.type_ids) - enc.type_ids[::-1].index(1))
    assert abs(before - after) <= 1  # the room shared


@pytest.mark.skipif(shipped_reader() is None, reason="the reader's weights are not installed")
def test_a_passage_without_neighbours_reads_as_its_bare_sentence() -> None:
    reader = shipped_reader()
    assert reader is not None
    text = HARBOUR.split("\n")[0]
    (bare,) = reader.read("who met?", [text])
    (passage,) = reader.read("who met?", [Passage(text)])
    assert bare == passage


def test_a_facts_neighbours_are_the_facts_before_and_after_it_in_its_article(
    nlp: Language, tmp_path: Path
) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    facts = sorted(kb.index.facts.values(), key=lambda f: f.position)
    assert len(facts) >= 3
    assert kb.index.neighbours(facts[0]) == ("", facts[1].text)
    assert kb.index.neighbours(facts[1]) == (facts[0].text, facts[2].text)
    assert kb.index.neighbours(facts[-1]) == (facts[-2].text, "")


@pytest.mark.skipif(shipped_reader() is None, reason="the reader's weights are not installed")
def test_a_reader_reads_a_fact_with_the_neighbours_it_was_trained_with() -> None:
    shipped = shipped_reader()
    assert shipped is not None
    assert shipped.context == "none"  # the shipped file reads sentences alone
    assert shipped.passage("T.", "B.", "A.") == Passage("T.")
    before = Reader(shipped._session, shipped._tok, context="before")
    assert before.passage("T.", "B.", "A.") == Passage("T.", "B.")
    both = Reader(shipped._session, shipped._tok, context="both")
    assert both.passage("T.", "B.", "A.") == Passage("T.", "B.", "A.")
    headline = Reader(shipped._session, shipped._tok, context="headline")
    assert headline.passage("T.", "B.", "A.", headline="H") == Passage("T.", "H")


@pytest.mark.skipif(shipped_reader() is None, reason="the reader's weights are not installed")
def test_a_reader_trained_with_headlines_reads_each_fact_under_its_articles(
    nlp: Language, tmp_path: Path
) -> None:
    shipped = shipped_reader()
    assert shipped is not None
    kb = make_newsroom(nlp, tmp_path / "h.db", seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    facts = sorted(kb.index.facts.values(), key=lambda f: f.position)
    engine = kb.engine
    assert engine.passage(facts[1]) == facts[1].text  # the shipped reader: the sentence alone
    engine.reader = Reader(shipped._session, shipped._tok, context="headline")
    assert engine.passage(facts[1]) == Passage(facts[1].text, "Harbour council")


def test_a_model_files_context_is_read_from_its_metadata(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="writing the metadata needs onnx (train group)")
    from knowledge.qa.reader import CONTEXT_KEY, MODEL_FILE

    if not MODEL_FILE.exists():
        pytest.skip("the reader's weights are not installed")
    model = onnx.load(str(MODEL_FILE))
    onnx.helper.set_model_props(model, {CONTEXT_KEY: "before"})
    onnx.save(model, str(tmp_path / "r.onnx"))
    assert Reader.load(tmp_path / "r.onnx").context == "before"
