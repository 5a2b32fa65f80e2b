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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.storage.fingerprints import FingerprintTable
from knowledge.storage.store import Store
from knowledge.text import words

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 32  # 32 bands of 2 rows: a copy with Jaccard 0.25 shares a band 87% of the time
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.6  # containment; see the module docstring
BACKFILL_BATCH = 500  # articles fingerprinted per transaction when a store has none
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20170714)  # fixed: signatures are stored and must stay comparable
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)


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


def fingerprint(body: str) -> list[int]:
    """An article's band keys, as stored for it."""
    return band_keys(signature(shingles(body)))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """How much of the smaller shingle set is in the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def nearest(
    body: str,
    candidates: Callable[[Sequence[int]], Iterable[int]],
    body_of: Callable[[int], str],
    *,
    threshold: float = THRESHOLD,
    exclude: Sequence[int] = (),
) -> NearDuplicate | None:
    """The stored article this text nearly repeats, if any (the closest one): ``candidates``
    gives the articles sharing a band key with it, ``body_of`` a stored article's text."""
    mine = shingles(body)
    found = set(candidates(band_keys(signature(mine))))
    best: NearDuplicate | None = None
    for article_id in sorted(found - set(exclude)):
        score = containment(mine, shingles(body_of(article_id)))
        if score >= threshold and (best is None or score > best.containment):
            best = NearDuplicate(article_id, round(score, 3))
    return best


class Fingerprints:
    """Every stored article's band keys, and the near-duplicate lookup over them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = FingerprintTable(store)

    def add(self, article_id: int, body: str) -> None:
        self.table.replace({article_id: fingerprint(body)})

    def missing(self) -> list[int]:
        """Stored articles without fingerprints (see ``FingerprintTable.missing``)."""
        return self.table.missing()

    def backfill(self) -> int:
        """Fingerprint the stored articles that have none, a batch per transaction; how many."""
        ids = self.missing()
        for start in range(0, len(ids), BACKFILL_BATCH):
            bodies = self.table.bodies(ids[start : start + BACKFILL_BATCH])
            self.table.replace({i: fingerprint(body) for i, body in bodies.items()})
        return len(ids)

    def near(
        self, body: str, *, threshold: float = THRESHOLD, exclude: Sequence[int] = ()
    ) -> NearDuplicate | None:
        """The stored article this text nearly repeats, if any (the closest one)."""
        return nearest(
            body,
            self.table.sharing,
            self.store.article_body,
            threshold=threshold,
            exclude=exclude,
        )
