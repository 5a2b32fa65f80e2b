"""Plain-text replies shared by the CLI and the bot (the bot renders its own HTML from the same
parts)."""

from __future__ import annotations

import datetime as dt

from knowledge.models import Article, Fact, ScoredFact

DECLINE = "The articles I have don't say."
UNSURE = "I'm not sure, but the articles may say:"  # above an answer given tentatively


def article_line(article: Article, *, under: str | None = None) -> str:
    """The article's title, date and id; without the title when the sentence shown ``under``
    it opens with it (``repeats_title``)."""
    if under is not None and repeats_title(article, under):
        return f"{article.source or 'Article'} ({format_date(article.published)}, #{article.id})"
    return f"{article.title} ({format_date(article.published)}, #{article.id})"


def repeats_title(article: Article, sentence: str) -> bool:
    """Whether the title is only the sentence cut short: an article read without a headline
    is titled by its lead, and a line under the lead would say it twice."""
    head = " ".join(article.title.rstrip("…").rstrip(".").split()).casefold()
    return bool(head) and " ".join(sentence.split()).casefold().startswith(head)


def format_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def resolved_note(fact: Fact, short: str | None) -> str:
    """ "Friday (14 July 2017)": a relative date answer with the date it stands for."""
    if not short:
        return ""
    for sp in fact.spans:
        if (
            sp.resolved
            and sp.text in short
            and any(ch.isalpha() for ch in sp.text)
            and sp.resolved[:4] not in short
        ):
            return f" ({_pretty(sp.resolved)})"
    return ""


def format_resolved(iso: str) -> str:
    """A resolved date as said: "2017-07" → "July 2017", "week of 2017-07-10" → "the week of
    10 July 2017"."""
    return _pretty(iso)


def _pretty(iso: str) -> str:
    if iso.startswith("week of "):
        return "the week of " + _pretty(iso.removeprefix("week of "))
    try:
        if len(iso) == 10:
            return format_date(dt.date.fromisoformat(iso))
        if len(iso) == 7:
            return dt.date.fromisoformat(iso + "-01").strftime("%B %Y")
    except ValueError:
        return iso
    return iso


def answer_text(
    short: str | None, best: ScoredFact, article: Article, *, tentative: bool = False
) -> str:
    lines = [UNSURE] if tentative else []
    if short:
        lines.append(short + resolved_note(best.fact, short))
    lines.append(f"“{best.fact.text}”")
    lines.append(f"— {article_line(article, under=best.fact.text)}")
    return "\n".join(lines)


def decline_text(suggestions: list[str]) -> str:
    if not suggestions:
        return DECLINE
    closest = "\n".join(f"• {s}" for s in suggestions)
    return f"{DECLINE} The closest facts I have:\n{closest}"
