"""Near-duplicate articles: the same story again, from a syndicated copy or with small edits.

Exact copies are caught by the store's content hash. Near copies are found in two steps, so the
cost does not grow with the store: MinHash signatures over word 5-gram shingles, banded for
locality-sensitive hashing (a table of band keys finds the few candidates), then the exact
shingle overlap of each candidate. The overlap is the *containment* of the smaller text in the
larger, so an excerpt or a copy with a paragraph cut or added still counts. The threshold is
measured in ``bench/duplicates.py`` (results in ``bench/results/duplicates.md``).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.store import ArticleRow, Base, Store
from knowledge.text import words

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 32  # 32 bands of 2 rows: a copy with Jaccard 0.25 shares a band 87% of the time
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.6  # containment; see the module docstring
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20170714)  # fixed: signatures are stored and must stay comparable
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)


class FingerprintRow(Base):
    __tablename__ = "fingerprints"
    __table_args__ = (Index("ix_fingerprints_band", "band"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    band: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    article_id: int
    containment: float


def shingles(text: str) -> frozenset[int]:
    """Hashed word 5-grams (a text shorter than that is one shingle)."""
    toks = words(text)
    if len(toks) < SHINGLE:
        return frozenset({zlib.crc32(" ".join(toks).encode())}) if toks else frozenset()
    return frozenset(
        zlib.crc32(" ".join(toks[i : i + SHINGLE]).encode())
        for i in range(len(toks) - SHINGLE + 1)
    )


def signature(shingle_set: Iterable[int]) -> np.ndarray:
    """MinHash: for each of the fixed permutations, the smallest permuted shingle."""
    values = np.fromiter(shingle_set, dtype=np.uint64)
    if values.size == 0:
        return np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    # (a * x + b) mod p in 64 bits: x < 2^32 and a < 2^61 can overflow, so reduce a first
    hashed = (np.outer(_A % (1 << 31), values) + _B[:, None]) % _PRIME
    return hashed.min(axis=1)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 63-bit key per band (band number included, so bands never collide)."""
    keys = []
    for b in range(BANDS):
        chunk = sig[b * ROWS : (b + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([b]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True) >> 1)
    return keys


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """How much of the smaller shingle set is in the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


class Fingerprints:
    """Band keys of every stored article, and the near-duplicate lookup over them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        Base.metadata.create_all(store.engine, tables=[FingerprintRow.__table__])  # type: ignore[list-item]

    def add(self, article_id: int, body: str) -> None:
        keys = band_keys(signature(shingles(body)))
        with self.store.sessions.begin() as s:
            s.execute(delete(FingerprintRow).where(FingerprintRow.article_id == article_id))
            s.add_all(FingerprintRow(article_id=article_id, band=k) for k in keys)

    def missing(self) -> list[int]:
        """Stored articles without fingerprints (stored before this table, or a crash between
        the article's commit and its fingerprint's)."""
        with self.store.sessions.begin() as s:
            have = select(FingerprintRow.article_id)
            return list(s.scalars(select(ArticleRow.id).where(ArticleRow.id.not_in(have))))

    def backfill(self) -> int:
        ids = self.missing()
        for article_id in ids:
            self.add(article_id, self.store.article_body(article_id))
        return len(ids)

    def near(
        self, body: str, *, threshold: float = THRESHOLD, exclude: Sequence[int] = ()
    ) -> NearDuplicate | None:
        """The stored article this text nearly repeats, if any (the closest one)."""
        mine = shingles(body)
        keys = band_keys(signature(mine))
        with self.store.sessions.begin() as s:
            candidates = set(
                s.scalars(select(FingerprintRow.article_id).where(FingerprintRow.band.in_(keys)))
            )
        best: NearDuplicate | None = None
        for article_id in sorted(candidates - set(exclude)):
            score = containment(mine, shingles(self.store.article_body(article_id)))
            if score >= threshold and (best is None or score > best.containment):
                best = NearDuplicate(article_id, round(score, 3))
        return best
