"""Question analysis: validation, typo repair (``repair``), question word → expected answer type
(``question_types``), entities."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from knowledge.content_words import STOP, is_content
from knowledge.errors import QuestionError
from knowledge.nlp.demonyms import place_forms
from knowledge.nlp.extract import asked_time
from knowledge.nlp.lexicon import SPEECH_VERBS
from knowledge.qa.index import Index
from knowledge.qa.question_types import BE_WORDS, WH_WORDS, question_type
from knowledge.qa.repair import (
    english_words,
    is_english,
    joined_in_store,
    near_english,
    near_store_word,
    repair_word,
    unseen_words,
)
from knowledge.text import ARTICLES, collapse_spaces, expand, name_key, normalise

_TOKEN = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_DEMONSTRATIVES = frozenset({"that", "this", "these", "those"})
# "Besides X", "apart from X", "who else": X is what the answer is not (it is listed beside it).
_EXCLUDING: tuple[tuple[str, ...], ...] = (("besides",), ("apart", "from"), ("aside", "from"))
_EXCLUDING += (("other", "than"), ("in", "addition", "to"), ("except", "for"), ("except",))
QUOTE_VERBS = SPEECH_VERBS | {"think", "want", "believe", "feel", "call", "mean", "quote", "view"}
_CARD_PREFIX = re.compile(
    r"^(?:(?:who|what|where)(?:'s| is| are| was| were)?|tell me (?:more )?about|"
    r"what do you know about|who or what is|info on|about)\s+",
    re.I,
)
# "were was the meeting": "were" before an auxiliary is a misspelt "where".
_WERE_WHERE = re.compile(r"^(?:were|wear|ware|wher)\s+(is|was|are|were|did|do|does|will)\b", re.I)
PRONOUNS = frozenset(
    {
        "he",
        "she",
        "him",
        "her",
        "his",
        "they",
        "them",
        "their",
        "it",
        "that",
        "this",
        "there",
        "then",
        "those",
        "these",
    }
)


@dataclass(frozen=True, slots=True)
class Question:
    raw: str
    text: str
    tokens: tuple[str, ...]
    wh: str | None
    expected: tuple[str, ...]
    focus: str | None
    kind_of: bool
    entity_ids: frozenset[int]
    described_ids: frozenset[int]  # named in the question only by a description ("the UN envoy")
    entity_tokens: frozenset[int]  # token positions covered by entity names
    groups: tuple[tuple[str, ...], ...]  # content words: each a group of equivalent terms
    nouns: frozenset[int]  # indexes into groups of the nouns and names (the topic words)
    lemmas: frozenset[str]
    unknown_names: tuple[str, ...]
    unknown_words: tuple[str, ...]  # content words the store has never seen (names included)
    quote: bool
    wh_prep: str | None  # "since what year": the preposition the answer follows in the text
    card: bool
    card_by_description: bool
    pronouns: tuple[str, ...]
    repairs: tuple[tuple[str, str], ...]
    deictic: frozenset[int] = frozenset()  # indexes into groups of nouns after "that"/"this"
    # indexes into groups of the words of a description that names an entity ("the UN envoy")
    descriptive: frozenset[int] = frozenset()
    excluded: frozenset[int] = frozenset()  # indexes into groups of X in "besides X"
    # (entity named, the place a demonym stands for): "Chinese" ~ "China"
    kin: frozenset[tuple[int, int]] = frozenset()
    count: int | None = None  # "which four topics": the number of things asked for
    # (noun group, the groups of the words narrowing it, the entities they name)
    modifiers: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...] = ()
    copular: bool = True  # "is" is the main verb ("who is X?"), not an auxiliary ("is X suing")
    tense: str | None = None  # "future", "past" or None: what time it asks about (``asked_time``)

    def kin_of(self, entity_id: int) -> set[int]:
        """The entity and the places it stands for (a demonym's)."""
        return {entity_id} | {k for e, k in self.kin if e == entity_id}


def validate(text: str, max_chars: int | None = None) -> str:
    """A clear error for questions that cannot be asked; the cleaned question otherwise."""
    if text is None or not text.strip():
        raise QuestionError("Please ask a question, for example: who is de Mistura?")
    if max_chars is not None and len(text) > max_chars:
        raise QuestionError(
            "That message is too long ({chars} characters). Please ask one short question "
            "(at most {limit} characters).",
            chars=f"{len(text):,}",
            limit=f"{max_chars:,}",
        )
    if any(unicodedata.category(ch) in {"Cc", "Cs", "Co"} and ch not in "\n\t\r" for ch in text):
        raise QuestionError("That does not look like a question (it holds binary data).")
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        raise QuestionError("Please ask a question in words, for example: when is the next round?")
    if sum(ch.isascii() for ch in letters) < 0.7 * len(letters):
        raise QuestionError("Sorry, I can only answer questions in English.")
    return collapse_spaces(text)


def analyse(text: str, *, index: Index, nlp: Language, max_chars: int | None = None) -> Question:
    raw = _WERE_WHERE.sub(r"where \1", validate(text, max_chars))
    spans = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(raw)]
    repairs: list[tuple[str, str]] = []
    repaired = raw
    english = english_words(nlp)
    k = len(spans) - 1
    while k >= 0:
        start, end, tok = spans[k]
        if k > 0 and joined_in_store(spans[k - 1], spans[k], raw, index):
            # "cease fire" where the articles write "ceasefire"
            start, joined = spans[k - 1][0], spans[k - 1][2] + tok
            repairs.append((raw[start:end], joined))
            repaired = repaired[:start] + joined + repaired[end:]
            k -= 2
            continue
        fixed = repair_word(tok, index, english)
        if fixed is not None:
            repairs.append((tok, fixed))
            repaired = repaired[:start] + fixed + repaired[end:]
        k -= 1
    doc = nlp(repaired)
    toks = [t for t in doc if not t.is_punct and not t.is_space]
    lowers = tuple(normalise(t.text) for t in toks)
    wh, focus, kind_of, expected = question_type(lowers)
    focus = _focus_noun(toks, lowers, wh, focus)
    count = _count(lowers, wh, focus)
    named_at: dict[int, set[int]] = {}
    entity_ids, covered, describing, described = _find_entities(toks, lowers, index, named_at)
    groups: list[tuple[str, ...]] = []
    lemmas: set[str] = set()
    nouns: set[int] = set()
    deictic: set[int] = set()
    descriptive: set[int] = set()
    excluded_toks, marker_toks = _excluded(doc)
    excluded: set[int] = set()
    group_at: dict[int, int] = {}  # token position (in toks) → its group
    for i, t in enumerate(toks):
        lower, lemma = lowers[i], normalise(t.lemma_)
        if i in covered or lower in WH_WORDS or not (is_content(lower) or is_content(lemma)):
            continue
        if (lower in {"kind", "type", "sort"} and kind_of) or t.i in marker_toks:
            continue
        forms = [lemma, lower, *_inflected(lower, index)]
        group = tuple(dict.fromkeys(f for w in forms if is_content(w) for f in expand(w)))
        if group:
            if t.pos_ in {"NOUN", "PROPN", "NUM"}:
                nouns.add(len(groups))
                if i > 0 and lowers[i - 1] in _DEMONSTRATIVES:
                    deictic.add(len(groups))  # "that city": what the previous answer named
            if i in describing:
                descriptive.add(len(groups))
            if t.i in excluded_toks:
                excluded.add(len(groups))
            group_at[i] = len(groups)
            groups.append(group)
            lemmas.update(group)
    # A lowercase word that is neither in the store nor in the language is a name too ("assad").
    strange = tuple(
        w
        for w in unseen_words(toks, lowers, covered, index)
        if not is_english(w, english)
        and not near_english(w, english)
        and not near_store_word(w, index)
    )
    unknown_names = (
        strange
        + tuple(
            t.text
            for i, t in enumerate(toks)
            if i not in covered
            and i > 0
            and t.text[:1].isupper()
            and lowers[i] not in STOP
            and not index.is_known(lowers[i])
            and lowers[i] not in WH_WORDS
        )
        + tuple(
            t.text
            for i, t in enumerate(toks)
            if i not in covered
            and t.ent_type_ in {"PERSON", "ORG", "GPE"}
            and t.text[:1].isupper()
            and not index.is_known(lowers[i])
            and (i == 0)
        )
    )
    unknown_words = unseen_words(toks, lowers, covered, index)
    quote = any(normalise(t.lemma_) in QUOTE_VERBS for t in toks) or "according" in lowers
    rest = _CARD_PREFIX.sub("", repaired.strip(" ?!.")).strip(" ?!.")
    card_kind = _single_name_kind(rest, index) if entity_ids else None
    pronouns = tuple(w for w in lowers if w in PRONOUNS)
    return Question(
        raw=raw,
        text=repaired,
        tokens=lowers,
        wh=wh,
        expected=expected,
        focus=focus,
        kind_of=kind_of,
        entity_ids=frozenset(entity_ids),
        described_ids=frozenset(described) if _asks_identity(lowers, wh) else frozenset(),
        entity_tokens=frozenset(covered),
        groups=tuple(groups),
        nouns=frozenset(nouns),
        lemmas=frozenset(lemmas),
        unknown_names=unknown_names,
        unknown_words=unknown_words,
        quote=quote and wh in {"what", "how", None},
        wh_prep=_wh_prep(lowers),
        card=card_kind is not None,
        card_by_description=card_kind == "description",
        pronouns=pronouns,
        repairs=tuple(reversed(repairs)),
        deictic=frozenset(deictic),
        descriptive=frozenset(descriptive),
        excluded=frozenset(excluded),
        kin=_kin(entity_ids, index),
        count=count,
        modifiers=_modifiers(toks, group_at, named_at),
        copular=_copular(doc, toks),
        tense=asked_time(doc),
    )


def _copular(doc: Doc, toks: list) -> bool:
    """Whether "is" is the question's main verb: the root, and no verb ends the question
    ("who is X suing?" is parsed with "is" as its root too)."""
    return any(t.dep_ == "ROOT" and t.lemma_ == "be" for t in doc) and not (
        toks and toks[-1].pos_ == "VERB"
    )


def _modifiers(
    toks: list, group_at: dict[int, int], named_at: dict[int, set[int]]
) -> tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]:
    """For each noun of the question that other words narrow ("the Syrian opposition's
    negotiating team"): (its group, the groups of those words, the entities they name)."""
    position = {t.i: k for k, t in enumerate(toks)}
    out = []
    for k, tok in enumerate(toks):
        if tok.pos_ != "NOUN" or k not in group_at:
            continue
        words: set[int] = set()
        names: set[int] = set()
        for child in tok.children:
            if child.dep_ not in {"amod", "compound", "poss", "nmod"}:
                continue
            for sub in child.subtree:
                j = position.get(sub.i)
                if j is None:
                    continue
                if j in group_at:
                    words.add(group_at[j])
                names.update(named_at.get(j, ()))
        if words or names:
            out.append((group_at[k], tuple(sorted(words)), tuple(sorted(names))))
    return tuple(out)


_NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_COUNTS = {w: n for n, w in enumerate(_NUMBERS, 2)}


def _count(lowers: tuple[str, ...], wh: str | None, focus: str | None) -> int | None:
    """ "Which four topics ...?": 4, the number right before the focus noun."""
    if wh not in {"what", "which"} or focus is None or focus not in lowers:
        return None
    i = lowers.index(focus)
    word = lowers[i - 1] if i > 0 else ""
    if word.isdigit() and 1 < int(word) < 100:
        return int(word)
    return _COUNTS.get(word)


def _kin(entity_ids: set[int], index: Index) -> frozenset[tuple[int, int]]:
    """Pairs (question entity, store entity) of a demonym and its place: "Chinese" stands for
    "China". Not the other way: "Syria" in a question is not "the Syrian opposition"."""
    pairs: set[tuple[int, int]] = set()
    for eid in entity_ids:
        entity = index.entities.get(eid)
        if entity is None or entity.label != "NORP" or " " in entity.name:
            continue
        for form in place_forms(entity.name):
            for other in index.aliases.get((form,), ()):
                kin = index.entities.get(other)
                if kin is not None and kin.label in {"GPE", "LOC"} and other not in entity_ids:
                    pairs.add((eid, other))
    return frozenset(pairs)


def _inflected(word: str, index: Index) -> list[str]:
    """The store's words that ``word`` may inflect where the lemmatizer missed it ("fined" is
    lemmatised "fin"): the word less an "-ed", "-d", "-ing" or "-s" ending, when a fact holds
    it."""
    out = []
    for ending, back in (("ed", ""), ("d", ""), ("ing", ""), ("ing", "e"), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)] + back
            if stem in index.postings:
                out.append(stem)
    return out


def _excluded(doc: Doc) -> tuple[set[int], set[int]]:
    """The token positions of X in "besides X" / "apart from X" / "other than X" (up to a comma
    or a question word), and those of the marker words themselves."""
    lowers = [t.lower_ for t in doc]
    for start in range(len(lowers)):
        for marker in _EXCLUDING:
            end = start + len(marker)
            if tuple(lowers[start:end]) != marker:
                continue
            phrase = set()
            for t in doc[end:]:
                if t.is_punct or t.lower_ in WH_WORDS:
                    break
                phrase.add(t.i)
            if phrase:
                return phrase, set(range(start, end))
    return set(), set()


def _asks_identity(lowers: tuple[str, ...], wh: str | None) -> bool:
    """ "Who is the French president?", "what is the name of the envoy?": the question asks
    which entity a description stands for (rather than using the description as a subject,
    as in "which outlet did China's envoy speak to?")."""
    if wh not in {"who", "what", "which"} or wh not in lowers:
        return False
    i = lowers.index(wh)
    return (i + 1 < len(lowers) and lowers[i + 1] in BE_WORDS) or "name" in lowers


def _focus_noun(
    toks: list, lowers: tuple[str, ...], wh: str | None, focus: str | None
) -> str | None:
    """ "What other priority...", "which four topics": the noun after "what"/"which", past
    adjectives and numbers."""
    if wh not in {"what", "which"} or focus is None or focus not in lowers:
        return focus
    i = lowers.index(focus)
    for k in range(i, min(i + 3, len(toks))):
        if toks[k].pos_ in {"NOUN", "PROPN"}:
            return lowers[k]
        if toks[k].pos_ not in {"ADJ", "DET", "NUM"}:
            break
    return focus


_PREPOSITIONS = frozenset(
    [
        "on",
        "in",
        "at",
        "since",
        "until",
        "by",
        "before",
        "after",
        "during",
        "from",
        "to",
        "for",
        "with",
    ]
)


def _wh_prep(lowers: tuple[str, ...]) -> str | None:
    for i, w in enumerate(lowers[1:], 1):
        if w in WH_WORDS:
            return lowers[i - 1] if lowers[i - 1] in _PREPOSITIONS else None
    return None


def _find_entities(
    toks: list, lowers: tuple[str, ...], index: Index, named_at: dict[int, set[int]] | None = None
) -> tuple[set[int], set[int], set[int], set[int]]:
    """Entities named in the question, longest alias first, and the token positions of their
    names; description phrases count too (the third set: their token positions; the fourth:
    the entities only described, as in "who is the French president?")."""
    found: set[int] = set()
    described: set[int] = set()
    by_name: set[int] = set()
    covered: set[int] = set()
    describing: set[int] = set()
    n_max = min(index.max_alias_len, 8)
    i = 0
    while i < len(lowers):
        for n in range(min(n_max, len(lowers) - i), 0, -1):
            key = tuple(w for w in lowers[i : i + n])
            if key and key[0] in ARTICLES:
                continue
            named = index.aliases.get(key)
            ids = named or (index.descriptions.get(key) if n >= 2 else None)
            if not ids:
                continue
            if n == 1:
                word = key[0]
                capital = toks[i].text[:1].isupper()
                if (word in STOP or word in WH_WORDS) and not capital:
                    continue
            found.update(ids)
            (by_name if named else described).update(ids)
            (covered if named else describing).update(range(i, i + n))
            if named and named_at is not None:  # the token positions of each name
                for k in range(i, i + n):
                    named_at.setdefault(k, set()).update(ids)
            i += n - 1
            break
        i += 1
    return found, covered, describing, described - by_name


def _single_name_kind(rest: str, index: Index) -> str | None:
    """ "name" when the question is only a name, "description" when only a description."""
    words = name_key(rest)
    if not words:
        return None
    if words in index.aliases:
        return "name"
    return "description" if words in index.descriptions else None
