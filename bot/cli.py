"""The ``talks-bot`` command line: ask, chat, load, articles, who, remove, eval."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from knowledge import Answer, Article, ArticleDraft, Feed, Item, Newsroom, Turn

# Imports are made where a command needs them: `--help`, `articles`, `feeds list` and `health`
# answer in a fraction of a second, `remove` in about one, without spaCy, the engine or
# python-telegram-bot (tests/test_startup.py checks which modules they import).

EXIT_USAGE = 2
EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="talks-bot", description="Answers questions about news articles."
    )
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (TALKS_DATABASE_URL)")
    parser.add_argument("--model", metavar="NAME", help="spaCy pipeline (TALKS_SPACY_MODEL)")
    parser.add_argument(
        "--no-seed", action="store_true", help="don't load the bundled article into an empty store"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question, or one per line of stdin")
    ask.add_argument("question", nargs="*", help="the question (stdin when omitted)")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line)")

    sub.add_parser("chat", help="talk to the bot in the console (follow-ups included)")

    load = sub.add_parser(
        "load", help="load articles from web pages, files or folders, or - for stdin"
    )
    load.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="http(s) URLs, .txt .md .html .pdf files, folders (every file in them), or - for "
        "stdin; several are loaded in bulk, with a progress bar and a summary",
    )
    meta = load.add_argument_group("one article's metadata (one PATH only)")
    meta.add_argument("--title")
    meta.add_argument("--source")
    meta.add_argument("--date", type=_date, help="published date, YYYY-MM-DD")
    meta.add_argument("--url")

    run = sub.add_parser("run", help="start the Telegram bot (long polling by default)")
    run.add_argument(
        "--webhook", action="store_true", help="serve a webhook instead (TALKS_WEBHOOK_URL)"
    )
    sub.add_parser("health", help="exit 0 when the store opens and the scheduler ran lately")
    sub.add_parser("migrate", help="bring the store's schema up to date (and nothing else)")

    feeds = sub.add_parser("feeds", help="RSS/Atom feeds: list, add URL, remove ID, poll")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feeds_sub.add_parser("list", help="the feeds and their state")
    feeds_add = feeds_sub.add_parser("add", help="subscribe to a feed")
    feeds_add.add_argument("url")
    feeds_remove = feeds_sub.add_parser("remove", help="unsubscribe from a feed")
    feeds_remove.add_argument("id", type=int)
    feeds_sub.add_parser("poll", help="poll every feed now, once, and load new entries")

    sub.add_parser("articles", help="list the stored articles")
    who = sub.add_parser("who", help="what the articles say about a person, place or thing")
    who.add_argument("name", nargs="+")
    remove = sub.add_parser("remove", help="remove an article by id")
    remove.add_argument("id", type=int)
    ev = sub.add_parser("eval", help="score the engine on JSON-lines question sets")
    ev.add_argument("questions", type=Path, nargs="+", help="question sets, scored in one store")
    ev.add_argument("--details", action="store_true", help="print every question's result")
    ev.add_argument(
        "--corpus",
        type=Path,
        default=Path("..") / "shared" / "corpus",
        help="where the articles the questions name are (default ../shared/corpus)",
    )
    for p in (ask, load, who, ev):
        p.add_argument("--db", metavar="URL", dest="sub_db", help=argparse.SUPPRESS)
    return parser


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from bot.config import Settings
    from bot.logs import configure as configure_logging
    from knowledge import KnowledgeError

    try:
        settings = Settings()
    except ValidationError as e:
        print(f"talks-bot: bad setting: {e}", file=sys.stderr)
        return EXIT_USAGE
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB's future time periods, no warnings
    configure_logging(settings.log_level)
    url = getattr(args, "sub_db", None) or args.db or settings.database_url
    seed = settings.seed_article and not args.no_seed
    if args.command == "health":
        from bot.health import health

        return health(url, sys.stdout, replica=settings.replica_name)
    if args.command == "migrate":
        return cmd_migrate(url, sys.stdout)
    if args.command == "articles" or (args.command == "feeds" and args.feeds_command == "list"):
        quick = _listed(url, seed=seed, args=args)
        if quick is not None:
            return quick
    if args.command == "remove" or (args.command == "feeds" and args.feeds_command == "remove"):
        removed = _removed(url, seed=seed, args=args)
        if removed is not None:
            return removed
    if args.command == "load" and (problem := _load_problem(args)):
        print(f"talks-bot: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "load":  # a file or stdin is read first: bad input is told at once
        try:
            args.draft = _read_one(args)
        except KnowledgeError as e:
            print(f"talks-bot: {e}", file=sys.stderr)
            return EXIT_ERROR
        except FileNotFoundError as e:
            print(f"talks-bot: no such file: {e.filename}", file=sys.stderr)
            return EXIT_ERROR
        except OSError as e:  # a file it may not read, say
            print(f"talks-bot: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
            return EXIT_ERROR
    if args.command == "run":
        from bot.connect import reach_telegram
        from bot.service import run_problem

        problem = run_problem(settings, webhook=args.webhook)
        if problem:
            print(f"talks-bot: {problem}", file=sys.stderr)
            return EXIT_USAGE
        halt = reach_telegram(settings)  # before spaCy: a wrong token is told at once
        if halt is not None:
            if halt.message:
                print(f"talks-bot: {halt.message}", file=sys.stderr)
            return halt.status
    args.settings = settings
    from bot.domain import build_newsroom
    from bot.progress import bar

    try:
        newsroom = build_newsroom(
            settings, url, model=args.model or settings.spacy_model, seed=seed, progress=bar
        )
    except RuntimeError as e:
        print(f"talks-bot: {e}", file=sys.stderr)
        return EXIT_ERROR
    handler = _COMMANDS[args.command]
    try:
        return handler(newsroom, args, sys.stdout)
    except KnowledgeError as e:
        print(f"talks-bot: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `talks-bot ask ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


class Listing(Protocol):
    """What the listing commands read: a ``Newsroom``, or a ``Catalogue`` (no NLP)."""

    def articles(self) -> list[Article]: ...

    def feeds(self) -> list[Feed]: ...


def _listed(url: str, *, seed: bool, args: argparse.Namespace) -> int | None:
    """``articles`` or ``feeds list`` from the store's catalogue; None when the store needs
    the newsroom first (none yet, older, or not seeded), which then lists it."""
    from knowledge import open_catalogue

    catalogue = open_catalogue(url, seed=seed)
    if catalogue is None:
        return None
    try:
        if args.command == "articles":
            return cmd_articles(catalogue, args, sys.stdout)
        return _list_feeds(catalogue, sys.stdout)
    finally:
        catalogue.close()


def _removed(url: str, *, seed: bool, args: argparse.Namespace) -> int | None:
    """``remove`` or ``feeds remove`` straight from the store (no spaCy, no index); None when
    the store needs the newsroom first, which then removes the article or feed."""
    from knowledge import KnowledgeError, remove_feed_from_store, remove_from_store

    try:
        if args.command == "feeds":
            feed = remove_feed_from_store(url, args.id, seed=seed)
            if feed is None:
                return None
            _print_removed_feed(feed, sys.stdout)
            return 0
        article = remove_from_store(url, args.id, seed=seed)
        if article is None:
            return None
        _print_removed(article, sys.stdout)
        return 0
    except KnowledgeError as e:
        print(f"talks-bot: {e}", file=sys.stderr)
        return EXIT_ERROR


def _answer_json(answer: Answer) -> str:
    return json.dumps(
        {
            "question": answer.question,
            "answered": answer.answered,
            "answer": answer.short if answer.answered else None,
            "reply": answer.reply,
            "facts": [
                {"text": f.fact.text, "article_id": f.fact.article_id, "score": f.score}
                for f in answer.facts
            ],
            "confidence": answer.confidence,
            "tentative": answer.tentative,
        },
        ensure_ascii=False,
    )


def respond(newsroom: Newsroom, question: str, *, context: Turn | None = None) -> Answer:
    """What the bot would reply: small talk, a summary or "I understand English" where the
    message is one (``Newsroom.converse``), else the engine's answer."""
    said = newsroom.converse(question, context=context)
    if said is not None:
        return said.as_answer(question)
    return newsroom.answer(question, context=context)


def cmd_ask(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    """Answer questions; like chat's, they are not logged (the question journal holds the bot's
    users' questions, for /stats and the answer buttons)."""
    questions = (
        [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    )
    for q in questions:
        if not args.question and not q.strip():
            continue
        answer = respond(newsroom, q)
        print(_answer_json(answer) if args.json else answer.reply, file=out, flush=True)
    return 0


def cmd_chat(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    from knowledge import Turn

    print("Ask me about the news articles I have (empty line or Ctrl-D to quit).", file=out)
    turn: Turn | None = None
    while True:
        try:
            q = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return 0
        if not q.strip():
            return 0
        answer = respond(newsroom, q, context=turn)
        print("bot> " + answer.reply.replace("\n", "\n     "), file=out, flush=True)
        if answer.answered:
            turn = Turn(q, answer)


def _load_problem(args: argparse.Namespace) -> str | None:
    """Why ``load``'s arguments cannot work, before any article is read."""
    one = len(args.paths) == 1 and not Path(args.paths[0]).is_dir()
    if "-" in args.paths and len(args.paths) > 1:
        return "- (stdin) is one article: give it alone"
    if not one and any(v is not None for v in (args.title, args.source, args.date, args.url)):
        return "--title, --source, --date and --url describe one article: give one PATH"
    return None


def _read_one(args: argparse.Namespace) -> ArticleDraft | None:
    """``load``'s one file or stdin read into a draft, before the newsroom (spaCy, the index)
    opens: an empty, short or missing one is refused in a fraction of a second. None for a
    web page (fetched within the newsroom's limits) and for several items (read in bulk)."""
    from knowledge import DOCUMENT_FORMATS, decode, read_article, read_document

    path = args.paths[0]
    if len(args.paths) > 1 or Path(path).is_dir() or "://" in path:
        return None
    meta = {"title": args.title, "source": args.source, "url": args.url, "published": args.date}
    if path == "-":
        return read_article(decode(sys.stdin.buffer.read()), **meta)
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(file))
    data = file.read_bytes()
    if file.suffix.lower() in DOCUMENT_FORMATS:
        return read_document(data, filename=file.name, **meta)
    return read_article(decode(data), **meta)  # no telling suffix: HTML, Markdown or text


def cmd_load(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    """One article as before (its metadata may be given); several, or a folder, in bulk."""
    path = args.paths[0]
    if args.draft is not None:
        article = newsroom.load_draft(args.draft)
    elif "://" in path:  # a web page; fetch refuses schemes other than http(s)
        meta = {
            "title": args.title,
            "source": args.source,
            "url": args.url,
            "published": args.date,
        }
        article = newsroom.load_url(path, **meta)
    else:
        return _load_bulk(newsroom, args.paths, out)
    _print_loaded(newsroom, article, out)
    return 0


def _load_bulk(newsroom: Newsroom, paths: Sequence[str], out: TextIO) -> int:
    """Load in bulk with a progress bar; then every copy and refusal with its reason, and the
    counts. 1 when something was refused (a copy is not a failure: loading a folder again is
    how new files in it are picked up)."""
    from bot.progress import bar
    from knowledge import load_items

    bulk = load_items(newsroom, paths, progress=bar)
    for item, why in bulk.duplicates:
        print(f"duplicate  {item}: {why}", file=out)
    for item, why in bulk.refused:
        print(f"refused    {item}: {why}", file=out)
    total = len(bulk.loaded) + len(bulk.duplicates) + len(bulk.refused)
    print(
        f"{total} items: {len(bulk.loaded)} loaded, {len(bulk.duplicates)} duplicates, "
        f"{len(bulk.refused)} refused.",
        file=out,
    )
    return EXIT_ERROR if bulk.refused else 0


def cmd_feeds(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    action = args.feeds_command
    if action == "add":
        feed = newsroom.add_feed(args.url)
        print(f"Added feed #{feed.id}: {feed.title or feed.url}", file=out)
    elif action == "remove":
        _print_removed_feed(newsroom.remove_feed(args.id), out)
    elif action == "poll":
        from bot.progress import bar

        for result in newsroom.poll_feeds(due_only=False, progress=bar):
            state = "not modified" if result.not_modified else result.error or "ok"
            print(
                f"#{result.feed_id}: {len(result.loaded)} loaded, {result.duplicates} "
                f"duplicates, {result.failed} failed ({state})",
                file=out,
            )
    else:
        return _list_feeds(newsroom, out)
    return 0


def _print_removed_feed(feed: Feed, out: TextIO) -> None:
    print(f"Removed feed #{feed.id}: {feed.url}", file=out)


def _list_feeds(listing: Listing, out: TextIO) -> int:
    feeds = listing.feeds()
    if not feeds:
        print("No feeds yet. Add one with: talks-bot feeds add URL", file=out)
    for f in feeds:
        polled = f.polled_at.isoformat(timespec="minutes") if f.polled_at else "never"
        trouble = f", {f.failures} failures: {f.last_error}" if f.failures else ""
        print(f"#{f.id}  {f.url}  {f.title or ''}  (polled {polled}{trouble})", file=out)
    return 0


def _print_loaded(newsroom: Newsroom, article: Article, out: TextIO) -> None:
    facts = newsroom.facts_of(article.id)
    entities = {e for f in facts for e in f.entity_ids}
    print(
        f"Loaded #{article.id}: {article.title} — {len(facts)} facts, {len(entities)} entities.",
        file=out,
    )


def cmd_articles(listing: Listing, args: argparse.Namespace, out: TextIO) -> int:
    articles = listing.articles()
    if not articles:
        print("No articles yet. Load one with: talks-bot load FILE", file=out)
    for a in articles:
        print(
            f"#{a.id}  {a.published.isoformat()}  {a.title}  ({a.fact_count} facts"
            f"{', ' + a.source if a.source else ''})",
            file=out,
        )
    return 0


def cmd_who(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    answer = newsroom.who(" ".join(args.name))
    print(answer.reply, file=out)
    return 0 if answer.answered else EXIT_ERROR


def cmd_remove(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    _print_removed(newsroom.remove(args.id), out)
    return 0


def _print_removed(article: Article, out: TextIO) -> None:
    from knowledge import article_line

    print(f"Removed {article_line(article)}.", file=out)


def cmd_eval(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    """Score question sets in one store: the articles they name are loaded first (with the
    seed), so every set is answered among all the others' articles."""
    from knowledge import DuplicateArticleError, decode, evaluate, read_items, table

    sets: dict[str, list[Item]] = {}
    for path in args.questions:
        if not path.is_file():
            print(f"talks-bot: no such file: {path}", file=sys.stderr)
            return EXIT_ERROR
        try:
            sets[path.stem] = read_items(path)
        except ValueError as e:
            print(f"talks-bot: {e}", file=sys.stderr)
            return EXIT_ERROR
    named = sorted({i.article for items in sets.values() for i in items if i.article})
    missing = [a for a in named if not (args.corpus / a).is_file()]
    if missing:
        print(f"talks-bot: not in {args.corpus}: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    for name in named:
        try:
            newsroom.load_text(decode((args.corpus / name).read_bytes()), source=name)
        except DuplicateArticleError as e:  # stored by an earlier run on this store, or a copy
            print(f"talks-bot: {name}: {e}", file=sys.stderr)
    reports = {}
    for name, items in sets.items():
        # as the bot answers: a question taken for small talk would count as declined here
        reports[name] = report = evaluate(items, lambda q, c: respond(newsroom, q, context=c))
        if args.details:
            for o in report.outcomes:
                print(json.dumps(o.row(name), ensure_ascii=False), file=out)
    if len(reports) == 1:
        print(next(iter(reports.values())).summary(), file=out)
    else:
        print(table(reports), file=out)
    return 0


def cmd_migrate(url: str, out: TextIO) -> int:
    """``talks-bot migrate``: the schema alone (before replicas of a new version start)."""
    from knowledge import StoreBusyError, migrate_store

    try:
        before, after = migrate_store(url)
    except StoreBusyError as e:
        print(f"talks-bot: {e}", file=sys.stderr)
        return EXIT_ERROR
    if before == after:
        print(f"the store is at revision {after} already", file=out)
    else:
        print(f"the store is at revision {after} (was {before or 'new'})", file=out)
    return 0


def cmd_run(newsroom: Newsroom, args: argparse.Namespace, out: TextIO) -> int:
    from bot.service import serve

    return serve(newsroom, args.settings, webhook=args.webhook)


_COMMANDS = {
    "run": cmd_run,
    "feeds": cmd_feeds,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "load": cmd_load,
    "articles": cmd_articles,
    "who": cmd_who,
    "remove": cmd_remove,
    "eval": cmd_eval,
}

if __name__ == "__main__":
    raise SystemExit(main())
