"""Name swaps: "no answer" practice for a question about someone or somewhere the sentence does not
name ("Who is the president of Syria?" read against "French President Emmanuel Macron said ...").

A reader trained only on (question, answer sentence) pairs and hard negatives learns to find a span
of the asked kind; it is rarely shown a sentence that answers the *same* question about another
person, place or body, so it answers "Macron" for the president of Syria. SQuAD 2.0 built many of
its unanswerable questions this way (an entity swapped); ``train_reader.py`` makes such a row of
an answerable question by replacing a name the question shares with its answer's sentence by
another name of the same kind, from another article, that the sentence does not hold.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# spaCy's labels for names: what a question names to say whom or what it is about. Dates,
# numbers and amounts are left out: they are what questions ask for.
NAME_KINDS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)
SHARE = 0.5  # of the answerable questions, those given a name swap (as half get a type swap)
_WORD = re.compile(r"\w+")


def names_of(sent: Any) -> tuple[tuple[str, str], ...]:
    """A spaCy sentence's names as (text, label), for ``renamed``."""
    return tuple(
        (e.text, e.label_)
        for e in sent.ents
        if e.label_ in NAME_KINDS and e[0].pos_ not in ("PRON", "DET") and "\n" not in e.text
    )


def pool_of(names: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """(source, text, label) triples → label → the distinct texts, in a fixed order, each tagged
    with its source (``source\\ttext``) so that ``renamed`` can skip the question's own."""
    out: dict[str, set[str]] = {}
    for source, text, label in names:
        out.setdefault(label, set()).add(f"{source}\t{text}")
    return {label: sorted(texts) for label, texts in sorted(out.items())}


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _occurrence(question: str, name: str, label: str) -> tuple[int, int, str] | None:
    """Where the question names ``name``: the whole name, or a person's surname alone (news
    questions say "Hewitt" for "Lleyton Hewitt"), case-insensitively, as whole words."""
    candidates = [name]
    if label == "PERSON" and " " in name:
        candidates.append(name.rsplit(maxsplit=1)[-1])
    for text in candidates:
        if len(text) < 3:
            continue
        m = re.search(rf"(?<!\w){re.escape(text)}(?!\w)", question, re.IGNORECASE)
        if m:
            return m.start(), m.end(), text
    return None


def renamed(
    question: str,
    sentence: str,
    names: Sequence[tuple[str, str]],
    answers: Sequence[str],
    *,
    source: str,
    pool: Mapping[str, Sequence[str]],
    rng: random.Random,
) -> str | None:
    """The question with one name it shares with its answer's ``sentence`` (``names``: the
    sentence's, as ``names_of`` gives them) replaced by a name of the same kind from another
    source in ``pool`` that shares no word with the sentence; None where there is none. A name
    inside an answer is never replaced (the question would then ask something else)."""
    answer_words = set().union(*(_words(a) for a in answers)) if answers else set()
    found = []
    for name, label in names:
        at = _occurrence(question, name, label)
        if at is None or _words(at[2]) & answer_words:
            continue
        found.append((at, name, label))
    if not found:
        return None
    (start, end, said), name, label = rng.choice(found)
    sentence_words = _words(sentence)
    options = [
        text
        for tagged in pool.get(label, ())
        for src, text in [tagged.split("\t", 1)]
        if src != source and (words := _words(text)) and not words & sentence_words
    ]
    if not options:
        return None
    other = rng.choice(options)
    if said != name:  # a surname alone: another surname
        other = other.rsplit(maxsplit=1)[-1]
    if question[start:end].islower():
        other = other.lower()
    return question[:start] + other + question[end:]


def swap_row(
    base: dict[str, Any],
    question: str,
    text: str,
    names: Sequence[tuple[str, str]],
    answers: Sequence[str],
    *,
    source: str,
    pool: Mapping[str, Sequence[str]],
    rng: random.Random,
) -> dict[str, Any] | None:
    """For ``SHARE`` of the answerable questions (one draw of ``rng``), a name swap of
    ``question`` (``renamed``) as a row in the ``train_reader`` format: no answer in its own
    sentence ``text``; None for the others and where there is no swap."""
    if rng.random() >= SHARE:
        return None
    other = renamed(question, text, names, answers, source=source, pool=pool, rng=rng)
    if other is None:
        return None
    return {
        **base,
        "question": other,
        "text": text,
        "answer": None,
        "answers": [],
        "kind": "renamed",
    }
