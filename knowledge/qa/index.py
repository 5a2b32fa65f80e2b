"""The in-memory retrieval index: postings over terms and entity ids, alias lookup, vocabulary.

Retrieval never scans every fact: a question's rarest terms and its entities select candidates
through the postings, and only those are ranked.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from knowledge.content_words import STOP
from knowledge.models import Article, Entity, Fact
from knowledge.text import name_key

_K = TypeVar("_K", str, int)  # a posting table's key: a term or an entity id


class Postings(AbstractSet[int]):
    """The ids of the facts that hold a term (or name an entity), read like a set (``len``,
    ``in``, iteration, ``&``, ``|``) but kept as a sorted array of 8-byte ints: about a tenth of
    a set's memory, which matters at millions of entries. Facts are loaded in increasing id
    order, so adding one is an append."""

    __slots__ = ("_ids",)

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._ids = array("q", sorted(set(ids)))

    def add(self, fact_id: int) -> None:
        ids = self._ids
        if not ids or fact_id > ids[-1]:
            ids.append(fact_id)
            return
        i = bisect_left(ids, fact_id)
        if i == len(ids) or ids[i] != fact_id:
            ids.insert(i, fact_id)

    def discard(self, fact_id: int) -> None:
        ids = self._ids
        i = bisect_left(ids, fact_id)
        if i < len(ids) and ids[i] == fact_id:
            del ids[i]

    def __contains__(self, fact_id: object) -> bool:
        if not isinstance(fact_id, int):
            return False
        ids = self._ids
        i = bisect_left(ids, fact_id)
        return i < len(ids) and ids[i] == fact_id

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"Postings({list(self._ids)})"

    def nbytes(self) -> int:
        return sys.getsizeof(self) + self._ids.buffer_info()[1] * self._ids.itemsize

    def holds(self, fact_ids: np.ndarray) -> np.ndarray:
        """Which of ``fact_ids`` (int64) are here, as a boolean array: one binary search each
        in C, where ``in`` would cost a Python call per id (thousands per question at 10,000
        articles)."""
        # A view of the array, dropped before returning: a live view would forbid appends.
        ids = np.frombuffer(self._ids, dtype=np.int64) if self._ids else np.empty(0, np.int64)
        at = np.searchsorted(ids, fact_ids)
        found = at < len(ids)
        found[found] = ids[at[found]] == fact_ids[found]
        del ids
        return found


@dataclass(slots=True)
class Index:
    facts: dict[int, Fact] = field(default_factory=dict)
    articles: dict[int, Article] = field(default_factory=dict)
    entities: dict[int, Entity] = field(default_factory=dict)
    postings: dict[str, Postings] = field(default_factory=lambda: defaultdict(Postings))
    entity_facts: dict[int, Postings] = field(default_factory=lambda: defaultdict(Postings))
    article_facts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    aliases: dict[tuple[str, ...], set[int]] = field(default_factory=lambda: defaultdict(set))
    descriptions: dict[tuple[str, ...], set[int]] = field(default_factory=lambda: defaultdict(set))
    vocabulary: set[str] = field(default_factory=set)  # fact terms and the words of names
    max_alias_len: int = 1
    term_total: int = 0  # the facts' term counts summed (BM25's mean fact length)
    _by_length: dict[int, list[str]] = field(default_factory=dict)
    _by_length_version: int = -1
    _vocabulary_version: int = 0  # bumped whenever a word enters or leaves the vocabulary
    _name_words: Counter[str] = field(default_factory=Counter)  # word → names (keys) using it
    _key_lengths: Counter[int] = field(default_factory=Counter)  # length → alias/description keys

    # --- building ----------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article]) -> None:
        for a in articles:
            self.articles[a.id] = a

    def add_facts(self, facts: Iterable[Fact]) -> None:
        postings, entity_facts, vocabulary = self.postings, self.entity_facts, self.vocabulary
        size = len(vocabulary)
        for f in facts:
            if f.id in self.facts:
                raise ValueError(f"fact {f.id} is already indexed")
            self.facts[f.id] = f
            self.term_total += len(f.terms)
            self.article_facts[f.article_id].append(f.id)
            for term in f.terms:
                postings[term].add(f.id)
            for eid in f.entity_ids:
                entity_facts[eid].add(f.id)
            vocabulary.update(f.terms)
        if len(vocabulary) != size:
            self._vocabulary_version += 1

    def set_entities(self, entities: Iterable[Entity]) -> None:
        """Replace the entity tables (at start; loads and removals use ``update_entities``)."""
        for eid in list(self.entities):
            self._unlink_entity(eid)
        self.update_entities((), entities)

    def update_entities(self, ids: Iterable[int], entities: Iterable[Entity]) -> None:
        """Refresh the entities a load or a removal touched: ``ids`` are dropped and
        ``entities`` (their current state, read from the store) put back, so the cost follows the
        article, not the size of the store."""
        for eid in ids:
            self._unlink_entity(eid)
        for e in entities:
            self._unlink_entity(e.id)
            self.entities[e.id] = e
            for a in (e.name, *e.aliases):
                self._add_key(self.aliases, name_key(a), e.id, name=True)
            for d in e.descriptions:
                self._add_key(self.descriptions, name_key(d), e.id, name=False)
        self.max_alias_len = max(self._key_lengths, default=1)

    def _unlink_entity(self, eid: int) -> None:
        e = self.entities.pop(eid, None)
        if e is None:
            return
        for a in (e.name, *e.aliases):
            self._drop_key(self.aliases, name_key(a), eid, name=True)
        for d in e.descriptions:
            self._drop_key(self.descriptions, name_key(d), eid, name=False)

    def _add_key(
        self, table: dict[tuple[str, ...], set[int]], key: tuple[str, ...], eid: int, *, name: bool
    ) -> None:
        if not key:
            return
        ids = table.get(key)
        if not ids:  # absent (or left empty by a reader of the defaultdict)
            ids = table[key] = set()
            self._key_lengths[len(key)] += 1
        if eid in ids:
            return
        ids.add(eid)
        if name:
            for w in key:
                self._name_words[w] += 1
                if w not in self.vocabulary:
                    self.vocabulary.add(w)
                    self._vocabulary_version += 1

    def _drop_key(
        self, table: dict[tuple[str, ...], set[int]], key: tuple[str, ...], eid: int, *, name: bool
    ) -> None:
        ids = table.get(key)
        if ids is None or eid not in ids:
            return
        ids.discard(eid)
        if not ids:
            del table[key]
            self._key_lengths[len(key)] -= 1
            if not self._key_lengths[len(key)]:
                del self._key_lengths[len(key)]
        if name:
            for w in key:
                self._name_words[w] -= 1
                if not self._name_words[w]:
                    del self._name_words[w]
                    self._forget_word(w)

    def _forget_word(self, word: str) -> None:
        """Drop a word from the vocabulary once no fact term and no name uses it."""
        if not self.postings.get(word) and word not in self._name_words:
            self.vocabulary.discard(word)
            self._vocabulary_version += 1

    def remove_article(self, article_id: int) -> None:
        """Drop an article and its facts (its entities are refreshed by ``update_entities``)."""
        for fid in self.article_facts.pop(article_id, []):
            f = self.facts.pop(fid)
            self.term_total -= len(f.terms)
            for term in f.terms:
                if _unpost(self.postings, term, fid):
                    self._forget_word(term)
            for eid in f.entity_ids:
                _unpost(self.entity_facts, eid, fid)
        self.articles.pop(article_id, None)

    # --- reading -----------------------------------------------------------------------------

    def neighbours(self, fact: Fact) -> tuple[str, str]:
        """The texts of the facts next before and after ``fact`` in its article ("" at either
        end): the context a reader trained with neighbours reads it in."""
        before: Fact | None = None
        after: Fact | None = None
        for fid in self.article_facts.get(fact.article_id, ()):
            other = self.facts[fid]
            if other.position < fact.position and (
                before is None or other.position > before.position
            ):
                before = other
            elif other.position > fact.position and (
                after is None or other.position < after.position
            ):
                after = other
        return (before.text if before else "", after.text if after else "")

    def idf(self, term: str) -> float:
        n = len(self.facts) or 1
        df = len(self.postings.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def mean_length(self) -> float:
        """The mean number of terms per fact (at least 1)."""
        return max(1.0, self.term_total / max(1, len(self.facts)))

    def vocabulary_by_length(self, n: int) -> list[str]:
        """Vocabulary words within two letters of length n (cached until the vocabulary grows)."""
        if self._by_length_version != self._vocabulary_version:
            self._by_length = defaultdict(list)
            # sorted: a misspelling as close to two words is repaired to the same one in every
            # process (a set's order of strings changes with the hash seed)
            for w in sorted(self.vocabulary):
                if w.isalpha():
                    self._by_length[len(w)].append(w)
            self._by_length_version = self._vocabulary_version
        return [w for k in range(n - 2, n + 3) for w in self._by_length.get(k, ())]

    def is_known(self, word: str) -> bool:
        return word in self.vocabulary or word in STOP

    def memory_estimate(self) -> int:
        """A rough size of the index in bytes (postings and fact records), for reports."""
        size = sum(p.nbytes() for p in self.postings.values())
        size += sum(p.nbytes() for p in self.entity_facts.values())
        for f in self.facts.values():
            size += sys.getsizeof(f.text) + sys.getsizeof(f.terms) + 64 * len(f.spans) + 200
        return size


def _unpost(table: dict[_K, Postings], key: _K, fact_id: int) -> bool:
    """Take a fact out of a key's postings, and the key out of the table once none is left;
    whether it went."""
    ids = table.get(key)
    if ids is None:
        return False
    ids.discard(fact_id)
    if ids:
        return False
    del table[key]
    return True
