"""Loading many files, folders or web pages at once (``talks-bot load a.html b.txt news/``):
read each, store them through ``Newsroom.load_many`` a chunk at a time, and say what became of
each one: loaded, a copy of an article already stored, or refused with the reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.errors import ArticleError, DuplicateArticleError
from knowledge.ingest.fetch import read_url
from knowledge.ingest.reading import DOCUMENT_FORMATS, decode, read_article, read_document
from knowledge.models import Article, ArticleDraft
from knowledge.newsroom.values import Progress, no_progress
from knowledge.nlp.extract import extract_many

if TYPE_CHECKING:
    from knowledge.newsroom.facade import Newsroom

CHUNK = 16  # articles per nlp.pipe and per lock: full batches, yet a bar that moves


@dataclass
class Bulk:
    """What became of each item of a bulk load (named as given, or by path within a folder)."""

    loaded: list[tuple[str, Article]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (item, why)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (item, why)

    def record(self, item: str, outcome: Article | ArticleError) -> None:
        if isinstance(outcome, Article):
            self.loaded.append((item, outcome))
        elif isinstance(outcome, DuplicateArticleError):
            self.duplicates.append((item, str(outcome)))
        else:
            self.refused.append((item, str(outcome)))


def expand(items: Iterable[str]) -> tuple[list[str], list[str]]:
    """The items to read (web addresses, files given, the files under folders given: sorted,
    hidden ones left out) and those that name nothing."""
    found: list[str] = []
    missing: list[str] = []
    for item in items:
        path = Path(item)
        if "://" in item or path.is_file():
            found.append(item)
        elif path.is_dir():
            files = (p for p in sorted(path.rglob("*")) if p.is_file())
            found.extend(str(p) for p in files if not _hidden(p.relative_to(path)))
        else:
            missing.append(item)
    return found, missing


def _hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


def read_item(item: str, *, web: dict[str, Any]) -> ArticleDraft:
    """One item read: a page fetched, a document by its suffix, other files sniffed as text."""
    if "://" in item:
        return read_url(item, **web)
    path = Path(item)
    data = path.read_bytes()
    if path.suffix.lower() in DOCUMENT_FORMATS:
        return read_document(data, filename=path.name)
    return read_article(decode(data))


def load_items(
    newsroom: Newsroom,
    items: Sequence[str],
    *,
    chunk: int = CHUNK,
    progress: Progress = no_progress,
) -> Bulk:
    """Read and store every item; exact and near copies (of the store's articles or of each
    other) are refused, as a single load refuses them, so nothing is stored twice."""
    found, missing = expand(items)
    bulk = Bulk(refused=[(item, "no such file or folder") for item in missing])
    with progress("loading", len(found)) as advance:
        for start in range(0, len(found), chunk):
            part = found[start : start + chunk]
            read: list[tuple[str, ArticleDraft]] = []
            for item in part:
                try:
                    read.append((item, read_item(item, web=newsroom.web.limits())))
                except ArticleError as e:
                    bulk.refused.append((item, str(e)))
                except OSError as e:  # unreadable: permissions, a file gone meanwhile
                    bulk.refused.append((item, e.strerror or str(e)))
            outcomes = newsroom.load_many([d for _, d in read], chunk=chunk, near=True)
            for (item, _), outcome in zip(read, outcomes, strict=True):
                bulk.record(item, outcome)
            advance(len(part))
    return bulk


def store_many(
    newsroom: Newsroom,
    items: Sequence[ArticleDraft],
    *,
    chunk: int,
    n_process: int,
    near: bool,
) -> list[Article | ArticleError]:
    """``Newsroom.load_many``'s work: each chunk's new drafts parsed in one ``nlp.pipe`` under
    the newsroom's lock, then stored one transaction each."""
    results: list[Article | ArticleError] = []
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        with newsroom._lock:
            outcome: list[Article | ArticleError | None] = [None] * len(part)
            todo: list[int] = []
            for i, draft in enumerate(part):
                try:
                    newsroom.store.ensure_new(draft)
                    if near:
                        newsroom._ensure_not_near(draft)
                except ArticleError as e:
                    outcome[i] = e
                else:
                    todo.append(i)
            now = newsroom.clock()
            dates = {i: part[i].published or now.date() for i in todo}
            extractions = extract_many(
                newsroom.nlp, [(part[i], dates[i]) for i in todo], n_process=n_process
            )
            stored = False
            for i, extraction in zip(todo, extractions, strict=True):
                try:  # a repeat within the chunk is refused here, inside the transaction
                    if near and stored:  # a repeat of one stored a moment ago
                        newsroom.store.ensure_new(part[i])  # an exact one: named as such
                        newsroom._ensure_not_near(part[i])
                    article = newsroom._store(part[i], extraction, published=dates[i], now=now)
                except ArticleError as e:
                    outcome[i] = e
                else:
                    newsroom._fingerprints.add(article.id, part[i].body)
                    outcome[i] = article
                    stored = True
            results.extend(r for r in outcome if r is not None)
    return results
