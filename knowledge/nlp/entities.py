"""An article's sentences and named entities, reconciled across the article: labels fixed by
the evidence of every sentence, names clustered into one entity (surnames, acronyms, names
inside longer ones), and the mentions of each cluster's names and aliases."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.models import (
    ExtractedMention,
)
from knowledge.nlp.lexicon import PARTICLES, honorific

_GEO = frozenset({"GPE", "LOC"})
_NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)


@dataclass(slots=True)
class Sent:
    """One fact in the making: a sentence (or quote-balanced group of sentences) of a paragraph."""

    paragraph: int
    doc: Doc
    start: int  # token index in doc
    end: int
    # Made once: every pass over the sentences reads them (a Span or a Token is a new object
    # each time spaCy is asked for one).
    _span: SpacySpan | None = None
    _tokens: list[Token] | None = None
    _subjects: list[Token] | None = None

    @property
    def span(self) -> SpacySpan:
        if self._span is None or self._span.end != self.end:
            self._span = self.doc[self.start : self.end]
            self._tokens = self._subjects = None
        return self._span

    @property
    def tokens(self) -> list[Token]:
        span = self.span
        if self._tokens is None:
            self._tokens = list(span)
        return self._tokens

    @property
    def subjects(self) -> list[Token]:
        """The sentence's subject tokens (nsubj, nsubjpass), in order."""
        tokens = self.tokens
        if self._subjects is None:
            self._subjects = [t for t in tokens if t.dep_ in {"nsubj", "nsubjpass"}]
        return self._subjects


@dataclass(slots=True)
class Ent:
    sent: int
    start: int  # token indices in the paragraph doc
    end: int
    label: str
    text: str


@dataclass(slots=True)
class Cluster:
    key: int
    label: str
    names: Counter[str] = field(default_factory=Counter)
    descriptions: list[str] = field(default_factory=list)

    def longest(self) -> str:
        """The fullest name ("Tim Yeo" rather than "Mr Yeo")."""
        return max(
            self.names,
            key=lambda n: (not honorific(n.split()[0]), len(n.split()), self.names[n], n),
        )


def _person_norm(norm: str) -> str:
    """A person's name without the honorific before it ("mr yeo" → "yeo")."""
    words = norm.split()
    while len(words) > 1 and honorific(words[0]):
        words = words[1:]
    return " ".join(words)


# --- sentences -------------------------------------------------------------------------------


def quote_open(text: str) -> bool:
    """Whether a quotation is still open at the end of ``text``. A straight quote mark opens
    where it stands before a word and closes where it follows one, so a quote the writer left
    unclosed before opening the next (`said: "Anyone can listen. "This allows us..."`) closes
    with the second: counting marks, it stayed open to the end of the paragraph."""
    state = False
    for i, ch in enumerate(text):
        if ch == "“":
            state = True
        elif ch == "”":
            state = False
        elif ch == '"':
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if (before.isspace() or before in "([—–-") and not after.isspace():
                state = True  # opening: before a word
            elif not before.isspace():
                state = False  # closing: after a word or punctuation
            else:
                state = not state  # standing alone: as counting would
    return state


def sentences(paragraph: int, doc: Doc) -> Iterable[Sent]:
    """spaCy's sentences, merged while a quotation is open so a quote and its "he said" stay
    one fact."""
    current: Sent | None = None
    for sent in doc.sents:
        if current is None:
            current = Sent(paragraph, doc, sent.start, sent.end)
        else:
            current.end = sent.end
        too_long = current.end - current.start > 200
        if (not quote_open(current.span.text) or too_long) and any(
            t.is_alpha for t in current.span
        ):
            yield current
            current = None
    if current is not None and any(t.is_alpha for t in current.span):
        yield current


# --- entities --------------------------------------------------------------------------------


def named_entities(sents: Sequence[Sent]) -> list[Ent]:
    out = []
    for i, sent in enumerate(sents):
        for ent in sent.span.ents:
            start, end = ent.start, ent.end
            # spaCy sometimes takes a trailing possessive or a leading "the" into a name.
            while end > start and sent.doc[end - 1].tag_ == "POS":
                end -= 1
            start, end = _within_dashes(sent.doc, start, end, ent.label_)
            start, end = _within_brackets(sent.doc, start, end)
            if end > start:
                out.append(Ent(i, start, end, ent.label_, sent.doc[start:end].text))
    return out


_DASHES = frozenset({"-", "--", "–", "—"})


def _within_dashes(doc: Doc, start: int, end: int, label: str) -> tuple[int, int]:
    """A name never holds a spaced dash: the small model runs names across one ("Jonathan
    Kaplan - England", "Chrissie Hynde -", "Oscars - the"; 15 of 8,994 entities in every tenth
    BBC article). Keep the part with the most capitalised words (the first on a tie; for a date
    or a number, the first)."""
    parts: list[tuple[int, int]] = []
    lo = start
    for i in range(start, end):
        t = doc[i]
        if t.text in _DASHES and i > 0 and doc[i - 1].whitespace_ and t.whitespace_:
            parts.append((lo, i))
            lo = i + 1
    if not parts:
        return start, end
    parts = [(a, b) for a, b in [*parts, (lo, end)] if b > a]
    if not parts:
        return start, start
    if label not in _NAME_LABELS:
        return parts[0]
    return max(parts, key=lambda p: (sum(doc[i].text[:1].isupper() for i in range(*p)), -p[0]))


def _within_brackets(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """A name never holds half a bracket: the small model runs a name into the abbreviation
    after it ("the Harbour Safety Centre (HSC", its ")" left out). Keep the part before the
    unmatched bracket (after it, where nothing comes before)."""
    opened: list[int] = []
    cut = None  # the first unmatched bracket
    for i in range(start, end):
        if doc[i].text == "(":
            opened.append(i)
        elif doc[i].text == ")":
            if not opened:
                cut = i
                break
            opened.pop()
    if cut is None and opened:
        cut = opened[0]
    if cut is None:
        return start, end
    return (start, cut) if cut > start else (cut + 1, end)


@functools.lru_cache(maxsize=1 << 14)  # pure, and asked of the same names again and again
def _norm(text: str) -> str:
    text = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.I)
    text = re.sub(r"['’]s?$", "", text)
    return re.sub(r"\s+", " ", text).lower()


def fix_labels(ents: list[Ent]) -> list[Ent]:
    """Reconcile NER labels with the article's own evidence: a name tagged PERSON in one sentence
    is a person in the others too; an ORG span ending with a known person's name is split; and
    the surnames of the article's people are people (``_people_by_surname``)."""
    _people_by_surname(ents)
    person_votes: Counter[str] = Counter()
    other_votes: Counter[str] = Counter()
    for e in ents:
        (person_votes if e.label == "PERSON" else other_votes)[_norm(e.text)] += 1
    persons = set(person_votes)
    fixed: list[Ent] = []
    for e in ents:
        key = _norm(e.text)
        if e.label != "PERSON" and key in persons:
            # A place name shared with a person ("Jordan") keeps its label unless persons win.
            if e.label not in _GEO or person_votes[key] > other_votes[key]:
                e.label = "PERSON"
            fixed.append(e)
            continue
        if e.label in {"ORG", "NORP", "FAC", "WORK_OF_ART", "PRODUCT"}:
            split = _split_person_suffix(e, persons, other_votes)
            if split:
                fixed.extend(split)
                continue
        fixed.append(e)
    return fixed


def _people_by_surname(ents: list[Ent]) -> None:
    """Mend the labels the small model gets wrong for people it half knows. "Mr Ebbers" is a
    person whatever NER says (an honorific before a capitalised name); so is "Bernie Ebbers",
    tagged ORG, where the article calls a person "Mr Ebbers"; and a one-word name that is the
    surname of exactly one of the article's people ("Staunton", tagged GPE, beside "Imelda
    Staunton"; "Leigh", tagged ORG, beside "Mike Leigh") is that person. Without this their
    mentions join another entity, and a question about the person misses the facts that name
    them by surname."""
    addressed: set[str] = set()  # surnames the article puts a form of address before
    for e in ents:
        words = e.text.split()
        if len(words) < 2 or not honorific(words[0]):
            continue
        if e.label in _NAME_LABELS and all(w[:1].isupper() for w in words[1:]):
            e.label = "PERSON"
        if e.label == "PERSON":
            addressed.add(_person_norm(_norm(e.text)).split()[-1])
    owners: dict[str, set[str]] = {}  # a surname → the full names ending with it
    for e in ents:
        norm = _person_norm(_norm(e.text))
        if e.label == "PERSON" and len(norm.split()) >= 2 and not honorific(e.text.split()[0]):
            owners.setdefault(norm.split()[-1], set()).add(norm)
    for e in ents:
        if e.label == "PERSON" or e.label not in _NAME_LABELS:
            continue
        words = e.text.split()
        if not words or not all(w[:1].isupper() for w in words):
            continue
        last = _norm(words[-1])
        surname = len(words) == 1 and len(owners.get(last, ())) == 1
        if surname or (2 <= len(words) <= 3 and last in addressed):
            e.label = "PERSON"


def _split_person_suffix(e: Ent, persons: set[str], others: Counter[str]) -> list[Ent] | None:
    words = e.text.split()
    for first in range(1, len(words)):
        cut = first
        tail = " ".join(words[cut:]).lower()
        if tail in persons:
            # Extend the person leftwards over capitalised words that are not known names.
            while cut > 0 and words[cut - 1][:1].isupper() and _norm(words[cut - 1]) not in others:
                cut -= 1
            head = " ".join(words[:cut])
            # Token counts of the text match the span's tokens only for simple names; keep offsets
            # by counting tokens of the head part.
            n_head = len(head.split()) if head else 0
            person = Ent(e.sent, e.start + n_head, e.end, "PERSON", " ".join(words[cut:]))
            parts = [person]
            if head and _norm(head) in others:
                parts.insert(0, Ent(e.sent, e.start, e.start + n_head, "GPE", head))
            return parts
    return None


def cluster_entities(ents: Sequence[Ent]) -> tuple[list[Cluster], list[int | None]]:
    """One cluster per real thing: persons by name containment, others by normalised name."""
    clusters: list[Cluster] = []
    keys: list[int | None] = [None] * len(ents)
    norms = [_person_norm(_norm(e.text)) if e.label == "PERSON" else _norm(e.text) for e in ents]
    order = sorted(range(len(ents)), key=lambda i: -len(norms[i].split()))
    by_norm: dict[tuple[str, str], Cluster] = {}
    for i in order:
        e = ents[i]
        if e.label not in _NAME_LABELS:
            continue
        label = "GPE" if e.label in _GEO else e.label
        norm = norms[i]
        if not norm or not any(ch.isalpha() for ch in norm):
            continue
        cluster = by_norm.get((label, norm))
        if cluster is None and label in {"PERSON", "ORG"}:
            cluster = _containing_cluster(norm, label, clusters)
        if cluster is None and label == "ORG" and e.text.isupper():
            cluster = _acronym_cluster(e.text, clusters)
        if cluster is None:
            cluster = Cluster(key=len(clusters), label=label)
            clusters.append(cluster)
        by_norm[(label, norm)] = cluster
        cluster.names[re.sub(r"^(the|The)\s+", "", e.text)] += 1
        keys[i] = cluster.key
    return clusters, keys


def _containing_cluster(norm: str, label: str, clusters: list[Cluster]) -> Cluster | None:
    """The one cluster of this label whose longest name starts or ends with these words (a
    one-word organisation only its last word)."""
    words = norm.split()
    if all(w in PARTICLES for w in words):
        return None
    found = []
    for c in clusters:
        if c.label != label:
            continue
        name = _norm(c.longest())
        longest = (_person_norm(name) if label == "PERSON" else name).split()
        n = len(words)
        if n < len(longest) and (longest[:n] == words or longest[-n:] == words):
            if label == "ORG" and n < 2 and longest[-n:] != words:
                continue  # "UN" is not the "UN Security Council"; "Forest" is "Nottingham Forest"
            found.append(c)
    return found[0] if len(found) == 1 else None


def _acronym_cluster(acronym: str, clusters: list[Cluster]) -> Cluster | None:
    for c in clusters:
        if c.label == "ORG":
            words = [w for w in _norm(c.longest()).split() if w not in {"of", "for", "and", "the"}]
            if len(words) >= 2 and "".join(w[0] for w in words) == acronym.lower():
                return c
    return None


def surname_aliases(c: Cluster, clusters: list[Cluster]) -> list[str]:
    """For a person "Staffan de Mistura": "de Mistura" and "Mistura", when no other person shares
    them."""
    if c.label != "PERSON":
        return []
    words = c.longest().split()
    if len(words) < 2:
        return []
    tail = [words[-1]]
    if len(words) >= 3 and words[-2].lower() in PARTICLES:
        tail = words[-2:]
    aliases = [" ".join(tail)]
    others = [o for o in clusters if o.label == "PERSON" and o is not c]
    return [a for a in aliases if not any(a.lower() in _norm(o.longest()) for o in others)]


def mention(sent: Sent, start: int, end: int, key: int, kind: str) -> ExtractedMention:
    base = sent.span.start_char
    doc = sent.doc
    a = doc[start].idx - base
    b = doc[end - 1].idx + len(doc[end - 1].text) - base
    return ExtractedMention(entity_key=key, start=a, end=b, text=doc[start:end].text, kind=kind)


def find_alias_mentions(
    sents: Sequence[Sent],
    clusters: list[Cluster],
    surnames: Sequence[list[str]],
    mentions: list[list[ExtractedMention]],
) -> None:
    """Mentions NER missed: any known multi-word name, or a person's surname, in any sentence."""
    table: dict[tuple[str, ...], int] = {}
    for c in clusters:
        for name in list(c.names) + surnames[c.key]:
            words = tuple(w.lower() for w in name.split())
            if len(words) >= 2 or (c.label == "PERSON" and name[:1].isupper()):
                table.setdefault(words, c.key)
    if not table:
        return
    longest = max(len(k) for k in table)
    firsts = {k[0] for k in table}
    for i, sent in enumerate(sents):
        taken = {(m.start, m.end) for m in mentions[i]}
        covered = [(m.start, m.end) for m in mentions[i]]
        tokens = sent.tokens
        lowers = [t.lower_ for t in tokens]
        for j in range(len(tokens)):
            if lowers[j] not in firsts:
                continue  # no name starts here (most tokens): skip building the n-grams
            for n in range(min(longest, len(tokens) - j), 0, -1):
                words = tuple(lowers[j : j + n])
                key = table.get(words)
                if key is None:
                    continue
                if n == 1 and not tokens[j].text[:1].isupper():
                    continue
                m = mention(sent, tokens[j].i, tokens[j + n - 1].i + 1, key, "alias")
                if (m.start, m.end) not in taken and not any(
                    a < m.end and m.start < b for a, b in covered
                ):
                    mentions[i].append(m)
                    covered.append((m.start, m.end))
                break
