"""Shared fixtures: the real spaCy pipeline, real SQLite stores under tmp_path, and real
PostgreSQL databases (one per test, made and dropped here) on the server at 127.0.0.1:5432 that
the project's machines and CI run; the PostgreSQL tests skip, saying why, when none answers."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
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
PG_SERVER = os.environ.get("TALKS_TEST_PG", "postgres@127.0.0.1:5432")  # user@host:port
PG_ADMIN = f"postgresql://{PG_SERVER}/postgres?connect_timeout=3"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test: a user's fresh clone does not have it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared comes with the team's checkout, not a clone)")
    return path


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_pipeline(DEFAULT_MODEL)


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped (connections and all) after; skips
    the test when no server answers."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as e:
        pytest.skip(f"no PostgreSQL server at {PG_SERVER} ({e})")
    name = f"talks_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped after it."""
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store on each dialect: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'talks.db'}"
        return
    with postgres_database() as url:
        yield url


def store_url_of(path_or_url: Path | str) -> str:
    """A SQLite file's URL; a URL as it is."""
    return path_or_url if isinstance(path_or_url, str) else f"sqlite:///{path_or_url}"


def make_newsroom(
    nlp: Language, path: Path | str, *, seed: bool = True, reader: bool = True
) -> Newsroom:
    """A newsroom over a SQLite file or a store URL. ``reader=False``: the rule engine alone,
    as with ``TALKS_READER=off``."""
    return Newsroom(
        Store(store_url_of(path)), nlp, clock=lambda: FIXED_NOW, seed=seed, reader=reader
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


@pytest.fixture
def dialect_newsroom(nlp: Language, store_url: str) -> Iterator[Newsroom]:
    """A fresh seeded store on each dialect (SQLite, then PostgreSQL): a module whose store
    tests must hold on both names its ``newsroom`` fixture after this one."""
    newsroom = make_newsroom(nlp, store_url)
    yield newsroom
    newsroom.store.engine.dispose()


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
