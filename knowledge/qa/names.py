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
from knowledge.text import alias_norm

SUGGEST_CUTOFF = 80.0  # WRatio, 0..100: below this a name is too far to offer
MAX_CHOICES = 5


@dataclass(frozen=True, slots=True)
class Resolved:
    """``entity``: the one entity the name stands for; else ``choices``, best first (none: the
    articles name nothing like it)."""

    name: str
    entity: Entity | None = None
    choices: tuple[Entity, ...] = ()


def resolve_name(index: Index, name: str, *, limit: int = MAX_CHOICES) -> Resolved:
    """The entity ``name`` stands for: an exact name, or else an exact description, naming one
    entity; several named so, or near names, are offered as choices."""
    key = tuple(alias_norm(name).split())
    if not key:
        return Resolved(name)
    ids = index.aliases.get(key) or index.descriptions.get(key)
    if ids:
        found = _ranked(index, ids)
        if len(found) == 1:
            return Resolved(name, entity=found[0])
        return Resolved(name, choices=tuple(found[:limit]))
    return Resolved(name, choices=tuple(_near(index, " ".join(key), limit)))


def _near(index: Index, text: str, limit: int) -> list[Entity]:
    """Entities whose names are nearest to ``text``, best first, each once."""
    # Every name, and the last word of a longer one: "Mistrua" is near "Mistura" alone, not
    # near "de Mistura" as a whole.
    keys = list(index.aliases)
    keys += [k for k in keys if len(k) > 1 and len(k[-1]) > 3]
    shown = [" ".join(k) for k in index.aliases]
    shown += [k[-1] for k in keys[len(shown) :]]
    found = process.extract(
        text,
        shown,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit * 3,
        score_cutoff=SUGGEST_CUTOFF,
    )
    entities: dict[int, Entity] = {}
    best: dict[int, float] = {}
    for _, score, i in found:
        for e in _ranked(index, index.aliases.get(keys[i], ())):
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
