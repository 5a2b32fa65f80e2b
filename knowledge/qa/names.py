"""What a name given to /follow or /timeline stands for: one stored entity, or the few it may
mean ("did you mean" when it is ambiguous or misspelt).

The store's own aliases decide: every name and description the articles use for an entity
("de Mistura", "the UN envoy"). A name no alias has exactly is compared with all of them by
rapidfuzz (``WRatio``: a misspelling, or a part of a longer name such as "Mistura"; the last
words of longer names are compared alone too, for a misspelt surname).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from knowledge.models import Entity
from knowledge.qa.index import Index
from knowledge.text import alias_norm, name_key

SUGGEST_CUTOFF = 80.0  # WRatio, 0..100: below this a name is too far to offer
MAX_CHOICES = 5


@dataclass(frozen=True, slots=True)
class Resolved:
    """``entity``: the one entity the name stands for; else ``choices``, best first (none: the
    articles name nothing like it)."""

    name: str
    entity: Entity | None = None
    choices: tuple[Entity, ...] = ()


def resolve_exact(index: Index, name: str, *, limit: int = MAX_CHOICES) -> Resolved | None:
    """The entity ``name`` stands for where a name or else a description is exactly ``name``
    (several so named: the choices); None where only near names (``near_names``, then
    ``entities_of``) could answer."""
    key = name_key(name)
    if not key:
        return Resolved(name)
    ids = index.aliases.get(key) or index.descriptions.get(key)
    if not ids:
        return None
    found = _ranked(index, ids)
    if len(found) == 1:
        return Resolved(name, entity=found[0])
    return Resolved(name, choices=tuple(found[:limit]))


Key = tuple[str, ...]


def near_names(keys: list[Key], name: str, *, limit: int = MAX_CHOICES) -> list[tuple[Key, float]]:
    """The alias keys nearest to ``name``, with their scores, best first. Needs no index: a
    caller may copy the keys under a lock and compare without holding it."""
    text = alias_norm(name)
    # Every name, and the last word of a longer one: "Mistrua" is near "Mistura" alone, not
    # near "de Mistura" as a whole.
    surnames = [k for k in keys if len(k) > 1 and len(k[-1]) > 3]
    shown = [" ".join(k) for k in keys] + [k[-1] for k in surnames]
    found = process.extract(
        text,
        shown,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit * 3,
        score_cutoff=SUGGEST_CUTOFF,
    )
    every = keys + surnames
    return [(every[i], score) for _, score, i in found]


def entities_of(
    index: Index, near: list[tuple[Key, float]], *, limit: int = MAX_CHOICES
) -> list[Entity]:
    """The entities of ``near_names``' keys, best first (then the most mentioned), each once."""
    entities: dict[int, Entity] = {}
    best: dict[int, float] = {}
    for key, score in near:
        for e in _ranked(index, index.aliases.get(key, ())):
            entities.setdefault(e.id, e)
            best[e.id] = max(best.get(e.id, 0.0), score)
    weight = _weights(index, entities)
    ranked = sorted(entities.values(), key=lambda e: (-best[e.id], -weight[e.id], e.id))
    return ranked[:limit]


def _ranked(index: Index, ids: Iterable[int]) -> list[Entity]:
    """The entities of ``ids`` that the index holds, the most mentioned first."""
    found = {i: index.entities[i] for i in ids if i in index.entities}
    weight = _weights(index, found)
    return sorted(found.values(), key=lambda e: (-weight[e.id], e.id))


def _weights(index: Index, entities: dict[int, Entity]) -> dict[int, int]:
    return {i: len(index.entity_facts.get(i, ())) for i in entities}
