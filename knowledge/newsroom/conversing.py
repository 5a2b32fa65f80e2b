"""The reply to a message that is not a question about the news (``knowledge.conversation``
recognises it; the language check is ``knowledge.language``): a greeting, thanks, what the bot
can do, an article's summary, "who do you mean?", or "I understand English questions" in the
message's language. The bot and the CLI call ``Newsroom.converse`` before the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.conversation import ChatReply, Intent, Recognised, recognise
from knowledge.errors import UnknownArticleError
from knowledge.language import foreign_language, not_english_text
from knowledge.models import Answer, Article, DigestItem, ScoredFact, Turn
from knowledge.qa.reply import article_line

if TYPE_CHECKING:
    from knowledge.newsroom.facade import Newsroom

_CHOICES = 3  # articles offered when "this article" points at none


def converse(
    newsroom: Newsroom,
    text: str,
    *,
    context: Turn | Answer | None = None,
    user_language: str | None = None,
) -> ChatReply | None:
    """The reply to ``text`` when it is not a question about the news; None when it is one
    (for the engine), or when it is over the question limit (the engine's message says so)."""
    limit = newsroom.max_question_chars
    if not text.strip() or (limit is not None and len(text) > limit):
        return None
    previous = context.answer if isinstance(context, Turn) else context
    recognised = recognise(text, has_context=previous is not None and previous.answered)
    if recognised is not None:
        return _reply(newsroom, recognised, previous)
    language = foreign_language(text, user_language=user_language)
    if language is None or _names_an_entity(newsroom, text):
        return None
    used, said = not_english_text(language)
    return ChatReply(Intent.NOT_ENGLISH, said, tuple(newsroom.examples()), language=used)


ABILITIES_ONE = (
    "I answer questions about the {n} news article I have read, quoting the sentence that says "
    "so, and I tell you plainly when they don't say. Ask about people, places, dates and what "
    'was said, or for an article\'s summary ("summarise #1"). For example:'
)
ABILITIES_MANY = (
    "I answer questions about the {n} news articles I have read, quoting the sentence that says "
    "so, and I tell you plainly when they don't say. Ask about people, places, dates and what "
    'was said, or for an article\'s summary ("summarise #1"). For example:'
)


def _reply(newsroom: Newsroom, recognised: Recognised, previous: Answer | None) -> ChatReply:
    intent = recognised.intent
    if intent is Intent.GREETING:
        return ChatReply.said(
            intent,
            "Hello! Ask me about the news I have read, for example:",
            tuple(newsroom.examples()),
        )
    if intent is Intent.THANKS:
        return ChatReply.said(intent, "Glad to help! Ask me anything else about the news.")
    if intent is Intent.ABILITIES:
        count = len(newsroom.articles())
        template = ABILITIES_ONE if count == 1 else ABILITIES_MANY
        return ChatReply.said(intent, template, tuple(newsroom.examples()), n=count)
    if intent is Intent.WHO_MEANT:
        return ChatReply.said(
            intent,
            "Who do you mean? Ask me about someone by name, for example:",
            tuple(newsroom.examples()),
        )
    return _summary(newsroom, recognised, previous)


def _summary(newsroom: Newsroom, recognised: Recognised, previous: Answer | None) -> ChatReply:
    """The summary of the article asked for: by number, the latest, or the one the previous
    answer came from (the only one there is, else a choice)."""
    articles = newsroom.articles()
    if recognised.article_id is not None:
        try:
            article = newsroom.article(recognised.article_id)
        except UnknownArticleError:
            return ChatReply.said(
                Intent.SUMMARY,
                "There is no article #{id}. Ask for one of these:",
                _choices(articles),
                id=recognised.article_id,
            )
    elif recognised.latest and articles:
        article = max(articles, key=lambda a: (a.loaded_at, a.id))
    elif previous is not None and previous.fact is not None:
        article = newsroom.article(previous.fact.article_id)
    elif len(articles) == 1:
        article = articles[0]
    elif not articles:
        return ChatReply.said(Intent.SUMMARY, "I have not read any articles yet.")
    else:
        listed = "\n".join(article_line(a) for a in _latest(articles))
        return ChatReply.said(
            Intent.WHICH_ARTICLE,
            "Which article? Ask for one by its number; the latest are:\n{listed}",
            _choices(articles),
            listed=listed,
        )
    digest = newsroom.digest([article.id])
    if not digest.items:
        return ChatReply.said(Intent.SUMMARY, "I have nothing to say about #{id}.", id=article.id)
    item = digest.items[0]
    return ChatReply(
        Intent.SUMMARY,
        _summary_text(item),
        item=item,
        facts=tuple(ScoredFact(f, 1.0) for f in item.summary),
    )


def _summary_text(item: DigestItem) -> str:
    return f"{article_line(item.article)}\n" + " ".join(f.text for f in item.summary)


def _latest(articles: list[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.loaded_at, a.id))[-_CHOICES:][::-1]


def _choices(articles: list[Article]) -> tuple[str, ...]:
    return tuple(f"Summarise #{a.id}" for a in _latest(articles))


def _names_an_entity(newsroom: Newsroom, text: str) -> bool:
    """Whether the whole text is a name the articles know ("de Mistura", "Amman"): a name
    lookup, whatever language the model takes the name for."""
    said = text.strip(" ?!.").casefold()
    return any(
        said in {n.casefold() for n in (e.name, *e.aliases)} for e in newsroom.find_entities(text)
    )
