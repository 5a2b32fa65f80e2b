"""Speed benchmark: ingestion throughput, per-question latency and index memory by store size.

    .venv/bin/python bench/latency.py [--sizes 1,1000,10000] [--out bench/results/latency.md]
                                      [--ingest 300] [--rounds 3] [--rebuild]

1. Ingestion: the first ``--ingest`` BBC News files (round-robin over the categories) go through
   ``Newsroom.load_text`` into a fresh SQLite store in a temporary directory; words/s counts
   the whitespace-split body words of the articles stored (exact duplicates are refused by the
   store and skipped).
2. Latency: for every store size, ``kb.answer(q)`` is timed with ``time.perf_counter`` over the
   seed questions, the dev questions and questions generated from BBC sentences (question parse
   included, model load excluded), after a warm-up on other questions. The engine's cache of
   parsed facts is cleared before every timed question, so each one pays for parsing its best fact
   as a fresh question would.
3. Memory: VmRSS after opening the store minus VmRSS before, and ``kb.index.memory_estimate()``.
   Each store is measured in a fresh process so one store's memory never hides another's.

Stores are cached under ``bench/.cache/`` by size (``--rebuild`` rebuilds them). A store of size N
holds the bundled seed article plus N-1 BBC articles loaded through ``load_text``; past the 2,087
BBC articles the store accepts (138 of the 2,225 files repeat another's body), copies with
shifted names and digits are written straight through ``Store.add_article`` re-using the real
articles' extraction (running spaCy 10,000 times would take an hour and measure nothing new).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import os
import pickle
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import bm25s
from revision import git_revision
from spacy.language import Language
from spacy.tokens import Span as SpacySpan
from sqlalchemy.exc import IntegrityError

from knowledge import Newsroom, open_newsroom
from knowledge.content_words import STOP
from knowledge.errors import ArticleError, DuplicateArticleError
from knowledge.ingest.dedupe import Fingerprints
from knowledge.ingest.reading import decode, read_article
from knowledge.models import (
    ArticleDraft,
    ExtractedEntity,
    ExtractedFact,
    ExtractedMention,
    Extraction,
    Quote,
    Span,
)
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.nlp.version import EXTRACTOR_VERSION
from knowledge.qa.embedding import shipped_embedder
from knowledge.qa.reader import shipped_reader
from knowledge.storage.store import Store, content_hash

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
DEFAULT_OUT = ROOT / "bench" / "results" / "latency.md"
# Modules whose changes make a cached store stale (what gets stored, and how).
# What decides a cached store's content: the stages that read, extract and store articles.
STORE_MODULES = ("ingest", "nlp", "storage", "text.py", "models.py")
NOW = dt.datetime(2005, 6, 1, 12, 0, tzinfo=dt.UTC)  # BBC articles are from 2004-2005
SOURCE = "BBC News"
P95_TARGET_MS = 80.0  # with the learned reader (issue 11); 50 for the rules alone
P95_TARGET_SIZE = 10_000
# Issue 11: at least 2,000 words a second with the facts' embeddings made as they are stored
# (5,000 was the target before the encoder, which takes about 2 ms a fact).
INGEST_TARGET_WPS = 2_000.0
WARMUP_QUESTIONS = 10


def clock() -> dt.datetime:
    return NOW


# --- the corpus --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BbcArticle:
    path: Path
    title: str
    body: str

    @property
    def words(self) -> int:
        return len(self.body.split())


def bbc_articles() -> list[BbcArticle]:
    """Every BBC file, round-robin over the categories (so any prefix mixes all five)."""
    if not CORPUS.is_dir():
        sys.exit(f"error: the BBC corpus is not at {CORPUS}")
    categories = [sorted(d.glob("*.txt")) for d in sorted(CORPUS.iterdir()) if d.is_dir()]
    out = []
    for i in range(max(len(c) for c in categories)):
        for files in categories:
            if i < len(files):
                title, _, body = decode(files[i].read_bytes()).partition("\n")
                out.append(BbcArticle(files[i], title.strip(), body.strip()))
    return out


def load_bbc(kb: Newsroom, article: BbcArticle) -> None:
    kb.load_text(article.body, title=article.title, source=SOURCE)


# --- ingestion throughput ----------------------------------------------------------------------


@dataclass(slots=True)
class Ingestion:
    files: int = 0
    loaded: int = 0
    duplicates: int = 0
    refused: int = 0
    words: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # loads that failed with a bug, not a refusal
    cpu_seconds: float = 0.0  # time.process_time: the machine's other load does not count

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    @property
    def words_per_cpu_s(self) -> float:
        return self.words / self.cpu_seconds if self.cpu_seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.files:,} BBC files → {self.loaded:,} articles stored, "
            f"{self.duplicates:,} duplicates skipped, {self.refused:,} refused, "
            f"{len(self.errors):,} failed with an error; "
            f"{self.words:,} words in {self.seconds:.1f} s → **{self.words_per_s:,.0f} words/s** "
            f"wall clock; {self.cpu_seconds:.1f} CPU-s → **{self.words_per_cpu_s:,.0f} words per "
            "CPU-second**"
        )


def new_kb(path: Path, nlp: Language, *, recorded: list[Recorded] | None = None) -> Newsroom:
    """A newsroom on a SQLite file, seeded with the bundled article if new; ``recorded``
    keeps every extraction."""
    store = Store(f"sqlite:///{path}")
    if recorded is not None:
        return RecordingNewsroom(store, nlp, clock=clock, seed=True, recorded=recorded)
    return Newsroom(store, nlp, clock=clock, seed=True)


def ingest(
    kb: Newsroom,
    articles: Sequence[BbcArticle],
    *,
    stop_at: int | None = None,
    after_load: Callable[[int, Ingestion], None] | None = None,
) -> Ingestion:
    """Load articles through ``load_text`` until the store holds ``stop_at`` articles;
    ``after_load`` gets the article count and the throughput so far after every article stored
    (its own time is not counted)."""
    result = Ingestion()
    count = kb.store.article_count()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for article in articles:
        if stop_at is not None and count >= stop_at:
            break
        result.files += 1
        try:
            load_bbc(kb, article)
        except DuplicateArticleError:
            result.duplicates += 1
            continue
        except ArticleError:
            result.refused += 1
            continue
        except Exception as e:  # a bug in the engine: report it, keep measuring
            cause = getattr(e, "orig", None) or e  # SQLAlchemy wraps the driver's error
            message = str(cause).splitlines()[0] if str(cause) else ""
            result.errors.append(
                f"{article.path.relative_to(CORPUS)}: {type(e).__name__}: {message}"
            )
            print(f"  error: {result.errors[-1]}", file=sys.stderr)
            continue
        result.loaded += 1
        result.words += article.words
        count += 1
        if after_load is not None:
            pause, cpu_pause = time.perf_counter(), time.process_time()
            result.seconds = pause - start
            result.cpu_seconds = cpu_pause - cpu_start
            after_load(count, result)
            start += time.perf_counter() - pause
            cpu_start += time.process_time() - cpu_pause
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_start
    return result


def ingest_many(kb: Newsroom, articles: Sequence[BbcArticle], *, n_process: int = 1) -> Ingestion:
    """Read the articles, then store them through one ``load_many`` (the bulk path: paragraphs
    of many articles parsed in shared batches, still one transaction per article)."""
    result = Ingestion(files=len(articles))
    start, cpu_start = time.perf_counter(), time.process_time()
    drafts, kept = [], []
    for article in articles:
        try:
            drafts.append(read_article(article.body, title=article.title, source=SOURCE))
        except ArticleError:
            result.refused += 1
            continue
        kept.append(article)
    outcomes = kb.load_many(drafts, n_process=n_process)
    for article, outcome in zip(kept, outcomes, strict=True):
        if isinstance(outcome, DuplicateArticleError):
            result.duplicates += 1
        elif isinstance(outcome, ArticleError):
            result.refused += 1
        else:
            result.loaded += 1
            result.words += article.words
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_start
    return result


def measure_ingestion(
    nlp: Language, articles: Sequence[BbcArticle], n: int, *, bulk: bool, n_process: int = 1
) -> Ingestion:
    with tempfile.TemporaryDirectory(prefix="talks-bench-") as tmp:
        kb = new_kb(Path(tmp) / "ingest.db", nlp)  # seeding (and spaCy's warm-up) is not timed
        if bulk:
            result = ingest_many(kb, articles[:n], n_process=n_process)
        else:
            result = ingest(kb, articles[:n])
        kb.store.engine.dispose()
        return result


# --- building the stores -----------------------------------------------------------------------


@dataclass(slots=True)
class StoreInfo:
    """What a cached store is and how it was built (``<db>.json`` next to it)."""

    articles: int
    real: int  # BBC articles loaded through load_text or re-used extractions
    copies: int  # shifted copies
    method: str
    build_seconds: float
    built_at: str
    fingerprint: str
    ingestion: dict[str, Any] | None = None  # load_text throughput while the store grew

    @property
    def stale(self) -> bool:
        return self.fingerprint != knowledge_fingerprint()


def ingestion_stats(progress: Ingestion) -> dict[str, Any]:
    return dataclasses.asdict(progress) | {"words_per_s": progress.words_per_s}


@functools.cache
def knowledge_fingerprint() -> str:
    """A hash of the knowledge modules as this process imported them (the first call is in
    ``main``, before any store is built, so edits made during a run are not credited to it)."""
    digest = hashlib.sha256()
    for name in STORE_MODULES:
        path = ROOT / "knowledge" / name
        for module in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(module.read_bytes())
    return digest.hexdigest()[:12]


def store_path(size: int) -> Path:
    return CACHE / f"articles-{size}.db"


def read_info(size: int) -> StoreInfo | None:
    meta = store_path(size).with_suffix(".json")
    if not (store_path(size).exists() and meta.exists()):
        return None
    return StoreInfo(**json.loads(meta.read_text()))


def save_store(src: Path, size: int, info: StoreInfo) -> None:
    """Copy a live SQLite store into the cache (the backup API copies WAL content too)."""
    dst = store_path(size)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(src)) as source, closing(sqlite3.connect(dst)) as target:
        source.backup(target)
    dst.with_suffix(".json").write_text(json.dumps(dataclasses.asdict(info), indent=1) + "\n")


Recorded = tuple[ArticleDraft, dt.date, Extraction]


class RecordingNewsroom(Newsroom):
    """A newsroom that keeps every extraction it makes (to write shifted copies later)."""

    def __init__(self, *args: Any, recorded: list[Recorded], **kwargs: Any) -> None:
        self.recorded = recorded
        super().__init__(*args, **kwargs)

    def _extract(self, draft: ArticleDraft, published: dt.date) -> Extraction:
        extraction = super()._extract(draft, published)
        self.recorded.append((draft, published, extraction))
        return extraction


def extractions_path() -> Path:
    return CACHE / "extractions.pkl"


def read_extractions() -> list[Recorded] | None:
    path = extractions_path()
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            fingerprint, recorded = pickle.load(f)
    except (OSError, pickle.UnpicklingError, AttributeError, TypeError, EOFError):
        return None
    return recorded if fingerprint == knowledge_fingerprint() else None


def _current(size: int) -> bool:
    """Whether a cached store was extracted by this extractor. An older one would be
    re-extracted when the measuring process opens it (minutes, in its "index open s"), so it
    is rebuilt instead."""
    store = Store(f"sqlite:///{store_path(size)}")
    try:
        current = store.get_meta("extractor") == str(EXTRACTOR_VERSION)
    finally:
        store.engine.dispose()
    if not current:
        print(
            f"the cached {size:,}-article store was extracted by an older extractor: rebuilding",
            file=sys.stderr,
        )
    return current


def build_stores(
    nlp: Language, articles: Sequence[BbcArticle], sizes: Sequence[int], *, rebuild: bool
) -> dict[int, StoreInfo]:
    """Make sure a cached store exists for every size; build the missing ones."""
    CACHE.mkdir(parents=True, exist_ok=True)
    infos = {} if rebuild else {s: i for s in sizes if (i := read_info(s)) and _current(s)}
    missing = sorted(s for s in sizes if s not in infos)
    unique = len({content_hash(read_article(a.body, title=a.title)) for a in articles})
    synthetic = [s for s in missing if s > 1 + unique]
    recorded = None if rebuild or not synthetic else read_extractions()
    real_sizes = {s for s in missing if s <= 1 + unique}
    record = bool(synthetic) and recorded is None
    full_pass = None
    if real_sizes or record:
        fresh, real_infos, progress = ingest_real(nlp, articles, real_sizes, record=record)
        recorded = fresh if record else recorded
        full_pass = progress if record else None
        infos.update(real_infos)
    for size in synthetic:
        assert recorded is not None
        infos[size] = build_synthetic(nlp, recorded, size, full_pass=full_pass)
    for size in sizes:
        if size not in infos:
            print(f"warning: could not build a {size:,}-article store; skipped", file=sys.stderr)
    return infos


def ingest_real(
    nlp: Language, articles: Sequence[BbcArticle], sizes: set[int], *, record: bool
) -> tuple[list[Recorded], dict[int, StoreInfo], Ingestion]:
    """One pass of ``load_text`` over the BBC articles, snapshotting the store at each size;
    with ``record``, every article is loaded and its extraction kept for the shifted copies."""
    infos: dict[int, StoreInfo] = {}
    print(
        f"building stores {sorted(sizes)} through load_text"
        + (" (and recording every extraction for the shifted copies)" if record else ""),
        file=sys.stderr,
    )
    kept: list[Recorded] = []
    recorded: list[Recorded] = []
    with tempfile.TemporaryDirectory(prefix="talks-bench-") as tmp:
        db = Path(tmp) / "real.db"
        start = time.perf_counter()
        kb = new_kb(db, nlp, recorded=recorded)
        recorded.clear()  # the seed article is not copied

        def snapshot(count: int, progress: Ingestion | None) -> None:
            if progress is not None and recorded:
                kept.append(recorded[-1])  # the extraction of the article just stored
            if count % 100 == 0:
                print(
                    f"  {count:,} articles, {time.perf_counter() - start:.0f} s", file=sys.stderr
                )
            if count not in sizes:
                return
            stats = None if progress is None else ingestion_stats(progress)
            infos[count] = StoreInfo(
                articles=count,
                real=count - 1,
                copies=0,
                method=(
                    "seed + BBC articles through Newsroom.load_text"
                    if count > 1
                    else "the bundled seed article (a Newsroom on an empty store)"
                ),
                build_seconds=round(time.perf_counter() - start, 1),
                built_at=dt.datetime.now().isoformat(timespec="seconds"),
                fingerprint=knowledge_fingerprint(),
                ingestion=stats,
            )
            save_store(db, count, infos[count])

        if 1 in sizes:
            snapshot(1, None)
        stop_at = None if record else max(sizes)
        progress = ingest(kb, articles, stop_at=stop_at, after_load=snapshot)
        kb.store.engine.dispose()
    print(f"  ingestion while building: {progress.line()}", file=sys.stderr)
    if record:
        if len(kept) != progress.loaded:
            sys.exit("error: could not record extractions (Newsroom no longer calls _extract)")
        with extractions_path().open("wb") as f:
            pickle.dump((knowledge_fingerprint(), kept), f, protocol=pickle.HIGHEST_PROTOCOL)
    return kept, infos, progress


def build_synthetic(
    nlp: Language, recorded: Sequence[Recorded], size: int, *, full_pass: Ingestion | None
) -> StoreInfo:
    """Seed + every real article + shifted copies, written straight through Store.add_article;
    ``full_pass`` is the load_text pass that produced the extractions, if it ran just now."""
    print(
        f"building the {size:,}-article store (real extractions + shifted copies)", file=sys.stderr
    )
    with tempfile.TemporaryDirectory(prefix="talks-bench-") as tmp:
        db = Path(tmp) / "synthetic.db"
        start = time.perf_counter()
        kb = new_kb(db, nlp)
        store = kb.store
        count, copies = 1, 0
        for k in range(len(recorded) * size):  # copy round k // len(recorded) (0 = the original)
            if count >= size:
                break
            draft, published, extraction = recorded[k % len(recorded)]
            shift = k // len(recorded)
            if shift:
                draft, extraction = shifted(draft, extraction, shift)
            try:
                store.add_article(draft, extraction, published=published, loaded_at=clock())
            except (DuplicateArticleError, IntegrityError):
                continue  # a copy that collides with a stored article or trips a store bug
            count += 1
            copies += bool(shift)
            if count % 1000 == 0:
                print(
                    f"  {count:,} articles, {time.perf_counter() - start:.0f} s", file=sys.stderr
                )
        # What a load through the Newsroom writes beside the article: without it, the first
        # open of this store would fingerprint every copy (Newsroom's backfill), not just open.
        Fingerprints(store).backfill()
        info = StoreInfo(
            articles=count,
            real=count - 1 - copies,
            copies=copies,
            method="seed + BBC extractions and shifted copies through Store.add_article",
            build_seconds=round(time.perf_counter() - start, 1),
            built_at=dt.datetime.now().isoformat(timespec="seconds"),
            fingerprint=knowledge_fingerprint(),
            ingestion=None if full_pass is None else ingestion_stats(full_pass),
        )
        store.engine.dispose()
        save_store(db, size, info)
    return info


# --- shifted copies ----------------------------------------------------------------------------

_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"[0-9]")


def _rotate(word: str, k: int) -> str:
    out = []
    for ch in word:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + k) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + k) % 26 + 65))
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Shifter:
    """Rotates an article's name words by k letters and its digits by k: same lengths (so spans
    stay valid), distinct text, and the same change wherever a name appears, in the text or in
    an index term (including terms made from a name's prefix, like crude stems)."""

    k: int
    names: frozenset[str]  # lowercase words only ever written capitalised in the article
    term_names: frozenset[str]  # names and their prefixes that are not words of the article

    @classmethod
    def for_article(cls, draft: ArticleDraft, k: int) -> Shifter:
        tokens = _LETTERS.findall(f"{draft.title}\n{draft.body}")
        lower = {t for t in tokens if t.islower()}
        names = {t.lower() for t in tokens if t[:1].isupper()} - lower - STOP
        prefixes = {n[:i] for n in names for i in range(4, len(n))} - lower - STOP
        return cls(k, frozenset(names), frozenset(names | prefixes))

    def __call__(self, text: str) -> str:
        return self._shift(text, self.names)

    def term(self, term: str) -> str:
        return self._shift(term, self.term_names)

    def opt(self, text: str | None) -> str | None:
        return None if text is None else self(text)

    def _shift(self, text: str, names: frozenset[str]) -> str:
        text = _LETTERS.sub(
            lambda m: _rotate(m[0], self.k) if m[0].lower() in names else m[0], text
        )
        return _DIGIT.sub(lambda m: str((int(m[0]) + self.k) % 10), text)


def shifted(
    draft: ArticleDraft, extraction: Extraction, k: int
) -> tuple[ArticleDraft, Extraction]:
    s = Shifter.for_article(draft, k)
    new_draft = dataclasses.replace(
        draft,
        title=s(draft.title),
        paragraphs=tuple(s(p) for p in draft.paragraphs),
        caption=s.opt(draft.caption),
        author=s.opt(draft.author),
        url=None,
    )
    facts = tuple(
        ExtractedFact(
            position=f.position,
            paragraph=f.paragraph,
            text=s(f.text),
            terms=tuple(dict.fromkeys(s.term(t) for t in f.terms)),
            spans=tuple(
                Span(sp.start, sp.end, s(sp.text), sp.label, sp.resolved) for sp in f.spans
            ),
            mentions=tuple(
                ExtractedMention(m.entity_key, m.start, m.end, s(m.text), m.kind)
                for m in f.mentions
            ),
            quotes=tuple(Quote(s(q.text), q.speaker_key) for q in f.quotes),
        )
        for f in extraction.facts
    )
    entities = tuple(
        ExtractedEntity(
            key=e.key,
            name=s(e.name),
            label=e.label,
            aliases=tuple(s(a) for a in e.aliases),
            descriptions=tuple(s(d) for d in e.descriptions),
        )
        for e in extraction.entities
    )
    return new_draft, Extraction(facts=facts, entities=entities, word_count=extraction.word_count)


# --- questions ---------------------------------------------------------------------------------

_WH_BY_LABEL = {
    "PERSON": "who",
    "ORG": "what",
    "GPE": "what",
    "NORP": "what",
    "LOC": "what",
    "FAC": "what",
    "PRODUCT": "what",
    "EVENT": "what",
    "WORK_OF_ART": "what",
    "DATE": "when",
    "MONEY": "how much",
    "PERCENT": "how much",
    "CARDINAL": "how many",
}


_DROPPED_BEFORE = frozenset({"the", "mr", "mrs", "ms", "dr"})


def read_questions(path: Path) -> list[str]:
    if not path.exists():
        print(f"warning: {path} is missing; its questions are left out", file=sys.stderr)
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["q"] for line in f if line.strip()]


def generated_questions(nlp: Language, articles: Sequence[BbcArticle], n: int) -> list[str]:
    """Questions made from BBC sentences by turning a named entity that is a subject or object
    into a question word ("Time Warner said on Friday…" → "Who said on Friday…?"); only for
    timing, so grammar is rough at times."""
    step = max(1, len(articles) // n)
    out: list[str] = []
    for i, article in enumerate(articles[::step]):
        paragraphs = article.body.split("\n\n")
        for sent in nlp(paragraphs[min(1, len(paragraphs) - 1)]).sents:
            if not 6 <= len(sent) <= 40:
                continue
            ents = [e for e in sent.ents if _askable(e)]
            if not ents:
                continue
            ent = ents[i % len(ents)]
            first = ent.start
            if first > sent.start and sent.doc[first - 1].lower_ in _DROPPED_BEFORE:
                first -= 1  # "the BBC" → "what", not "the what"; "Mr Blair" → "who"
            before = sent.doc.text[sent.start_char : sent.doc[first].idx]
            after = sent.doc.text[ent.end_char : sent.end_char].rstrip(" .!\"'”")
            wh = _WH_BY_LABEL[ent.label_]
            if ent.root.dep_.startswith("nsubj") and ent.label_ != "PERSON":
                wh = "what"  # "When received the ban" reads worse than "What received the ban"
            text = f"{before}{wh}{after}?" if before else f"{wh.capitalize()}{after}?"
            out.append(re.sub(r"\s+", " ", text).strip())
            break
        if len(out) == n:
            break
    return out


def _askable(ent: SpacySpan) -> bool:
    """A whole-word entity that a question word can stand for: a subject or an object."""
    doc = ent.doc
    whole = (ent.start == 0 or bool(doc[ent.start - 1].whitespace_)) and (
        ent.end == len(doc) or bool(doc[ent.end - 1].whitespace_) or doc[ent.end].is_punct
    )
    return (
        ent.label_ in _WH_BY_LABEL
        and whole
        and ent.root.dep_ in {"nsubj", "nsubjpass", "dobj", "pobj", "attr"}
        and not (ent.start > 0 and doc[ent.start - 1].text in {"$", "£", "€"})
    )


# --- measuring one store -----------------------------------------------------------------------


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass(slots=True)
class StoreResult:
    size: int
    articles: int
    facts: int
    entities: int
    vocabulary: int
    open_s: float
    gc_s: float
    rss_bytes: int
    index_estimate_bytes: int
    answered: int
    questions: int
    times_ms: list[float]
    bm25s_ms: list[float] = field(default_factory=list)  # bare bm25s top-10, the same facts
    reader: str = "shipped"
    reader_load_s: float = 0.0
    reader_rss_bytes: int = 0
    encoder_load_s: float = 0.0
    encoder_rss_bytes: int = 0

    def pct(self, p: float) -> float:
        return percentile(self.times_ms, p)

    def ratio(self, p: float) -> float:
        """The engine's time over a bare bm25s top-10 retrieval's, at a percentile."""
        return self.pct(p) / max(1e-9, percentile(self.bm25s_ms, p))


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def clear_parse_cache(kb: Newsroom) -> None:
    """Forget parsed facts so each timed question parses its best fact as a fresh one would."""
    kb.engine.forget_parses()


def bm25s_times(kb: Newsroom, questions: Sequence[str], rounds: int) -> list[float]:
    """A bare retrieval for scale: bm25s (English stopwords, no stemming) over the same fact
    texts, the top 10 per question, tokenisation of the question included."""
    facts = list(kb.index.facts.values())
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([f.text for f in facts], stopwords="en", show_progress=False),
        show_progress=False,
    )
    k = min(10, len(facts))
    times = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            tokens = bm25s.tokenize([q], stopwords="en", show_progress=False)
            if tokens.vocab:  # a question of stopwords only finds nothing
                retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
            times.append((time.perf_counter() - t0) * 1000)
    return times


def measure_store(
    size: int, model: str, questions: list[str], warmup: list[str], rounds: int, *, reader: str
) -> dict[str, Any]:
    """Open a cached store and time the questions (run in a fresh process)."""
    nlp = load_pipeline(model)
    nlp("Warm the pipeline up before measuring memory.")
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    if reader == "shipped":
        shipped_reader()  # loaded once per process, here to be timed and weighed alone
    reader_load_s = time.perf_counter() - start
    reader_rss = rss_bytes() - before
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    if reader == "shipped":
        shipped_embedder()  # the reading order's encoder, the same way
    encoder_load_s = time.perf_counter() - start
    encoder_rss = rss_bytes() - before
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    # As the bot and the CLI open it (the index is frozen out of later garbage collections).
    kb = open_newsroom(
        f"sqlite:///{store_path(size)}", model=model, clock=clock, reader=reader == "shipped"
    )
    open_s = time.perf_counter() - start
    start = time.perf_counter()
    gc.collect()  # the full collection that would otherwise land on the first questions
    gc_s = time.perf_counter() - start
    rss = rss_bytes() - before
    for q in warmup:
        kb.answer(q)
    times: list[float] = []
    answered = 0
    gc.collect()
    for _ in range(rounds):
        for q in questions:
            clear_parse_cache(kb)
            t0 = time.perf_counter()
            answer = kb.answer(q)
            times.append((time.perf_counter() - t0) * 1000)
            answered += answer.answered
    result = StoreResult(
        bm25s_ms=bm25s_times(kb, questions, rounds),
        reader=reader,
        reader_load_s=reader_load_s,
        reader_rss_bytes=reader_rss,
        encoder_load_s=encoder_load_s,
        encoder_rss_bytes=encoder_rss,
        size=size,
        articles=len(kb.index.articles),
        facts=len(kb.index.facts),
        entities=len(kb.index.entities),
        vocabulary=len(kb.index.vocabulary),
        open_s=open_s,
        gc_s=gc_s,
        rss_bytes=rss,
        index_estimate_bytes=kb.index.memory_estimate(),
        answered=answered // rounds,
        questions=len(questions),
        times_ms=times,
    )
    return dataclasses.asdict(result)


def measure_in_child(
    size: int, model: str, questions: list[str], warmup: list[str], rounds: int, *, reader: str
) -> StoreResult:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        data = pool.submit(
            measure_store, size, model, questions, warmup, rounds, reader=reader
        ).result()
    return StoreResult(**data)


# --- the report --------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores (load average {load})"


@functools.cache
def mb(n: float) -> str:
    return f"{n / 2**20:,.1f}"


def verdict_wps(ingestion: Ingestion) -> str:
    wall = verdict(ingestion.words_per_s >= INGEST_TARGET_WPS)
    cpu = verdict(ingestion.words_per_cpu_s >= INGEST_TARGET_WPS)
    return f"{wall} wall clock, {cpu} per CPU-second"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def render(
    *,
    ingestion: Ingestion | None,
    bulk: Ingestion | None,
    results: Sequence[StoreResult],
    infos: dict[int, StoreInfo],
    counts: dict[str, int],
    rounds: int,
    warmup: int,
    model: str,
    n_process: int = 1,
) -> str:
    total = sum(counts.values())
    sources = ", ".join(f"{n} {name}" for name, n in counts.items())
    lines = [
        "# Latency benchmark",
        "",
        f"- run {dt.datetime.now():%Y-%m-%d %H:%M} on {machine()}; Python "
        f"{platform.python_version()}, spaCy {metadata.version('spacy')}, model `{model}`; "
        f"commit {git_revision()}",
        f"- {total} questions ({sources}), timed {rounds}× each with `kb.answer` after "
        f"{warmup} warm-up questions; the parsed-fact cache is cleared before each question",
        "- command: `.venv/bin/python bench/latency.py` (see bench/README.md)",
        "",
        "## Ingestion",
        "",
    ]
    if ingestion is not None and bulk is not None:
        lines += [
            f"Fresh store, bulk: `read_article` then `Newsroom.load_many` "
            f"(n_process={n_process}): {bulk.line()} "
            f"(target ≥ {INGEST_TARGET_WPS:,.0f} words/s: {verdict_wps(bulk)})",
            "",
            f"Fresh store, one at a time: `Newsroom.load_text` per file: {ingestion.line()} "
            f"(target: {verdict_wps(ingestion)})",
            "",
            "The target is judged on words per CPU-second when the machine is shared (the wall "
            "clock then counts other processes' time); both are given.",
        ]
    else:
        lines.append("Not measured (`--ingest 0`).")
    for info in sorted(infos.values(), key=lambda i: i.articles):
        if info.ingestion:
            g = info.ingestion
            what = (
                f"loading all {g['loaded']:,.0f} BBC articles (the real part of the "
                f"{info.articles:,}-article store)"
                if info.copies
                else f"building the {info.articles:,}-article store"
            )
            cpu = g.get("cpu_seconds") or 0.0
            per_cpu = f", {g['words'] / cpu:,.0f} words per CPU-second" if cpu else ""
            lines.append(
                f"\nWhile {what}: {g['loaded']:,.0f} articles, {g['words']:,.0f} words in "
                f"{g['seconds']:,.1f} s → {g['words_per_s']:,.0f} words/s{per_cpu} (the store "
                "growing from 1 article)"
            )
    errors = dict.fromkeys(
        [
            *(ingestion.errors if ingestion else []),
            *(e for i in infos.values() if i.ingestion for e in i.ingestion.get("errors", [])),
        ]
    )
    if errors:
        lines += ["", "Loads that failed with an error (not a refusal; skipped):", ""]
        lines += [f"- `{e}`" for e in errors]
    lines += [
        "",
        "## Question latency and memory",
        "",
        "| articles | facts | entities | p50 ms | p95 ms | mean ms | max ms | answered "
        "| index open s | RSS MB | index est. MB | bm25s top-10 p50 / p95 ms "
        "| engine ÷ bm25s p50 / p95 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.articles:,} | {r.facts:,} | {r.entities:,} | {r.pct(50):.1f} "
            f"| {r.pct(95):.1f} | {statistics.fmean(r.times_ms):.1f} | {max(r.times_ms):.1f} "
            f"| {r.answered}/{r.questions} | {r.open_s:.2f} | {mb(r.rss_bytes)} "
            f"| {mb(r.index_estimate_bytes)} | {percentile(r.bm25s_ms, 50):.2f} / "
            f"{percentile(r.bm25s_ms, 95):.2f} | {r.ratio(50):.1f}× / {r.ratio(95):.1f}× |"
        )
    shown = results[0] if results else None
    if shown is not None and shown.reader == "shipped":
        lines += [
            "",
            f"The learned reader (`knowledge/data/reader.onnx`, int8) loaded in "
            f"{shown.reader_load_s:.2f} s and holds {mb(shown.reader_rss_bytes)} MB (RSS); the "
            f"reading order's encoder (`knowledge/data/encoder.onnx`, int8) loaded in "
            f"{shown.encoder_load_s:.2f} s and holds {mb(shown.encoder_rss_bytes)} MB. Both are "
            "loaded before the store is opened, so its RSS holds neither.",
        ]
    elif shown is not None:
        lines += ["", "The learned reader was off (`--reader off`): the rules alone."]
    lines += [
        "",
        "RSS MB: VmRSS after opening the store minus before (fresh process); the store is "
        "opened with `open_newsroom`, as the bot and the CLI do, which freezes the index "
        "out of later garbage collections (`gc.freeze`). The first full garbage collection after "
        "opening (done before timing, so no question pays for it) took "
        + ", ".join(f"{r.gc_s:.2f} s at {r.articles:,}" for r in results)
        + " articles.",
    ]
    target = [r for r in results if r.articles >= P95_TARGET_SIZE]
    if target:
        r = target[0]
        lines += [
            "",
            f"Target p95 ≤ {P95_TARGET_MS:.0f} ms at {P95_TARGET_SIZE:,} articles: "
            f"{verdict(r.pct(95) <= P95_TARGET_MS)} ({r.pct(95):.1f} ms)",
        ]
    lines += ["", "## Stores", ""]
    for info in sorted(infos.values(), key=lambda i: i.articles):
        stale = " — **built with older knowledge/ code; rerun with --rebuild**" * info.stale
        made_of = f" ({info.real:,} BBC, {info.copies:,} shifted copies)" * (info.articles > 1)
        lines.append(
            f"- {info.articles:,} article{'s' * (info.articles != 1)}{made_of}: {info.method}; "
            f"built in {info.build_seconds:,.0f} s on {info.built_at}{stale}"
        )
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sizes", default="1,1000,10000", help="store sizes in articles (1 = seed)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown report path")
    p.add_argument("--ingest", type=int, default=300, help="BBC files for the throughput test")
    p.add_argument("--rounds", type=int, default=3, help="times each question is timed")
    p.add_argument("--generated", type=int, default=50, help="questions made from BBC sentences")
    p.add_argument("--model", default=DEFAULT_MODEL, help="spaCy pipeline package")
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached stores")
    p.add_argument(
        "--reader",
        choices=["shipped", "off"],
        default="shipped",
        help="answer with the learned reader (default) or the rules alone",
    )
    p.add_argument(
        "--n-process", type=int, default=1, help="spaCy worker processes for the bulk load"
    )
    args = p.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error("--sizes takes comma-separated integers, e.g. 1,1000,10000")
    if not args.sizes or args.sizes[0] < 1:
        p.error("store sizes start at 1 (the seed article)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    knowledge_fingerprint(), git_revision()  # the code as imported, whatever changes meanwhile
    nlp = load_pipeline(args.model)
    articles = bbc_articles()

    ingestion = bulk = None
    if args.ingest > 0:
        print(
            f"ingestion: {args.ingest} BBC files through load_many (n_process={args.n_process})",
            file=sys.stderr,
        )
        bulk = measure_ingestion(nlp, articles, args.ingest, bulk=True, n_process=args.n_process)
        print(f"  {bulk.line()}", file=sys.stderr)
        print(f"ingestion: {args.ingest} BBC files through load_text", file=sys.stderr)
        ingestion = measure_ingestion(nlp, articles, args.ingest, bulk=False)
        print(f"  {ingestion.line()}", file=sys.stderr)

    infos = build_stores(nlp, articles, args.sizes, rebuild=args.rebuild)
    sizes = [s for s in args.sizes if s in infos]
    for info in infos.values():
        if info.stale:
            print(
                f"warning: the cached {info.articles:,}-article store was built with older "
                "knowledge/ code; rerun with --rebuild to refresh it",
                file=sys.stderr,
            )

    # Questions from sentences of the first ~1,000 articles (present in every store but the seed).
    pool = articles[: min(len(articles), 1000)]
    made = generated_questions(nlp, pool, WARMUP_QUESTIONS + args.generated)
    warmup, made = made[:WARMUP_QUESTIONS], made[WARMUP_QUESTIONS:]
    sources = {
        "seed": read_questions(SEED_QUESTIONS),
        "dev": read_questions(DEV_QUESTIONS),
        "generated from BBC sentences": made,
    }
    questions = [q for qs in sources.values() for q in qs]

    results = []
    for size in sizes:
        print(f"timing {len(questions)} questions on the {size:,}-article store", file=sys.stderr)
        r = measure_in_child(size, args.model, questions, warmup, args.rounds, reader=args.reader)
        print(
            f"  p50 {r.pct(50):.1f} ms, p95 {r.pct(95):.1f} ms, open {r.open_s:.2f} s, "
            f"RSS +{mb(r.rss_bytes)} MB",
            file=sys.stderr,
        )
        results.append(r)

    report = render(
        ingestion=ingestion,
        bulk=bulk,
        results=results,
        infos={s: infos[s] for s in sizes},
        counts={name: len(qs) for name, qs in sources.items()},
        rounds=args.rounds,
        warmup=len(warmup),
        model=args.model,
        n_process=args.n_process,
    )
    print(report)
    write_atomically(args.out, report)
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
