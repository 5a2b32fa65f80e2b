"""The domain's own words in the chat's language.

``knowledge`` speaks English only and imports neither Telegram nor Babel: an error keeps the
template of its message and what filled it (``KnowledgeError.template``, ``.params``), and so
does a reply to small talk (``ChatReply.template``, ``.params``). Here those templates are looked
up in the catalogs and filled the same way. Each msgid below is a template the domain uses
(``tests/test_i18n.py`` checks that each still is one); a template not listed stays English.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers import i18n
from handlers.i18n import N_, Translate
from knowledge import ChatReply, Intent, KnowledgeError


def _abilities(language: str, n: int) -> str:
    """What the bot can do, with the number of articles it has read."""
    return i18n.ngettext(
        language,
        "I answer questions about the {n} news article I have read, quoting the sentence that "
        "says so, and I tell you plainly when they don't say. Ask about people, places, dates "
        'and what was said, or for an article\'s summary ("summarise #1"). For example:',
        "I answer questions about the {n} news articles I have read, quoting the sentence that "
        "says so, and I tell you plainly when they don't say. Ask about people, places, dates "
        'and what was said, or for an article\'s summary ("summarise #1"). For example:',
        n,
    )


ABILITIES = (_abilities(i18n.DEFAULT, 1), _abilities(i18n.DEFAULT, 2))
"""Its two English forms: the templates ``knowledge`` picks between by the number."""

MESSAGES = (
    # small talk and the newsroom's replies (knowledge.newsroom.conversing)
    N_("Hello! Ask me about the news I have read, for example:"),
    N_("Glad to help! Ask me anything else about the news."),
    N_("Who do you mean? Ask me about someone by name, for example:"),
    N_("There is no article #{id}. Ask for one of these:"),
    N_("I have not read any articles yet."),
    N_("Which article? Ask for one by its number; the latest are:\n{listed}"),
    N_("I have nothing to say about #{id}."),
    # a question that cannot be asked (knowledge.qa.question)
    N_("Please ask a question, for example: who is de Mistura?"),
    N_("That does not look like a question (it holds binary data)."),
    N_("Please ask a question in words, for example: when is the next round?"),
    N_(
        "That message is too long ({chars} characters). Please ask one short question "
        "(at most {limit} characters)."
    ),
    # /who of a name the articles do not have (knowledge.qa.engine)
    N_("I don't know anyone or anything called “{name}”."),
    N_("Sorry, I can only answer questions in English."),
    # times, places and pauses (knowledge.schedule)
    N_("{text} is not a time: write it as HH:MM, e.g. 08:30."),
    N_("{text} is not a time: write it as 8am, 7:30pm or 20:00."),
    N_("{text} is not a time: a 12-hour clock goes from 1 to 12."),
    N_("{text} is not a timezone."),
    N_(
        "I don't know the timezone {text}: use an IANA name such as Europe/London or "
        "America/New_York."
    ),
    N_("Give one time, e.g. 8am or 20:00."),
    N_("{text} is not a length of time: write it as 7d, 2w or 12h."),
    N_("A pause lasts from an hour to a year."),
    # articles (knowledge.storage, knowledge.newsroom)
    N_("There is no article #{id}."),
    N_("This article is already stored as #{id}."),
    N_("This looks like article #{id} again ({share} of the shorter text is the same)."),
    # reading an article (knowledge.ingest.reading)
    N_("The article is empty."),
    N_("This looks like a binary file, not an article."),
    N_("This looks like binary data, not an article."),
    N_("The input is too long ({chars} characters; the limit is {limit})."),
    N_("The article is too long ({chars} characters; the limit is {limit})."),
    N_("This is too short to be an article ({words} words; at least {needed} needed)."),
    N_("This does not read as prose (too few letters)."),
    N_("This does not look like an English article."),
    N_("This has no sentences: it does not read as an article."),
    N_("No article text was found in this page."),
    N_(
        "This PDF has no text to read: it may be a scan (images of pages). "
        "Only PDFs with a text layer can be read."
    ),
    N_("The PDF file is empty."),
    N_("This is not a PDF file."),
    N_("This PDF could not be read: the file is damaged or incomplete."),
    N_("This PDF is protected by a password; send an unprotected copy."),
    N_("The PDF has no pages."),
    N_("This PDF is too long to be an article ({pages} pages; the limit is {limit})."),
    # fetching a link (knowledge.ingest.fetch)
    N_("Could not find {host}: no such site."),
    N_("This link has no http:// or https:// in front."),
    N_("Links with a user name or password in them are not fetched."),
    N_("This link has no site name in it."),
    # feeds (knowledge.ingest.feeds)
    N_("That is not an RSS or Atom feed."),
    N_("That is not an RSS or Atom feed ({reason})."),
    N_("That feed is already #{id}."),
    N_("There is no feed #{id}."),
)


def filled(template: str, params: Mapping[str, object], *, tr: Translate) -> str:
    """A domain template in the chat's language, filled with its parameters."""
    if template in ABILITIES:  # the number decides the form, by the language's plural rules
        n = params.get("n")
        text = _abilities(tr.language, n if isinstance(n, int) else 0)
    else:
        text = tr(template) if template else template
    return text.format(**params) if params else text


def error_text(error: KnowledgeError, *, tr: Translate) -> str:
    """A domain error's message (plain text) in the chat's language."""
    return filled(error.template, error.params, tr=tr)


def chat_text(said: ChatReply, *, tr: Translate) -> str:
    """A reply to small talk (plain text) in the chat's language; "I understand English
    questions" is already in the language the message was written in."""
    if said.intent is Intent.NOT_ENGLISH or said.template is None:
        return said.text
    return filled(said.template, said.params, tr=tr)
