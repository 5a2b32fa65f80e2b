"""Shared fixtures: the real spaCy pipeline, real SQLite stores under tmp_path."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from knowledge import Newsroom
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa.config import QAConfig
from knowledge.storage.store import Store
from tests.botkit import START, Clock, make_template, seeded_copy
from tests.fake_bot_api import FakeBotApi

os.environ.setdefault("PTB_TIMEDELTA", "1")  # as bot.cli does: PTB's future time periods

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
FIXED_NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test: a user's fresh clone does not have it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared comes with the team's checkout, not a clone)")
    return path


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_pipeline(DEFAULT_MODEL)


def make_newsroom(
    nlp: Language, path: Path, *, seed: bool = True, reader: bool = True
) -> Newsroom:
    """``reader=False``: the rule engine alone, as with ``TALKS_READER=off``."""
    return Newsroom(
        Store(f"sqlite:///{path}"), nlp, clock=lambda: FIXED_NOW, seed=seed, reader=reader
    )


def with_config(newsroom: Newsroom, config: QAConfig) -> Newsroom:
    """The same store answered with other knobs (a second engine over it; with the reader
    where the first has it)."""
    return Newsroom(
        newsroom.store,
        newsroom.nlp,
        clock=lambda: FIXED_NOW,
        seed=False,
        config=config,
        reader=newsroom.engine.reader or False,
    )


@pytest.fixture
def newsroom(nlp: Language, tmp_path: Path) -> Newsroom:
    """A fresh store seeded with the bundled article."""
    return make_newsroom(nlp, tmp_path / "talks.db")


@pytest.fixture(scope="module")
def seeded_newsroom(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    """One seeded store shared by a module's read-only tests."""
    return make_newsroom(nlp, tmp_path_factory.mktemp("seeded") / "talks.db")


# The end-to-end bot tests' fixtures: a seeded store copied per test (the template is seeded once
# per module), the fake Bot API, and the injected clock at ``START``.
@pytest.fixture(scope="module")
def template(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(nlp, tmp_path_factory.mktemp("tpl") / "seeded.db", Clock(START))


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return seeded_copy(template, tmp_path / "talks.db")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock(START)
