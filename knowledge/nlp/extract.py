"""From an article draft to sentence facts, linked entities, quotes and resolved dates (spaCy).

The pipeline's NER is a starting point, not the truth: names it tags differently in different
sentences are reconciled with the evidence of the whole article, title phrases ("French President")
and appositives become descriptions, definite descriptions ("the UN envoy") and subject pronouns
are linked to the person they refer to, and quoted or reported speech gets its speaker.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.models import (
    ArticleDraft,
    ExtractedEntity,
    ExtractedFact,
    ExtractedMention,
    Extraction,
    Quote,
    Span,
)
from knowledge.nlp.dates import resolve_date
from knowledge.text import PERSON_PRONOUNS, index_terms

# Raise this whenever the facts an article yields change (their terms, spans, mentions): a store
# built by an older version is re-extracted from its stored texts when it is opened.
EXTRACTOR_VERSION = 3

# People named by what they do: title phrases and definite descriptions ("the UN envoy").
ROLE_NOUNS = frozenset(
    [
        "envoy",
        "president",
        "minister",
        "diplomat",
        "counterpart",
        "negotiator",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "leader",
        "secretary",
        "chief",
        "ambassador",
        "official",
        "head",
        "director",
        "chairman",
        "chairwoman",
        "chair",
        "ceo",
        "founder",
        "governor",
        "mayor",
        "senator",
        "congressman",
        "congresswoman",
        "representative",
        "commissioner",
        "king",
        "queen",
        "prince",
        "princess",
        "premier",
        "chancellor",
        "general",
        "commander",
        "adviser",
        "advisor",
        "analyst",
        "economist",
        "professor",
        "expert",
        "researcher",
        "manager",
        "coach",
        "player",
        "striker",
        "captain",
        "judge",
        "lawyer",
        "attorney",
        "author",
        "editor",
        "reporter",
        "correspondent",
        "mediator",
        "delegate",
        "activist",
        "candidate",
        "emir",
        "sheikh",
        "pope",
        "cardinal",
        "bishop",
        "actor",
        "actress",
        "singer",
        "star",
        "boss",
        "owner",
        "executive",
        "officer",
        "president-elect",
        "lawmaker",
        "mp",
        "vice",
        "deputy",
        "boxer",
        "athlete",
        "champion",
        "driver",
        "director-general",
        "secretary-general",
        "rapporteur",
        "negotiators",
        "envoys",
        "engineer",
        "teacher",
        "doctor",
        "farmer",
        "worker",
        "scientist",
        "soldier",
        "nurse",
        "pilot",
        "student",
        "fisherman",
        "councillor",
        "councilor",
        "banker",
        "investor",
        "businessman",
        "businesswoman",
        "entrepreneur",
        "journalist",
        "photographer",
        "writer",
        "novelist",
        "poet",
        "artist",
        "musician",
        "composer",
        "producer",
        "architect",
        "designer",
        "historian",
        "physicist",
        "chemist",
        "biologist",
        "surgeon",
        "physician",
        "priest",
        "imam",
        "rabbi",
        "monk",
        "policeman",
        "policewoman",
        "detective",
        "prosecutor",
        "inspector",
        "lieutenant",
        "colonel",
        "sergeant",
        "admiral",
        "marshal",
    ]
)
SPEECH_VERBS = frozenset(
    [
        "say",
        "tell",
        "stress",
        "note",
        "add",
        "state",
        "announce",
        "insist",
        "warn",
        "explain",
        "cite",
        "detect",
        "claim",
        "declare",
        "argue",
        "confirm",
        "deny",
        "admit",
        "suggest",
        "reply",
        "respond",
        "emphasise",
        "emphasize",
        "underline",
        "urge",
        "affirm",
        "report",
        "write",
        "describe",
        "acknowledge",
        "predict",
        "believe",
        "reveal",
        "remark",
        "comment",
        "told",
    ]
)
_PARTICLES = frozenset(
    [
        "de",
        "da",
        "di",
        "del",
        "della",
        "van",
        "von",
        "der",
        "den",
        "le",
        "la",
        "du",
        "bin",
        "al",
        "el",
        "ibn",
    ]
)
_QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")
_STRIP_LEFT = frozenset({"DET", "ADP", "CCONJ", "PUNCT", "PART"})
_GEO = frozenset({"GPE", "LOC"})
_NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)


@dataclass(slots=True)
class _Sent:
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
class _Ent:
    sent: int
    start: int  # token indices in the paragraph doc
    end: int
    label: str
    text: str


@dataclass(slots=True)
class _Cluster:
    key: int
    label: str
    names: Counter[str] = field(default_factory=Counter)
    descriptions: list[str] = field(default_factory=list)

    def longest(self) -> str:
        """The fullest name ("Tim Yeo" rather than "Mr Yeo")."""
        return max(
            self.names,
            key=lambda n: (not _honorific(n.split()[0]), len(n.split()), self.names[n], n),
        )


_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "prof", "professor"})


def _honorific(word: str) -> bool:
    return word.lower().rstrip(".") in _HONORIFICS


def _person_norm(norm: str) -> str:
    """A person's name without the honorific before it ("mr yeo" → "yeo")."""
    words = norm.split()
    while len(words) > 1 and _honorific(words[0]):
        words = words[1:]
    return " ".join(words)


def extract(nlp: Language, draft: ArticleDraft, *, article_date: dt.date) -> Extraction:
    """Run the pipeline over the draft's paragraphs and build facts, entities and quotes."""
    return extract_docs(draft, list(nlp.pipe(draft.paragraphs, batch_size=64)), article_date)


def extract_many(
    nlp: Language,
    drafts: Iterable[tuple[ArticleDraft, dt.date]],
    *,
    batch_size: int = 64,
    n_process: int = 1,
) -> Iterator[Extraction]:
    """``extract`` for many (draft, article date) pairs, in order: the paragraphs of all of them
    go through one ``nlp.pipe``, so batches are full whatever the articles' lengths."""
    items = list(drafts)
    docs = nlp.pipe(
        (p for draft, _ in items for p in draft.paragraphs),
        batch_size=batch_size,
        n_process=n_process,
    )
    for draft, article_date in items:
        yield extract_docs(
            draft, list(itertools.islice(docs, len(draft.paragraphs))), article_date
        )


def extract_docs(draft: ArticleDraft, docs: Sequence[Doc], article_date: dt.date) -> Extraction:
    """Facts, entities and quotes from the parsed paragraphs of a draft."""
    sents = [s for i, doc in enumerate(docs) for s in _sentences(i, doc)]
    ents = _fix_labels(_entities(sents))
    clusters, ent_keys = _cluster(ents)
    surnames = [_surname_aliases(c, clusters) for c in clusters]  # names are settled now
    mentions: list[list[ExtractedMention]] = [[] for _ in sents]
    for ent, key in zip(ents, ent_keys, strict=True):
        if key is not None:
            mentions[ent.sent].append(_mention(sents[ent.sent], ent.start, ent.end, key, "name"))
    _find_alias_mentions(sents, clusters, surnames, mentions)
    _describe(sents, ents, ent_keys, clusters)
    _link_descriptions(sents, clusters, mentions)
    _link_pronouns(sents, clusters, mentions)
    ents_of: list[list[_Ent]] = [[] for _ in sents]
    for e in ents:
        ents_of[e.sent].append(e)
    facts = []
    for i, sent in enumerate(sents):
        span = sent.span
        text = span.text.strip()
        fact_mentions = tuple(sorted(mentions[i], key=lambda m: m.start))
        spans = tuple(_typed_span(sent, e, article_date=article_date) for e in ents_of[i])
        facts.append(
            ExtractedFact(
                position=i,
                paragraph=sent.paragraph,
                text=text,
                terms=_terms(span),
                spans=spans,
                mentions=fact_mentions,
                quotes=tuple(_quotes(sent, fact_mentions, clusters)),
            )
        )
    entities = tuple(
        ExtractedEntity(
            key=c.key,
            name=c.longest(),
            label=c.label,
            aliases=tuple(sorted(set(c.names) | set(surnames[c.key]))),
            descriptions=tuple(dict.fromkeys(c.descriptions)),
        )
        for c in clusters
    )
    words = sum(len(p.split()) for p in draft.paragraphs)
    return Extraction(facts=tuple(facts), entities=entities, word_count=words)


_TERMS_CACHE_SIZE = 200_000
_token_terms: dict[tuple[int, int], tuple[str, ...]] = {}


def _terms(span: SpacySpan) -> tuple[str, ...]:
    """``index_terms(span)``, token by token through a cache: a token's terms depend only on its
    text and lemma, and an article's words repeat (the same terms, in the same order)."""
    terms: dict[str, None] = {}
    for tok in span:
        key = (tok.orth, tok.lemma)
        found = _token_terms.get(key)
        if found is None:
            if len(_token_terms) >= _TERMS_CACHE_SIZE:
                _token_terms.clear()
            found = _token_terms[key] = index_terms((tok,))
        for term in found:
            terms[term] = None
    return tuple(terms)


# --- sentences -------------------------------------------------------------------------------


def _sentences(paragraph: int, doc: Doc) -> Iterable[_Sent]:
    """spaCy's sentences, merged while a quotation is open so a quote and its "he said" stay
    one fact."""
    current: _Sent | None = None
    for sent in doc.sents:
        if current is None:
            current = _Sent(paragraph, doc, sent.start, sent.end)
        else:
            current.end = sent.end
        text = current.span.text
        balanced = (text.count('"') % 2 == 0) and text.count("“") <= text.count("”")
        too_long = current.end - current.start > 200
        if (balanced or too_long) and any(t.is_alpha for t in current.span):
            yield current
            current = None
    if current is not None and any(t.is_alpha for t in current.span):
        yield current


# --- entities --------------------------------------------------------------------------------


def _entities(sents: Sequence[_Sent]) -> list[_Ent]:
    out = []
    for i, sent in enumerate(sents):
        for ent in sent.span.ents:
            start, end = ent.start, ent.end
            # spaCy sometimes takes a trailing possessive or a leading "the" into a name.
            while end > start and sent.doc[end - 1].tag_ == "POS":
                end -= 1
            if end > start:
                out.append(_Ent(i, start, end, ent.label_, sent.doc[start:end].text))
    return out


@functools.lru_cache(maxsize=1 << 14)  # pure, and asked of the same names again and again
def _norm(text: str) -> str:
    text = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.I)
    text = re.sub(r"['’]s?$", "", text)
    return re.sub(r"\s+", " ", text).lower()


def _fix_labels(ents: list[_Ent]) -> list[_Ent]:
    """Reconcile NER labels with the article's own evidence: a name tagged PERSON in one sentence
    is a person in the others too; an ORG span ending with a known person's name is split."""
    person_votes: Counter[str] = Counter()
    other_votes: Counter[str] = Counter()
    for e in ents:
        (person_votes if e.label == "PERSON" else other_votes)[_norm(e.text)] += 1
    persons = set(person_votes)
    fixed: list[_Ent] = []
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


def _split_person_suffix(e: _Ent, persons: set[str], others: Counter[str]) -> list[_Ent] | None:
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
            person = _Ent(e.sent, e.start + n_head, e.end, "PERSON", " ".join(words[cut:]))
            parts = [person]
            if head and _norm(head) in others:
                parts.insert(0, _Ent(e.sent, e.start, e.start + n_head, "GPE", head))
            return parts
    return None


def _cluster(ents: Sequence[_Ent]) -> tuple[list[_Cluster], list[int | None]]:
    """One cluster per real thing: persons by name containment, others by normalised name."""
    clusters: list[_Cluster] = []
    keys: list[int | None] = [None] * len(ents)
    norms = [_person_norm(_norm(e.text)) if e.label == "PERSON" else _norm(e.text) for e in ents]
    order = sorted(range(len(ents)), key=lambda i: -len(norms[i].split()))
    by_norm: dict[tuple[str, str], _Cluster] = {}
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
            cluster = _Cluster(key=len(clusters), label=label)
            clusters.append(cluster)
        by_norm[(label, norm)] = cluster
        cluster.names[re.sub(r"^(the|The)\s+", "", e.text)] += 1
        keys[i] = cluster.key
    return clusters, keys


def _containing_cluster(norm: str, label: str, clusters: list[_Cluster]) -> _Cluster | None:
    """The one cluster of this label whose longest name starts or ends with these words (a
    one-word organisation only its last word)."""
    words = norm.split()
    if all(w in _PARTICLES for w in words):
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


def _acronym_cluster(acronym: str, clusters: list[_Cluster]) -> _Cluster | None:
    for c in clusters:
        if c.label == "ORG":
            words = [w for w in _norm(c.longest()).split() if w not in {"of", "for", "and", "the"}]
            if len(words) >= 2 and "".join(w[0] for w in words) == acronym.lower():
                return c
    return None


def _surname_aliases(c: _Cluster, clusters: list[_Cluster]) -> list[str]:
    """For a person "Staffan de Mistura": "de Mistura" and "Mistura", when no other person shares
    them."""
    if c.label != "PERSON":
        return []
    words = c.longest().split()
    if len(words) < 2:
        return []
    tail = [words[-1]]
    if len(words) >= 3 and words[-2].lower() in _PARTICLES:
        tail = words[-2:]
    aliases = [" ".join(tail)]
    others = [o for o in clusters if o.label == "PERSON" and o is not c]
    return [a for a in aliases if not any(a.lower() in _norm(o.longest()) for o in others)]


def _mention(sent: _Sent, start: int, end: int, key: int, kind: str) -> ExtractedMention:
    base = sent.span.start_char
    doc = sent.doc
    a = doc[start].idx - base
    b = doc[end - 1].idx + len(doc[end - 1].text) - base
    return ExtractedMention(entity_key=key, start=a, end=b, text=doc[start:end].text, kind=kind)


def _find_alias_mentions(
    sents: Sequence[_Sent],
    clusters: list[_Cluster],
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
                m = _mention(sent, tokens[j].i, tokens[j + n - 1].i + 1, key, "alias")
                if (m.start, m.end) not in taken and not any(
                    a < m.end and m.start < b for a, b in covered
                ):
                    mentions[i].append(m)
                    covered.append((m.start, m.end))
                break


# --- descriptions and coreference ------------------------------------------------------------


def _describe(
    sents: Sequence[_Sent],
    ents: Sequence[_Ent],
    keys: Sequence[int | None],
    clusters: list[_Cluster],
) -> None:
    """Title phrases before a person's name and appositives after it become descriptions."""
    for e, key in zip(ents, keys, strict=True):
        if key is None or clusters[key].label != "PERSON":
            continue
        doc = sents[e.sent].doc
        lo = sents[e.sent].start
        title = _title_before(doc, e.start, lo) or _appositive_before(doc, e.start, lo)
        if title:
            clusters[key].descriptions.append(title)
        for child in doc[e.end - 1].children:
            if child.dep_ == "appos" and child.pos_ in {"NOUN", "PROPN"} and child.i >= e.end:
                phrase = _strip_phrase(list(child.subtree))
                if phrase and _has_role(phrase):
                    clusters[key].descriptions.append(" ".join(t.text for t in phrase))


def _title_before(doc: Doc, start: int, lo: int) -> str | None:
    while start > lo and _honorific(doc[start - 1].text):  # "secretary Mr Davis": not "Mr"
        start -= 1
    j = start
    while j > lo:
        t = doc[j - 1]
        if t.ent_type_ in {"DATE", "TIME"}:  # "on 26 November singer Brian Harvey"
            break
        if (
            t.pos_ in {"PROPN", "NOUN", "ADJ", "NUM"}
            or t.tag_ == "POS"
            or t.text == "-"
            or (t.lower_ in {"for", "on", "of", "the"} and j - 1 > lo)
        ):
            j -= 1
        else:
            break
    phrase = _strip_phrase(list(doc[j:start]))
    if not phrase or phrase[-1].pos_ not in {"NOUN", "PROPN"}:
        return None
    if not _has_role(phrase) and not _ends_like_a_person(phrase[-1]):
        return None
    return " ".join(_join_tokens(phrase))


# Nouns for people by their ending ("psychologist", "striker", "chancellor", "historian").
_PERSON_ENDINGS = ("ist", "er", "or", "ian", "ant", "ent", "man", "woman", "person")


def names_a_person(tok: Token) -> bool:
    """A lowercase noun for a person: a role ("envoy") or one ending like one ("daughter",
    "psychologist")."""
    word = tok.lower_
    return tok.pos_ == "NOUN" and (
        word in ROLE_NOUNS or tok.lemma_.lower() in ROLE_NOUNS or _ends_like_a_person(tok)
    )


def _ends_like_a_person(tok: Token) -> bool:
    """ "Sports psychologist Hugh Richards": a lowercase noun right before a person's name that
    ends like a noun for a person is a title too."""
    word = tok.lower_
    return tok.pos_ == "NOUN" and tok.text.islower() and word.endswith(_PERSON_ENDINGS)


def _appositive_before(doc: Doc, start: int, lo: int) -> str | None:
    """ "The mayor of Port Ellery, Ingrid Halvorsen, said": the role phrase before the comma."""
    if start - 1 <= lo or doc[start - 1].text != ",":
        return None
    j = start - 1
    while j > lo:
        t = doc[j - 1]
        if (
            t.pos_ in {"PROPN", "NOUN", "ADJ", "NUM", "DET"}
            or t.tag_ in {"POS", "PRP$"}
            or (t.lower_ in {"of", "for", "on", "at", "-"} and j - 1 > lo)
        ):
            j -= 1
        else:
            break
    if j > lo and doc[j - 1].pos_ not in {"VERB", "AUX", "ADP", "PUNCT", "SCONJ"}:
        return None
    phrase = _strip_phrase(list(doc[j : start - 1]))
    if not phrase or not _has_role(phrase[:3]):
        return None
    return " ".join(_join_tokens(phrase))


def _join_tokens(tokens: Sequence[Token]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if out and (t.tag_ == "POS" or t.text == "-" or out[-1].endswith("-")):
            out[-1] += t.text
        else:
            out.append(t.text)
    return out


def _strip_phrase(tokens: list[Token]) -> list[Token]:
    while tokens and (tokens[0].pos_ in _STRIP_LEFT or tokens[0].tag_ == "PRP$"):
        tokens = tokens[1:]
    while tokens and tokens[-1].pos_ in {"PUNCT", "ADP", "DET", "CCONJ"}:
        tokens = tokens[:-1]
    return tokens


def _has_role(tokens: Sequence[Token]) -> bool:
    return any(t.lower_ in ROLE_NOUNS or t.lemma_.lower() in ROLE_NOUNS for t in tokens)


def _link_descriptions(
    sents: Sequence[_Sent], clusters: list[_Cluster], mentions: list[list[ExtractedMention]]
) -> None:
    """ "The UN envoy told reporters": a definite description with a role noun, not followed by a
    name, refers to the person it best fits among those already mentioned (most recent first)."""
    recent: list[int] = []  # person keys, most recent last
    for i, sent in enumerate(sents):
        covered = [
            (m.start, m.end) for m in mentions[i] if clusters[m.entity_key].label == "PERSON"
        ]
        for tok in sent.tokens:
            if tok.tag_ not in {"NN", "NNP"} or tok.lower_ not in ROLE_NOUNS:
                continue
            if tok.dep_ not in {"nsubj", "nsubjpass", "dobj", "pobj", "attr"}:
                continue  # a title before a name ("President Macron") is not a description
            left = [t for t in tok.lefts if t.dep_ in {"det", "amod", "compound", "poss", "nmod"}]
            if not left or left[0].lower_ not in {"the", "this", "that"}:
                continue
            phrase = _strip_phrase(list(sent.doc[left[0].i : tok.i + 1]))
            m = _mention(sent, phrase[0].i, tok.i + 1, -1, "description")
            if any(a < m.end and m.start < b for a, b in covered):
                continue
            key = _best_person(phrase, recent, clusters, mentions[i], m.start)
            if key is None:
                continue
            text = " ".join(_join_tokens(phrase))
            clusters[key].descriptions.append(text)
            mentions[i].append(
                ExtractedMention(
                    entity_key=key, start=m.start, end=m.end, text=text, kind="description"
                )
            )
        for m in sorted(mentions[i], key=lambda m: m.start):
            if clusters[m.entity_key].label == "PERSON":
                if m.entity_key in recent:
                    recent.remove(m.entity_key)
                recent.append(m.entity_key)


def _best_person(
    phrase: Sequence[Token],
    recent: list[int],
    clusters: list[_Cluster],
    here: Sequence[ExtractedMention],
    start: int,
) -> int | None:
    candidates = list(recent)
    for m in sorted(here, key=lambda m: m.start):
        if m.start < start and clusters[m.entity_key].label == "PERSON":
            if m.entity_key in candidates:
                candidates.remove(m.entity_key)
            candidates.append(m.entity_key)
    if not candidates:
        return None
    words = {t.lower_ for t in phrase if t.pos_ in {"PROPN", "ADJ", "NOUN"}}

    def fit(key: int) -> int:
        desc = " ".join(clusters[key].descriptions).lower()
        desc_words = set(re.findall(r"[\w.-]+", desc))
        return len(words & desc_words)

    best = max(range(len(candidates)), key=lambda j: (fit(candidates[j]), j))
    return candidates[best]


def _link_pronouns(
    sents: Sequence[_Sent], clusters: list[_Cluster], mentions: list[list[ExtractedMention]]
) -> None:
    """Subject pronouns ("he said") refer to the nearest person before them in the sentence, or to
    the subject of the last sentence that named a person."""
    last_subject: int | None = None
    for i, sent in enumerate(sents):
        people = sorted(
            (m for m in mentions[i] if clusters[m.entity_key].label == "PERSON"),
            key=lambda m: m.start,
        )
        base = sent.span.start_char
        for tok in sent.tokens:
            if tok.lower_ not in PERSON_PRONOUNS or tok.pos_ != "PRON":
                continue
            start = tok.idx - base
            before = [m for m in people if m.end <= start]
            key = before[-1].entity_key if before else last_subject
            if key is not None:
                mentions[i].append(
                    ExtractedMention(key, start, start + len(tok.text), tok.text, kind="pronoun")
                )
        subject = _subject_person(sent, people, clusters)
        if subject is not None:
            last_subject = subject
        elif people:
            last_subject = people[-1].entity_key


def _subject_person(
    sent: _Sent, mentions: Sequence[ExtractedMention], clusters: list[_Cluster]
) -> int | None:
    base = sent.span.start_char
    for tok in sent.subjects:
        pos = tok.idx - base
        for m in mentions:
            if m.start <= pos < m.end and clusters[m.entity_key].label == "PERSON":
                return m.entity_key
    return None


# --- quotes, dates, typed spans --------------------------------------------------------------


def _quotes(
    sent: _Sent, mentions: Sequence[ExtractedMention], clusters: list[_Cluster]
) -> list[Quote]:
    """Direct quotes ("...", he said) and reported speech (X said that ...) with their speaker: the
    subject of the speech verb nearest the quote, else the sentence's subject person."""
    base = sent.span.start_char
    text = sent.span.text
    verbs = _speech_verbs(sent, mentions, clusters)
    fallback = _subject_person(sent, mentions, clusters)
    quotes = []
    for m in _QUOTE.finditer(text):
        speaker = fallback
        if verbs:
            near = min(verbs, key=lambda v: _distance(v[0].idx - base, m.start(), m.end()))
            speaker = near[1]
        quotes.append(Quote(m.group(1).strip(" ,."), speaker))
    if not quotes:
        for verb, speaker in verbs:
            clause = [c for c in verb.children if c.dep_ in {"ccomp", "xcomp"}]
            if clause:
                sub = list(clause[0].subtree)
                a = sub[0].idx - base
                b = sub[-1].idx + len(sub[-1].text) - base
                quotes.append(Quote(text[a:b].removeprefix("that ").strip(), speaker))
                break
    return quotes


def _distance(pos: int, start: int, end: int) -> int:
    return 0 if start <= pos < end else min(abs(pos - start), abs(pos - end))


def _entity_at(
    tok: Token, base: int, mentions: Sequence[ExtractedMention], clusters: list[_Cluster]
) -> int | None:
    """The entity a subject phrase refers to: a person in it, else the mention at its head."""
    lo = min(t.idx for t in tok.subtree) - base
    hi = max(t.idx + len(t.text) for t in tok.subtree) - base
    inside = [m for m in mentions if lo <= m.start and m.end <= hi]
    people = [m for m in inside if clusters[m.entity_key].label == "PERSON"]
    if people:
        return people[-1].entity_key
    pos = tok.idx - base
    for m in inside:
        if m.start <= pos < m.end:
            return m.entity_key
    return None


def _speech_verbs(
    sent: _Sent, mentions: Sequence[ExtractedMention], clusters: list[_Cluster]
) -> list[tuple[Token, int]]:
    base = sent.span.start_char
    found = []
    for tok in sent.tokens:
        if tok.lemma_.lower() not in SPEECH_VERBS or tok.pos_ not in {"VERB", "AUX"}:
            continue
        key = None
        if tok.tag_ == "VBG" and tok.head.i != tok.i:
            # "cited Macron as saying": the speaker is the object of the verb that cites.
            governor = tok.head.head if tok.head.dep_ == "prep" else tok.head
            for child in governor.children:
                if child.dep_ == "dobj":
                    key = _entity_at(child, base, mentions, clusters)
        verb = tok
        while key is None:
            subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
            if subjects:
                key = _entity_at(subjects[0], base, mentions, clusters)
                break
            if verb.dep_ != "conj" or verb.head.i == verb.i:
                break
            verb = verb.head  # "X spoke ... and said": the subject is the first verb's
        if key is not None:
            found.append((tok, key))
    return found


def _typed_span(sent: _Sent, e: _Ent, *, article_date: dt.date) -> Span:
    doc = sent.doc
    base = sent.span.start_char
    a = doc[e.start].idx - base
    b = doc[e.end - 1].idx + len(doc[e.end - 1].text) - base
    resolved = None
    if e.label in {"DATE", "TIME"}:
        future = _is_future(doc[e.start : e.end].root)
        resolved = resolve_date(e.text, article_date=article_date, future=future)
    return Span(start=a, end=b, text=e.text, label=e.label, resolved=resolved)


def _is_future(tok: Token) -> bool:
    """Whether a date's clause speaks of the future ("will be convened in September")."""
    verb = tok
    while verb.pos_ not in {"VERB", "AUX"} and verb.head.i != verb.i:
        verb = verb.head
    for child in verb.children:
        if child.tag_ == "MD" and child.lower_ in {"will", "shall", "'ll", "wo", "would", "'d"}:
            return True
    if verb.tag_ in {"VBD", "VBN"} and not any(c.tag_ == "MD" for c in verb.children):
        return False
    return any(t.lower_ == "next" for t in tok.subtree)
