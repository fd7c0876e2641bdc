"""`broadsheet scrape`, `add` and `resolve`, registered on the CLI by add_commands()."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from generator import options
from generator.config import MAX_DAYS, SiteConfig, load_config
from generator.console import Notice, report, result
from generator.errors import UserError
from generator.scrape.arxiv import ID_FORMS, OLD_STYLE_ID, split_ids
from generator.scrape.client import ClientSettings, Fetcher
from generator.scrape.window import TODAY_ENV, Window, daily_window, span, today

if TYPE_CHECKING:  # imported where used: they take most of the start-up of every command (bs4)
    from generator.scrape.run import Scrape
    from generator.scrape.sources import Endpoints

SOURCE_ENV = "BROADSHEET_SOURCE_URL"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = options.command(
        subparsers,
        "scrape",
        "fetch Daily Papers into content/ (default: missed and recent days)",
        "broadsheet scrape",
        "broadsheet scrape --date 2025-10-29",
        "broadsheet scrape --since 2025-10-01 --until 2025-10-07",
        "broadsheet scrape --query 'speech recognition'",
        description="Fetch Daily Papers into content/. Without --date, --since or --query: "
        "every day from the newest listed day in content/ through today (UTC, or "
        f"${TODAY_ENV}), at most catch_up_days back, plus the last refresh_days "
        "(site.yaml).",
    )
    _common(p)
    when = p.add_mutually_exclusive_group()
    # today and yesterday are UTC days, by the clock the daily window counts from (window.today)
    when.add_argument(
        "--date", type=options.day("--date", today), metavar="DAY", help="one day: YYYY-MM-DD, today or yesterday (UTC)"
    )
    when.add_argument(
        "--since",
        type=options.day("--since", today),
        metavar="DAY",
        help="a backfill from this day: YYYY-MM-DD, today or yesterday (UTC)",
    )
    p.add_argument(
        "--until",
        type=options.day("--until", today),
        metavar="DAY",
        help="last day of the backfill, inclusive: YYYY-MM-DD, today or yesterday (default: today, UTC)",
    )
    p.add_argument("--query", type=_query, help="a Daily Papers search instead of days")
    p.add_argument(
        "--refresh-days",
        type=options.whole_number("--refresh-days", 1, MAX_DAYS),
        default=None,
        metavar="N",
        help=f"also re-fetch the last N days (1 to {MAX_DAYS}), so that upvotes and comment counts stay current "
        "(default without day options: the config's refresh_days)",
    )
    p.set_defaults(func=cmd_scrape)
    p = options.command(
        subparsers,
        "add",
        "add or refresh single papers by arXiv id",
        "broadsheet add 2509.24002",
        "broadsheet add arXiv:2509.24002v2 https://arxiv.org/abs/2310.00653",
    )
    _common(p)
    p.add_argument(
        "ids",
        nargs="+",
        metavar="ID",
        help="arXiv ids (2509.24002, arXiv:2509.24002v2, an arxiv.org or huggingface.co/papers URL; "
        "several per argument with commas)",
    )
    p.set_defaults(func=cmd_add)
    p = options.command(
        subparsers,
        "resolve",
        "find the arXiv id of papers that lack one, by their exact title",
        "broadsheet resolve",
        "broadsheet resolve --limit 10",
        "broadsheet resolve --content ../papers --no-progress",
    )
    _common(p, options.existing_folder("content folder"))  # nothing to resolve in a folder not there
    p.add_argument(
        "--limit",
        type=options.whole_number("--limit", 1),
        default=None,
        metavar="N",
        help="look up at most N papers (a different share each day; default: all)",
    )
    p.set_defaults(func=cmd_resolve)


def _query(given: str) -> str:
    """--query: words to search for; an empty one would fetch the default days instead."""
    if not options.text("--query")(given).strip():
        raise UserError("an empty search: give the words to search for", "--query")
    return given


def _common(p: argparse.ArgumentParser, content: Callable[[str], Path] | None = None) -> None:
    options.add_paths(p, content or options.new_or_existing_folder("content folder"))
    p.add_argument("--source-url", help=f"Hugging Face base URL (default: ${SOURCE_ENV}, else the config's source_url)")
    p.add_argument("--arxiv-url", help="arXiv API base URL (default: the config's arxiv_url)")
    defaults = ClientSettings()
    p.add_argument(
        "--concurrency",
        type=options.whole_number("--concurrency", 1),
        default=defaults.concurrency,
        help="requests in flight (default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=options.seconds("--timeout"),
        default=defaults.timeout,
        help="seconds per request (default: %(default)s)",
    )
    p.add_argument(
        "--deadline",
        type=options.seconds("--deadline"),
        default=defaults.deadline,
        metavar="SECONDS",
        help="for the whole run: then what was fetched is written, the rest fails (default: %(default)s)",
    )
    p.add_argument(
        "--retries",
        type=options.whole_number("--retries", 0),
        default=defaults.retries,
        help="retries per request (default: %(default)s)",
    )
    p.add_argument(
        "--backoff",
        type=options.seconds("--backoff", zero=True),
        default=defaults.backoff,
        help="first retry pause in seconds, doubled each time (default: %(default)s)",
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def scrape_days(
    args: argparse.Namespace, today: dt.date, newest: dt.date | None = None, config: SiteConfig | None = None
) -> Window:
    """The days a `scrape` asks for: --date, --since/--until, or (no day options) the daily window
    from the archive's `newest` listed day; plus --refresh-days."""

    if args.until and not args.since:
        raise UserError("--until needs --since", "scrape")
    if not (args.since or args.date or args.query):
        config = config or SiteConfig()
        return daily_window(today, newest, config.catch_up_days, args.refresh_days or config.refresh_days)
    for option, day in (("--date", args.date), ("--since", args.since)):  # --until a later day: through today
        if day and day > today:
            raise UserError(f"{day} is after today, {today} (UTC)", option)
    days = []
    if args.since:
        days = span(args.since, min(args.until or today, today))
        if not days:
            raise UserError(f"--since {args.since} is after --until {args.until or today}", "scrape")
    elif args.date:
        days = [args.date]
    refresh = span(today - dt.timedelta(days=args.refresh_days - 1), today) if args.refresh_days else []
    return Window(tuple(sorted(set(days) | set(refresh))))


def cmd_scrape(args: argparse.Namespace) -> int:
    now = today()
    if args.until and not args.since:  # before any request
        raise UserError("--until needs --since", "scrape")
    with _session(args) as scrape:
        window = scrape_days(args, now, scrape.newest_listed(), scrape.config)
        if args.query:
            scrape.query(args.query)
        if window.days:
            scrape.days(list(window.days))
        if note := window.gap_note():
            scrape.tally.notes.append(note)
        return report_run(args, scrape.tally, scrape.tally.failures, scrape.tally.notes)


def cmd_add(args: argparse.Namespace) -> int:
    ids = _arxiv_ids(args.ids)
    with _session(args) as scrape:
        scrape.add(ids)
        return report_run(args, scrape.tally, scrape.tally.failures, scrape.tally.notes)


def _arxiv_ids(given: list[str]) -> list[str]:
    """The ids `add` was given, or a UserError naming each it cannot read, before any request: one line
    and exit 1, as for every mistake of the user's."""
    ids, bad = split_ids(given)
    if bad:
        old = " (ids from before 2007 are not on Daily Papers)" if any(OLD_STYLE_ID.match(b) for b in bad) else ""
        raise UserError(f"not an arXiv id: {', '.join(map(repr, bad))}{old}; give {ID_FORMS}", "add")
    return ids


def cmd_resolve(args: argparse.Namespace) -> int:
    from generator.scrape.resolve import resolve, unresolved

    turn = today().toordinal()
    with _session(args) as scrape:
        done = resolve(scrape, unresolved(scrape, args.limit, turn))
    for line in done.renamed:
        print(f"resolved: {line}")
    for line in done.unmatched:
        print(f"left alone: {line}")
    return report_run(args, done, done.failures)


class _session:
    """A Scrape with its HTTP client, closed at the end."""

    def __init__(self, args: argparse.Namespace) -> None:
        from generator.scrape.run import Scrape

        config = load_config(args.config, root=Path("."))
        report(config.warnings)
        settings = dataclasses.replace(
            ClientSettings(),
            concurrency=args.concurrency,
            timeout=args.timeout,
            retries=args.retries,
            backoff=args.backoff,
            deadline=args.deadline,
        )
        self.fetcher = Fetcher(settings)
        self.scrape = Scrape(args.content, config, self.fetcher, endpoints(args, config), progress=args.progress)

    def __enter__(self) -> Scrape:
        return self.scrape

    def __exit__(self, *exc: object) -> None:
        self.fetcher.close()


def endpoints(args: argparse.Namespace, config: SiteConfig) -> Endpoints:
    """--source-url, else $BROADSHEET_SOURCE_URL, else site.yaml; --arxiv-url, else site.yaml."""
    from generator.scrape.sources import Endpoints

    source = args.source_url or os.environ.get(SOURCE_ENV, "").strip() or config.source_url
    return Endpoints(source_url=source, arxiv_url=args.arxiv_url or config.arxiv_url)


def report_run(args: argparse.Namespace, summary: object, failures: list[str], notes: list[str] | None = None) -> int:
    """The end of a run: its notes as warnings, its failures (with their URL and status) as errors,
    then the count of papers (`summary`); 1 if anything failed."""
    notices = [Notice(f"warning: {note}", is_error=False) for note in notes or ()]
    status = report(notices + [Notice(f"failed: {failure}") for failure in failures])
    result(args, f"papers: {summary}")
    return status
