"""Whose role an answer holds. "Who is the president of Syria?" is easily answered by a person
the articles call "French President": the role is the asked one, the country is not. The
entity's descriptions (title phrases and appositives gathered from every article, ``Entity``)
say whose role it is; the reader, which reads one sentence, does not weigh that.

``held_for_another`` is a feature of the learned choice and confidence (``READER_FEATURES``'
``holder``), not a rule: its weight is fitted on the written news questions
(``bench/fit_confidence.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.content_words import STOP
from knowledge.models import Entity, Fact
from knowledge.nlp.demonyms import related
from knowledge.qa.index import Index
from knowledge.qa.question import Question
from knowledge.text import expand, normalise

_TOKEN = re.compile(r"[^\W_]+")  # "Norway's" is "Norway" and "s", "Anglo-Dutch" two words
_NAME = re.compile(r"[A-Z]\w*")  # as written: a capital first


def people_in(fact: Fact, start: int, end: int, index: Index) -> list[Entity]:
    """The people a fact names by name inside the characters [start, end) of its text."""
    found = []
    for m in fact.mentions:
        if m.kind in {"name", "alias"} and start <= m.start and m.end <= end:
            entity = index.entities.get(m.entity_id)
            if entity is not None and entity.label == "PERSON" and entity not in found:
                found.append(entity)
    return found


def held_for_another(q: Question, people: Sequence[Entity], index: Index) -> bool:
    """Whether the question asks for the holder of a role that it names for someone ("the
    president of Syria", "Birmingham's manager") and an answer's person is described with that
    role only for another ("French President", "Manchester United manager"), never for the
    question's."""
    if not people:  # most spans name no one: nothing of the question's to work out
        return False
    owners = _owners(q, index)
    if not owners:
        return False
    owner_words = {w for name in owners for w in name}
    roles = {t for g in q.groups for t in g} - {f for w in owner_words for f in expand(w)}
    for person in people:
        worded = [(d, _words(d)) for d in person.descriptions]
        described = [(d, ws) for d, ws in worded if _holds(ws, roles)]
        if not described or any(_names(ws, owners) for _, ws in described):
            continue
        if any(_another(d, roles, owner_words) for d, _ in described):
            return True
    return False


def _words(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


def _owners(q: Question, index: Index) -> set[tuple[str, ...]]:
    """The names (as word tuples) the question narrows its role by: its entities that are not
    people (and the places its demonyms stand for), and the names no article mentions."""
    out: set[tuple[str, ...]] = set()
    for eid in q.entity_ids:
        for k in q.kin_of(eid):
            entity = index.entities.get(k)
            if entity is not None and entity.label != "PERSON":
                out.update(tuple(_words(name)) for name in entity.aliases)
    out.update(tuple(_words(name)) for name in q.unknown_names)
    return {name for name in out if name and not set(name) <= STOP}


def _holds(description: Iterable[str], roles: set[str]) -> bool:
    """The description holds one of the question's words (any of their forms) that is no name."""
    return any(f in roles for w in description if w not in STOP for f in expand(w))


def _names(description: Sequence[str], owners: set[tuple[str, ...]]) -> bool:
    """The description names one of the question's owners (all of its words), or a demonym of
    a one-word owner ("Syrian")."""
    held = set(description)
    return any(
        set(name) <= held or (len(name) == 1 and any(_alike(w, name[0]) for w in description))
        for name in owners
    )


def _alike(adjective: str, place: str) -> bool:
    """``adjective`` may stand for ``place``: its regular demonym ("Syrian" ~ "Syria"), or an
    adjective no regular derivation explains that begins as the place does ("French" ~ "France",
    "Welsh" ~ "Wales"): taken for the same place rather than another, so that an irregular
    demonym never makes a right answer look wrong."""
    if related(adjective, place):
        return True
    return adjective[:1] == place[:1] and adjective.endswith(("ch", "sh", "ss", "ek"))


def _another(description: str, roles: set[str], owner_words: set[str]) -> bool:
    """The description narrows the role by a name that is neither the role's nor the
    question's: another holder ("French", "Gazprom", "Manchester United"), not a lowercase
    word ("former", "new")."""
    return any(
        _NAME.fullmatch(w) is not None
        and (n := normalise(w)) not in STOP
        and n not in owner_words
        and not any(f in roles for f in expand(n))
        for w in _TOKEN.findall(description)
    )
