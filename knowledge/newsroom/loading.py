"""Loading chores of the facade that need no lock of their own: re-extracting a store written
by an older extractor, the bundled article, and what a stored article adds to the index."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
from importlib import resources

from spacy.language import Language

from knowledge.ingest.reading import read_article
from knowledge.models import ArticleDraft, Extraction
from knowledge.newsroom.values import Progress, no_progress
from knowledge.nlp.extract import extract_many
from knowledge.nlp.version import EXTRACTOR_VERSION
from knowledge.qa.embedding import Embedder
from knowledge.qa.index import Index
from knowledge.storage.store import Store, StoredArticle

log = logging.getLogger(__name__)

PARALLEL_REFRESH = 200  # articles to re-extract before worker processes pay off their start
EMBEDDING_KEY = "embedding"  # the store's meta: the model its facts' vectors are from
EMBEDDING_CHUNK = 256  # facts embedded and written at a time when a store is filled


def refresh_stale(store: Store, nlp: Language, *, progress: Progress = no_progress) -> None:
    """Re-extract every stored article when the store was built by an older extractor (its
    facts would miss what the current questions look for); a new store is marked current.
    A large store is parsed by as many processes as there are cores (a 10,000-article
    store takes minutes: it happens once per extractor version)."""
    if store.get_meta("extractor") == str(EXTRACTOR_VERSION):
        return
    drafts = store.drafts()
    if not drafts:  # a new store: nothing to redo
        store.set_meta("extractor", str(EXTRACTOR_VERSION))
        return
    log.info("re-extracting %d articles stored by an older extractor", len(drafts))
    workers = min(os.cpu_count() or 1, 4) if len(drafts) >= PARALLEL_REFRESH else 1
    extractions = extract_many(nlp, [(draft, day) for _, draft, day in drafts], n_process=workers)
    with progress("re-extracting", len(drafts)) as advance:
        for (article_id, _, _), extraction in zip(drafts, extractions, strict=True):
            store.refresh_article(article_id, extraction)
            advance(1)
    store.set_meta("extractor", str(EXTRACTOR_VERSION))


def fill_vectors(
    store: Store, embedder: Embedder | None, *, progress: Progress = no_progress
) -> int:
    """Embed the stored facts that have no vector (a store from before vectors were stored, or
    facts stored by a process without the embeddings), all of them where another model made
    the stored ones; a chunk at a time, each written at once, so an interrupted fill goes on
    where it stopped. How many facts were embedded."""
    if embedder is None:
        return 0
    if store.get_meta(EMBEDDING_KEY) != embedder.name:
        store.clear_vectors()  # first: a fill stopped after it finds the meta already set
        store.set_meta(EMBEDDING_KEY, embedder.name)
    total = store.count_unembedded()
    if not total:
        return 0
    log.info("embedding %d stored facts (%s)", total, embedder.name)
    last = 0
    with progress("embedding", total) as advance:
        while batch := store.unembedded(EMBEDDING_CHUNK, after=last):
            vectors = embedder.stored([text for _, text in batch])
            store.set_vectors({fid: v for (fid, _), v in zip(batch, vectors, strict=True)})
            advance(len(batch))
            last = batch[-1][0]
    return total


def embedded(extraction: Extraction, embedder: Embedder | None) -> Extraction:
    """An extraction with its facts' vectors, made before it is stored (as is without
    embeddings)."""
    if embedder is None or not extraction.facts:
        return extraction
    vectors = embedder.stored([f.text for f in extraction.facts])
    facts = tuple(
        dataclasses.replace(f, vector=v) for f, v in zip(extraction.facts, vectors, strict=True)
    )
    return dataclasses.replace(extraction, facts=facts)


def seed_draft() -> ArticleDraft:
    """The bundled article (knowledge/data), read: what a fresh install answers about."""
    data = resources.files("knowledge.data")
    meta = json.loads(data.joinpath("seed.json").read_text())
    raw = data.joinpath(meta["file"]).read_text("utf-8")
    published = dt.date.fromisoformat(meta["published"])
    # The headline is metadata: the text itself opens with a photo caption and the lead.
    return read_article(
        raw, title=meta.get("title"), source=meta.get("source"), published=published
    )


def index_stored(index: Index, stored: StoredArticle, *, replacing: bool = False) -> None:
    """Update the index with what one store write touched (its facts, the entities it
    changed): the cost does not grow with the store."""
    if replacing:
        index.remove_article(stored.article.id)
    index.add_articles([stored.article])
    index.add_facts(stored.facts)
    index.update_entities(stored.entity_ids, stored.entities)
