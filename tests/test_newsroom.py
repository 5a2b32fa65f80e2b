"""The facade: one door with an explicit API, and one lock around everything that reads or
changes the index (a load in one worker thread, a question or a digest in another)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

import knowledge
from knowledge import ArticleDraft, DuplicateArticleError, Newsroom
from knowledge.models import Extraction
from knowledge.storage.store import Store

from .conftest import DATA, FIXED_NOW

HARBOUR = (DATA / "harbour_council.txt").read_text()


class PausingNewsroom(Newsroom):
    """Stops inside a load's NLP (the index is about to change) until told to go on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.inside = threading.Event()
        self.go_on = threading.Event()
        self.pause = False
        super().__init__(*args, **kwargs)

    def _extract(self, draft: ArticleDraft, published: dt.date) -> Extraction:
        if self.pause:
            self.inside.set()
            assert self.go_on.wait(10), "the test never let the load go on"
        return super()._extract(draft, published)


def test_the_door_lists_the_public_api() -> None:
    # sorted by ruff's RUF022 (constants, classes, functions), checked by `ruff check`
    assert len(set(knowledge.__all__)) == len(knowledge.__all__)
    for name in knowledge.__all__:
        assert getattr(knowledge, name) is not None, name
    assert "Newsroom" in knowledge.__all__
    assert "open_newsroom" in knowledge.__all__
    assert "KnowledgeBase" not in dir(knowledge)  # one facade, not two


@pytest.mark.parametrize(
    "read",
    [
        lambda room: room.examples(),
        lambda room: room.answer("Who is Staffan de Mistura?"),
        lambda room: room.who("de Mistura"),
        lambda room: room.latest_digest(),
        lambda room: room.articles(),
        lambda room: room.stats(),
    ],
    ids=["examples", "answer", "who", "digest", "articles", "stats"],
)
def test_reads_wait_for_a_load_that_is_changing_the_index(
    nlp: Language, tmp_path: Path, read: Callable[[Newsroom], object]
) -> None:
    room = PausingNewsroom(Store(f"sqlite:///{tmp_path / 't.db'}"), nlp, clock=lambda: FIXED_NOW)
    room.pause = True
    loader = threading.Thread(target=room.load_text, args=(HARBOUR,))
    loader.start()
    assert room.inside.wait(10)
    done = threading.Event()
    reader = threading.Thread(target=lambda: (read(room), done.set()))
    reader.start()
    assert not done.wait(0.3), "the read ran while a load held the index"
    room.go_on.set()
    loader.join(10)
    reader.join(10)
    assert done.is_set()
    assert len(room.articles()) == 2


def test_the_near_copy_check_and_the_load_are_one_step(nlp: Language, tmp_path: Path) -> None:
    """Two threads loading the same story at once: one is stored, the other refused."""
    room = Newsroom(Store(f"sqlite:///{tmp_path / 't.db'}"), nlp, clock=lambda: FIXED_NOW)
    copy = HARBOUR.replace("said", "told reporters", 1)
    outcomes: list[object] = []

    def load(text: str) -> None:
        try:
            outcomes.append(room.load_text(text))
        except DuplicateArticleError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=load, args=(t,)) for t in (HARBOUR, copy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(type(o).__name__ for o in outcomes) == ["Article", "DuplicateArticleError"]
    assert len(room.articles()) == 2  # the seed and one copy of the story
