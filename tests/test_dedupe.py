"""Near-duplicates: a syndicated copy is refused, a different story on the same subject is not."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from knowledge import Newsroom
from knowledge.errors import DuplicateArticleError
from knowledge.ingest import dedupe
from knowledge.ingest.dedupe import Fingerprints, band_keys, containment, shingles, signature
from knowledge.storage.schema import FingerprintRow
from tests.conftest import DATA

HARBOUR = (DATA / "harbour_council.txt").read_text()


def syndicated(text: str) -> str:
    """What a partner site does to a wire story: its own byline and trailer, curly quotes, the
    last paragraph cut, a word changed here and there."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "\n\n".join(paragraphs[:-1]).replace('"', "“").replace(" said ", " told reporters ")
    return f"By Staff Reporter\n\n{body}\n\nThis story first appeared on a partner site."


def test_a_syndicated_copy_is_refused(newsroom: Newsroom) -> None:
    original = newsroom.load_text(HARBOUR)
    with pytest.raises(DuplicateArticleError, match=rf"#{original.id} again") as err:
        newsroom.load_text(syndicated(HARBOUR))
    assert err.value.existing_id == original.id
    assert len(newsroom.articles()) == 2  # the seed and the original, no copy


def test_a_different_story_on_the_same_subject_is_kept(newsroom: Newsroom) -> None:
    newsroom.load_text(HARBOUR)
    follow_up = re.sub(r"\d+", "7", HARBOUR)  # numbers changed only: still the same story
    with pytest.raises(DuplicateArticleError):
        newsroom.load_text(follow_up)
    other = (
        "The harbour council met again on Thursday to discuss the ferry timetable.\n\n"
        "Councillors voted to add two evening crossings from next spring, after complaints "
        "from commuters who work late shifts in the town.\n\n"
        "The ferry operator said it would need a second crew and asked the council for a "
        "grant to pay for it, which members agreed to consider in the autumn budget.\n\n"
        "Residents of the island welcomed the decision but said the fares were still too high."
    )
    article = newsroom.load_text(other)
    assert article.id > 0


@pytest.mark.parametrize("batch", [1, 500])
def test_fingerprints_are_backfilled_for_older_articles(
    newsroom: Newsroom, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dedupe, "BACKFILL_BATCH", batch)  # one transaction per article, or one
    article = newsroom.load_text(HARBOUR)
    # As a store written before the fingerprints table (or a crash before they were written).
    with newsroom.store.session() as s:
        s.execute(delete(FingerprintRow))
    assert sorted(Fingerprints(newsroom.store).missing()) == [1, article.id]
    newsroom = Newsroom(newsroom.store, newsroom.nlp, seed=False)
    assert Fingerprints(newsroom.store).missing() == []
    # The same keys as when each was stored: a backfilled article is found as a fresh one is.
    keys = dedupe.fingerprint(newsroom.store.article_body(article.id))
    assert Fingerprints(newsroom.store).table.sharing(keys) >= {article.id}
    with pytest.raises(DuplicateArticleError):
        newsroom.load_text(syndicated(HARBOUR))
    assert article.id in {a.id for a in newsroom.articles()}


def test_empty_store_finds_nothing(newsroom: Newsroom) -> None:
    assert Fingerprints(newsroom.store).near("Nothing at all like anything stored here.") is None


@given(st.permutations([f"word{i}" for i in range(80)]), st.integers(0, 79))
def test_one_changed_word_still_finds_the_original(tokens: list[str], where: int) -> None:
    changed = [*tokens]
    changed[where] = "lighthouse"
    a, b = shingles(" ".join(tokens)), shingles(" ".join(changed))
    assert containment(a, b) >= 0.9
    assert set(band_keys(signature(a))) & set(band_keys(signature(b)))
