"""The embeddings the reading order compares meanings with: the shipped files, real cosines,
the bounded cache, the vectors stored with the facts (and filled in a store without them), and
the engine feeding them to the reading order."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from spacy.language import Language

from knowledge.newsroom import loading
from knowledge.qa import embedding
from knowledge.qa.config import DEFAULT
from knowledge.qa.embedding import Embedder, pack, shipped_embedder, unpack
from tests.conftest import make_newsroom, with_config

HARBOUR = (Path(__file__).resolve().parent / "data" / "harbour_council.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def shipped() -> Embedder:
    model = shipped_embedder()
    if model is None:
        pytest.fail(f"the encoder is not in the package: {embedding.ENCODER_FILE}")
    return model


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(shipped: Embedder) -> None:
    died, film = shipped.similarities(
        "How many people were killed in the attack?",
        ["Twelve people died in the bombing.", "The film won three awards in Berlin."],
    )
    assert died > film + 0.2
    assert -1.0 <= film < died <= 1.0


def test_the_same_text_gets_the_same_cosine_and_the_cache_stays_bounded(shipped: Embedder) -> None:
    small = Embedder(shipped._model, cached=2)
    texts = ["The council met on Monday.", "Rain is due tomorrow.", "The mayor resigned."]
    first = small.similarities("when did the council meet?", texts)
    assert len(small._vectors) == 2  # the least recently used went out
    again = small.similarities("when did the council meet?", texts[::-1])
    assert again[::-1] == pytest.approx(first)
    assert first[0] == max(first)
    assert small.similarities("anything", []) == []
    assert shipped.vectors([]).shape == (0, shipped.vectors(["one"]).shape[1])


def test_the_engine_gives_each_candidate_its_cosine(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    assert kb.engine.embedder is not None  # with the reader, by default
    question = "who chairs the harbour council?"
    scored = kb.engine.scored(question)
    assert scored
    texts = [f.text for _, _, f in scored]
    assert all(f.vector is not None for _, _, f in scored)  # stored with the facts
    stored = kb.engine.embedder.similarities(question, texts, [f.vector for _, _, f in scored])
    assert [f.dense for _, f, _ in scored] == pytest.approx(stored)
    # int8 as stored: the cosines of vectors made afresh differ in the third decimal at most
    assert kb.engine.embedder.similarities(question, texts) == pytest.approx(stored, abs=5e-3)
    assert any(f.dense != 0.0 for _, f, _ in scored)


def test_the_rules_alone_never_embed(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False, reader=False)
    kb.load_text(HARBOUR, title="Harbour council")
    assert kb.engine.embedder is None
    assert all(f.dense == 0.0 for _, f, _ in kb.engine.scored("who chairs the harbour council?"))


def test_the_reading_order_compares_only_its_first_candidates(
    nlp: Language, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    order = dataclasses.replace(DEFAULT.order, embedded=2, same_article=0)  # none joins them
    config = dataclasses.replace(DEFAULT, order=order)
    two = with_config(kb, config)
    assert two.engine.embedder is not None
    asked: list[int] = []
    real = two.engine.embedder.similarities

    def spy(
        question: str,
        texts: Sequence[str],
        stored: Sequence[bytes | None],
        asked_vector: np.ndarray | None = None,
    ) -> list[float]:
        asked.append(len(texts))
        return real(question, texts, stored, asked=asked_vector)

    # the process's shared embedder: put back after the test
    monkeypatch.setattr(two.engine.embedder, "similarities", spy)
    question = "what did the mayor say about the vote?"
    assert len(two.engine.scored(question)) > 2  # (which compares every candidate, for fitting)
    asked.clear()
    cands = two.engine.candidates(question)
    assert asked == [2]
    assert len(cands) > 2  # the reader still reads its five, compared or not


def test_a_stored_vector_is_used_as_given_and_a_wrong_one_is_made_again(shipped: Embedder) -> None:
    texts = ["The council met on Monday.", "Rain is due tomorrow."]
    made = shipped.similarities("when did the council meet?", texts)
    stored = shipped.stored(texts)
    assert [len(b) for b in stored] == [4 + shipped.dim] * 2  # a scale and int8 components
    assert shipped.similarities("when did the council meet?", texts, stored) == pytest.approx(
        made, abs=5e-3
    )
    opposite = [*pack(-shipped.vectors([texts[0]])), b"short"]
    flipped = shipped.similarities("when did the council meet?", texts, opposite)
    assert flipped[0] == pytest.approx(-made[0], abs=1e-3)  # the stored one, however odd
    assert flipped[1] == pytest.approx(made[1])  # a wrong size: made afresh


def test_packed_vectors_keep_their_cosines_in_a_quarter_of_the_bytes() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(size=(50, 384)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    packed = pack(m)
    assert [len(b) for b in packed] == [4 + 384] * 50
    back = unpack(packed)
    assert back.dtype == np.float32
    assert back.shape == m.shape
    assert np.abs(back @ m[0] - m @ m[0]).max() < 5e-3  # cosines as made, near enough to order
    assert np.array_equal(unpack(pack(np.zeros((1, 4)))), np.zeros((1, 4)))  # no division by 0
    assert unpack([]).shape[0] == 0
    assert pack(np.zeros((0, 384))) == []


def test_a_store_without_vectors_is_filled_when_opened_and_again_for_another_model(
    nlp: Language, tmp_path: Path, shipped: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.db"
    kb = make_newsroom(nlp, path, seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    before = {f.id: f.vector for f in kb.store.iter_facts()}
    assert before
    assert all(v is not None for v in before.values())
    assert kb.store.get_meta(loading.EMBEDDING_KEY) == shipped.name
    kb.store.clear_vectors()  # as a store from before vectors were stored, or loaded without
    assert kb.store.count_unembedded() == len(before)
    monkeypatch.setattr(loading, "EMBEDDING_CHUNK", 3)  # filled a few at a time, page by page
    again = make_newsroom(nlp, path, seed=False)
    assert {f.id: f.vector for f in again.store.iter_facts()} == before
    assert all(again.index.facts[fid].vector == v for fid, v in before.items())
    # Another model's vectors are never compared with this one's: all are made again.
    other = Embedder(shipped._model, name="another model")
    assert loading.fill_vectors(again.store, other) == len(before)
    assert again.store.get_meta(loading.EMBEDDING_KEY) == "another model"
    assert loading.fill_vectors(again.store, other) == 0  # done once
    assert loading.fill_vectors(again.store, None) == 0


def test_a_texts_vector_does_not_depend_on_the_texts_encoded_with_it(shipped: Embedder) -> None:
    # int8 ONNX quantizes activations over its whole input: one text a pass keeps a fact's
    # stored vector the same whether it was made with its article or alone when a store filled
    alone = shipped.vectors(["The mayor resigned."])[0]
    among = shipped.vectors(
        ["A much longer sentence about the harbour council's budget vote.", "The mayor resigned."]
    )[1]
    assert np.array_equal(alone, among)
    assert float(np.linalg.norm(alone)) == pytest.approx(1.0, abs=1e-5)


def test_the_first_articles_closest_facts_join_the_compared_candidates(
    nlp: Language, tmp_path: Path
) -> None:
    """A sentence sharing no word with the question ("cost" for "set the town back") is no
    first-stage candidate, but it is in the article the question is about: with
    ``same_article`` the facts of that article closest in meaning are compared too (at most
    ``same_kept``), each once."""
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=False)
    kb.load_text(HARBOUR, title="Harbour council")
    question = "How much will Port Ellery's new ferry terminal set the town back?"
    ranked = {}
    for articles, kept in ((0, 5), (1, 5), (1, 1)):
        order = dataclasses.replace(DEFAULT.order, same_article=articles, same_kept=kept)
        engine = with_config(kb, dataclasses.replace(DEFAULT, order=order)).engine
        facts = engine.ranked(question)
        assert len({f.id for f in facts}) == len(facts)
        ranked[articles, kept] = [f.text for f in facts]
    assert not any("45 million euros" in text for text in ranked[0, 5])
    assert any("45 million euros" in text for text in ranked[1, 5])
    assert set(ranked[0, 5]) < set(ranked[1, 1]) < set(ranked[1, 5])
    assert len(ranked[1, 1]) == len(ranked[0, 5]) + 1


def test_beside_gives_every_fact_of_the_first_articles_that_is_no_candidate(
    nlp: Language, tmp_path: Path
) -> None:
    """``Engine.beside`` (the reading order's fitting rows): all the facts the engine picks the
    closest few of, each scored by the second stage with no first-stage BM25."""
    kb = make_newsroom(nlp, tmp_path / "t.db", seed=True)
    kb.load_text(HARBOUR, title="Harbour council")
    question = "How much will Port Ellery's new ferry terminal set the town back?"
    order = dataclasses.replace(DEFAULT.order, same_article=1)
    engine = with_config(kb, dataclasses.replace(DEFAULT, order=order)).engine
    candidates = {f.id for _, _, f in engine.scored(question)}
    beside = engine.beside(question)
    harbour = {f.article_id for _, _, f in beside}
    assert len(harbour) == 1
    (article,) = harbour
    of_article = set(engine.index.article_facts[article])
    assert {f.id for _, _, f in beside} == of_article - candidates
    assert any("45 million euros" in f.text for _, _, f in beside)
    assert all(feats.bm25 == 0 for _, feats, _ in beside)
    assert engine.ranked(question)  # the reading order itself is unchanged by the call
    none = dataclasses.replace(DEFAULT, order=dataclasses.replace(order, same_article=0))
    assert with_config(kb, none).engine.beside(question) == []


def test_the_closest_stored_vectors_come_first(shipped: Embedder) -> None:
    texts = ["Twelve people died in the bombing.", "The film won three awards.", "Rain is due."]
    stored: list[bytes | None] = list(shipped.stored(texts))
    stored.insert(1, None)  # not stored: left out
    asked = shipped.vectors(["How many people were killed in the attack?"])[0]
    closest = shipped.closest(asked, stored, 2)
    assert closest[0] == 0
    assert 1 not in closest
    assert len(closest) == 2
    assert shipped.closest(asked, stored, 0) == []
    assert shipped.closest(asked, [None], 3) == []
