"""The words extraction reads people and speech by: role nouns, speech verbs, name particles and
honorifics, and whether a token names a person."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Token

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
PARTICLES = frozenset(
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


_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "prof", "professor"})


def honorific(word: str) -> bool:
    return word.lower().rstrip(".") in _HONORIFICS


# Nouns for people by their ending ("psychologist", "striker", "chancellor", "historian").
_PERSON_ENDINGS = ("ist", "er", "or", "ian", "ant", "ent", "man", "woman", "person")


def names_a_person(tok: Token) -> bool:
    """A lowercase noun for a person: a role ("envoy") or one ending like one ("daughter",
    "psychologist")."""
    word = tok.lower_
    return tok.pos_ == "NOUN" and (
        word in ROLE_NOUNS or tok.lemma_.lower() in ROLE_NOUNS or ends_like_a_person(tok)
    )


def ends_like_a_person(tok: Token) -> bool:
    """ "Sports psychologist Hugh Richards": a lowercase noun right before a person's name that
    ends like a noun for a person is a title too."""
    word = tok.lower_
    return tok.pos_ == "NOUN" and tok.text.islower() and word.endswith(_PERSON_ENDINGS)


def has_role(tokens: Sequence[Token]) -> bool:
    return any(t.lower_ in ROLE_NOUNS or t.lemma_.lower() in ROLE_NOUNS for t in tokens)


# The tense of a date's clause. Words that put an event on a timetable when their clause is in
# the present: "is due to", "is expected to", "is set for", "is scheduled for", "plans to",
# "intends to", "are going to" (``go`` counts only as a progressive: "are going to protest").
# ``be`` counts only with an infinitive ("is to meet"): the others count with one ("is due to be
# taken") or alone ("the vote is due on Wednesday", "is scheduled for Thursday").
SCHEDULING_WORDS = frozenset(["due", "expect", "set", "schedule", "plan", "intend", "go", "be"])
# Verbs whose simple present with a date is a timetable, not a habit or the past: "talks resume
# on Monday", "the round begins on 1 September", "parliament votes on Wednesday", "the law takes
# effect on 1 January".
TIMETABLE_VERBS = frozenset(
    [
        "begin",
        "start",
        "resume",
        "open",
        "close",
        "end",
        "finish",
        "meet",
        "convene",
        "reconvene",
        "vote",
        "arrive",
        "leave",
        "depart",
        "return",
        "expire",
        "launch",
        "kick",
        "take",
    ]
)
# Prepositions that, in a present-tense clause, bound a time still to come: "the ban applies
# from Monday", "the offer stands until Friday".
BOUNDING_PREPOSITIONS = frozenset(["from", "until", "till"])
# Modals of the future ("will be convened in September", "said he would meet them on Friday").
FUTURE_MODALS = frozenset(["will", "shall", "'ll", "wo", "would", "'d"])
