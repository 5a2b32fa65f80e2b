"""The in-memory retrieval index: postings over terms and entity ids, alias lookup, vocabulary.

Retrieval never scans every fact: a question's rarest terms and its entities select candidates
through the postings, and only those are ranked.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.models import Article, Entity, Fact
from knowledge.store import alias_norm
from knowledge.text import STOP


@dataclass(slots=True)
class Index:
    facts: dict[int, Fact] = field(default_factory=dict)
    articles: dict[int, Article] = field(default_factory=dict)
    entities: dict[int, Entity] = field(default_factory=dict)
    postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    entity_facts: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    article_facts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    aliases: dict[tuple[str, ...], set[int]] = field(default_factory=lambda: defaultdict(set))
    descriptions: dict[tuple[str, ...], set[int]] = field(default_factory=lambda: defaultdict(set))
    vocabulary: set[str] = field(default_factory=set)
    max_alias_len: int = 1
    _by_length: dict[int, list[str]] = field(default_factory=dict)
    _by_length_size: int = -1

    # --- building ----------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article]) -> None:
        for a in articles:
            self.articles[a.id] = a

    def add_facts(self, facts: Iterable[Fact]) -> None:
        for f in facts:
            self.facts[f.id] = f
            self.article_facts[f.article_id].append(f.id)
            for term in f.terms:
                self.postings[term].add(f.id)
            for eid in f.entity_ids:
                self.entity_facts[eid].add(f.id)
            self.vocabulary.update(f.terms)

    def set_entities(self, entities: Iterable[Entity]) -> None:
        """Replace the entity tables (entities are few next to facts: they are reloaded whole)."""
        self.entities = {e.id: e for e in entities}
        self.aliases = defaultdict(set)
        self.descriptions = defaultdict(set)
        for e in self.entities.values():
            for a in (e.name, *e.aliases):
                key = tuple(alias_norm(a).split())
                if key:
                    self.aliases[key].add(e.id)
                    self.vocabulary.update(key)
            for d in e.descriptions:
                key = tuple(alias_norm(d).split())
                if key:
                    self.descriptions[key].add(e.id)
        self.max_alias_len = max((len(k) for k in (*self.aliases, *self.descriptions)), default=1)

    def remove_article(self, article_id: int) -> None:
        for fid in self.article_facts.pop(article_id, []):
            f = self.facts.pop(fid)
            for term in f.terms:
                ids = self.postings.get(term)
                if ids is not None:
                    ids.discard(fid)
                    if not ids:
                        del self.postings[term]
            for eid in f.entity_ids:
                self.entity_facts[eid].discard(fid)
        self.articles.pop(article_id, None)

    # --- reading -----------------------------------------------------------------------------

    def idf(self, term: str) -> float:
        n = len(self.facts) or 1
        df = len(self.postings.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def vocabulary_by_length(self, n: int) -> list[str]:
        """Vocabulary words within two letters of length n (cached until the vocabulary grows)."""
        if self._by_length_size != len(self.vocabulary):
            self._by_length = defaultdict(list)
            for w in self.vocabulary:
                if w.isalpha():
                    self._by_length[len(w)].append(w)
            self._by_length_size = len(self.vocabulary)
        return [w for k in range(n - 2, n + 3) for w in self._by_length.get(k, ())]

    def is_known(self, word: str) -> bool:
        return word in self.vocabulary or word in STOP

    def memory_estimate(self) -> int:
        """A rough size of the index in bytes (postings and fact records), for reports."""
        import sys

        size = sum(sys.getsizeof(s) + 28 * len(s) for s in self.postings.values())
        size += sum(sys.getsizeof(s) for s in self.entity_facts.values())
        for f in self.facts.values():
            size += sys.getsizeof(f.text) + sys.getsizeof(f.terms) + 64 * len(f.spans) + 200
        return size
