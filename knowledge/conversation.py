"""What a message says when it is not a question about the news: a greeting, thanks, "what can
you do?", a request for an article's summary, or a follow-up with nobody to follow.

``recognise`` is pure and strict: a message is one of these only when the whole of it matches
(after case, spaces and end punctuation are set aside), so a real question ("what do you know
about Syria?", "what was the meeting about?") is never taken for one. The newsroom turns what is
recognised into a ``ChatReply`` (``knowledge.newsroom.conversing``), which the bot and the CLI
show alike.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from knowledge.models import Answer, DigestItem, ScoredFact


class Intent(enum.StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    ABILITIES = "abilities"
    SUMMARY = "summary"  # of an article: by number, the latest, or the one being talked about
    WHO_MEANT = "who_meant"  # "what did he say?" with nothing before it
    WHICH_ARTICLE = "which_article"  # "what is this article about?" with nothing before it
    NOT_ENGLISH = "not_english"


@dataclass(frozen=True, slots=True)
class Recognised:
    """A recognised message; for a summary, which article: a number, the latest, or "this"."""

    intent: Intent
    article_id: int | None = None
    latest: bool = False


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The reply to a message that is not a question about the news.

    ``text`` is plain (the CLI prints it; the bot escapes it), ``examples`` are questions to
    offer (the bot's buttons), ``item`` the article summarised, ``language`` what ``text`` is
    written in. ``template`` and ``params``, where set, are what ``text`` was filled from, so
    the bot can say it in its user's language (the domain speaks English only)."""

    intent: Intent
    text: str
    examples: tuple[str, ...] = ()
    item: DigestItem | None = None
    language: str = "en"
    facts: tuple[ScoredFact, ...] = field(default=())
    template: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def said(
        cls, intent: Intent, template: str, examples: tuple[str, ...] = (), **params: object
    ) -> ChatReply:
        """A reply in English, filled from ``template`` with ``params`` (both kept)."""
        text = template.format(**params) if params else template
        return cls(intent, text, examples, template=template, params=params)

    @property
    def plain(self) -> str:
        """The text with its examples, one a line (what the CLI prints)."""
        return "\n".join([self.text, *(f"  • {q}" for q in self.examples)])

    def as_answer(self, question: str) -> Answer:
        """The reply in the engine's shape (``talks-bot ask --json``, the evaluation): an
        article's summary counts as answered, with its sentences as the facts."""
        item = self.item
        return Answer(
            question=question,
            answered=item is not None,
            short=None,
            facts=self.facts,
            confidence=1.0 if item is not None else 0.0,
            reply=self.plain,
            articles={item.article.id: item.article} if item is not None else {},
        )


def _whole(*alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{'|'.join(alternatives)})$")


_GREETING = _whole(
    r"(?:hi|hello|hey|hiya|howdy|greetings|yo|good (?:morning|afternoon|evening|day))"
    r"(?: there| bot| everyone| all)?",
    r"how are you(?: doing)?(?: today)?",
    r"what'?s up",
)
_THANKS = _whole(
    r"(?:(?:ok|okay|great|perfect|cool|nice|good|awesome|brilliant),? )?"
    r"(?:thanks|thank you|thank u|thx|ty|cheers|many thanks)"
    r"(?: (?:a lot|so much|very much|again|for (?:that|this|the answer|your help)))?",
    r"(?:ok|okay|great|perfect|cool|nice|awesome|got it|understood|i see)",
)
_ABILITIES = _whole(
    r"what (?:can|do|else can) you do",
    r"what are you(?: for)?",
    r"who are you",
    r"help",
    r"how do(?:es)? (?:this|it|you) work",
    r"how (?:do|can|should) i use (?:this|this bot|you)",
    r"what (?:can|should) i ask(?: you)?",
    r"what do you know",
    r"what are you able to do",
)
# Which article: "#3", "article 3", "the latest article", "this article", "it".
_NUMBER = r"(?:article |story )?(?:#|no\.? ?|number )?(?P<id>\d{1,9})"
_LATEST = r"(?:the )?(?P<latest>latest|last|newest|most recent)(?: article| story| one| news)?"
_THIS = r"(?P<this>(?:this|that|the)(?: article| story| piece| news| text)|it|this|that)"
_REF = rf"(?:{_NUMBER}|{_LATEST}|{_THIS})"
_SUMMARY = tuple(  # one pattern per form: a group name may appear once in each
    _whole(form)
    for form in (
        rf"(?:please )?(?:summari[sz]e|sum up|give me a summary of|a summary of|summary of|"
        rf"summary for|tl;? ?dr(?: of)?|brief me on)(?: {_REF})?(?: please)?",
        r"(?:a )?summary(?: please)?",
        rf"what(?:'s| is| was) {_REF} about",
        rf"what does {_REF} say",
        rf"(?:tell me )?what {_REF} (?:is|was) about",
    )
)


# A follow-up that only points at someone: every other word is one of these.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PERSON_PRONOUNS = _words("he she him her his hers")
_FOLLOW_UP_WORDS = _words(
    "what who whom where when why how which did does do is was are were has had have will would "
    "could can say said tell told mean meant think thought want wanted like about of to the a an "
    "in on at from for with that this it them they then now really exactly else again also just "
    "so and or mention mentioned claim claimed announce announced"
)
_TOKEN = re.compile(r"[a-z0-9#']+(?:[-'][a-z0-9]+)*")


def normalise(text: str) -> str:
    """Lower case, single spaces, typographic apostrophes plain, no end punctuation."""
    text = " ".join(text.casefold().replace("’", "'").split())
    return text.strip(" ?!.,;:…").strip()


def recognise(text: str, *, has_context: bool = False) -> Recognised | None:
    """The intent of a message that is not a question about the news, or None (it is one).

    ``has_context``: the chat has a previous answer, which "he", "it" and "this article" may
    point at."""
    said = normalise(text)
    if not said:
        return None
    if _GREETING.match(said):
        return Recognised(Intent.GREETING)
    if _THANKS.match(said):
        return Recognised(Intent.THANKS)
    if _ABILITIES.match(said):
        return Recognised(Intent.ABILITIES)
    for form in _SUMMARY:
        if m := form.match(said):
            number, latest = m.groupdict().get("id"), m.groupdict().get("latest")
            if number is not None:
                return Recognised(Intent.SUMMARY, article_id=int(number))
            return Recognised(Intent.SUMMARY, latest=latest is not None)
    if not has_context:
        words = _TOKEN.findall(said)
        if not _PERSON_PRONOUNS.isdisjoint(words) and all(
            w in _PERSON_PRONOUNS or w in _FOLLOW_UP_WORDS for w in words
        ):
            return Recognised(Intent.WHO_MEANT)
    return None
