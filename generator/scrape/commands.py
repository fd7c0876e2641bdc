"""`broadsheet scrape` and `broadsheet add`, registered on the lead's CLI by add_commands()."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.config import SiteConfig, load_config
from generator.errors import UserError
from generator.scrape.arxiv import normalise_id
from generator.scrape.client import ClientSettings, Fetcher
from generator.scrape.window import TODAY_ENV, Window, daily_window, today

if TYPE_CHECKING:  # imported where used: they take most of the start-up of every command (bs4)
    from generator.scrape.run import Scrape, Summary
    from generator.scrape.sources import Endpoints

SOURCE_ENV = "BROADSHEET_SOURCE_URL"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "scrape",
        help="fetch Daily Papers into content/ (default: missed and recent days)",
        description="Fetch Daily Papers into content/. Without --date, --since or --query: "
        "every day from the newest listed day in content/ through today (UTC, or "
        f"${TODAY_ENV}), at most catch_up_days back, plus the last refresh_days "
        "(site.yaml).",
        epilog="examples:\n  broadsheet scrape\n  broadsheet scrape --date 2025-10-29\n"
        "  broadsheet scrape --since 2025-10-01 --until 2025-10-07\n"
        "  broadsheet scrape --query 'speech recognition'",
    )
    _common(p)
    when = p.add_mutually_exclusive_group()
    when.add_argument("--date", type=_day, help="one day, YYYY-MM-DD")
    when.add_argument("--since", type=_day, help="a backfill from this day (YYYY-MM-DD)")
    p.add_argument("--until", type=_day, help="last day of the backfill, inclusive (default: today, UTC)")
    p.add_argument("--query", help="a Daily Papers search instead of days")
    p.add_argument(
        "--refresh-days",
        type=_count,
        default=None,
        metavar="N",
        help="also re-fetch the last N days, so that upvotes and comment counts stay current "
        "(default without day options: the config's refresh_days)",
    )
    p.set_defaults(func=cmd_scrape)
    p = subparsers.add_parser(
        "add",
        help="add or refresh single papers by arXiv id",
        description="Add or refresh single papers by arXiv id.",
        epilog="examples:\n  broadsheet add 2509.24002\n"
        "  broadsheet add arXiv:2509.24002v2 https://arxiv.org/abs/2310.00653",
    )
    _common(p)
    p.add_argument("ids", nargs="+", metavar="ID", help="arXiv ids (2509.24002, arXiv:2509.24002v2, an abs URL)")
    p.set_defaults(func=cmd_add)
    p = subparsers.add_parser(
        "resolve",
        help="find the arXiv id of papers that lack one, by their exact title",
        description="Find the arXiv id of papers that lack one, by their exact title.",
        epilog="examples:\n  broadsheet resolve\n  broadsheet resolve --limit 10\n"
        "  broadsheet resolve --content ../papers --no-progress",
    )
    _common(p)
    p.add_argument(
        "--limit",
        type=_count,
        default=None,
        metavar="N",
        help="look up at most N papers (a different share each day; default: all)",
    )
    p.set_defaults(func=cmd_resolve)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    p.add_argument("--config", type=Path, default=None, help="site config (default: site.yaml if present)")
    p.add_argument("--source-url", help=f"Hugging Face base URL (default: ${SOURCE_ENV}, else the config's source_url)")
    p.add_argument("--arxiv-url", help="arXiv API base URL (default: the config's arxiv_url)")
    defaults = ClientSettings()
    p.add_argument(
        "--concurrency", type=_count, default=defaults.concurrency, help="requests in flight (default: %(default)s)"
    )
    p.add_argument(
        "--timeout", type=_seconds, default=defaults.timeout, help="seconds per request (default: %(default)s)"
    )
    p.add_argument(
        "--deadline",
        type=_seconds,
        default=defaults.deadline,
        metavar="SECONDS",
        help="for the whole run: then what was fetched is written, the rest fails (default: %(default)s)",
    )
    p.add_argument("--retries", type=int, default=defaults.retries, help="retries per request (default: %(default)s)")
    p.add_argument(
        "--backoff",
        type=float,
        default=defaults.backoff,
        help="first retry pause in seconds, doubled each time (default: %(default)s)",
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day YYYY-MM-DD") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def scrape_days(
    args: argparse.Namespace, today: dt.date, newest: dt.date | None = None, config: SiteConfig | None = None
) -> Window:
    """The days a `scrape` asks for: --date, --since/--until, or (no day options) the daily window
    from the archive's `newest` listed day; plus --refresh-days."""
    from generator.scrape.run import day_range

    if args.until and not args.since:
        raise UserError("--until needs --since", "scrape")
    if not (args.since or args.date or args.query):
        config = config or SiteConfig()
        return daily_window(today, newest, config.catch_up_days, args.refresh_days or config.refresh_days)
    days = []
    if args.since:
        days = day_range(args.since, args.until or today)
        if not days:
            raise UserError(f"--since {args.since} is after --until {args.until or today}", "scrape")
    elif args.date:
        days = [args.date]
    refresh = day_range(today - dt.timedelta(days=args.refresh_days - 1), today) if args.refresh_days else []
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
            scrape.summary.notes.append(note)
        return report(scrape.summary)


def cmd_add(args: argparse.Namespace) -> int:
    ids = [normalise_id(text) for text in args.ids]
    bad = [text for text, i in zip(args.ids, ids, strict=True) if i is None]
    if bad:
        print(f"broadsheet add: not an arXiv id: {', '.join(bad)}", file=sys.stderr)
        return 2
    with _session(args) as scrape:
        scrape.add(list(dict.fromkeys(i for i in ids if i)))
        return report(scrape.summary)


def cmd_resolve(args: argparse.Namespace) -> int:
    from generator.scrape.resolve import resolve, unresolved

    turn = today().toordinal()
    with _session(args) as scrape:
        done = resolve(scrape, unresolved(scrape, args.limit, turn))
    for line in done.renamed:
        print(f"resolved: {line}")
    for line in done.unmatched:
        print(f"left alone: {line}")
    for line in done.failures:
        print(f"failed: {line}", file=sys.stderr)
    print(f"papers: {done}")
    return 1 if done.failures else 0


class _session:
    """A Scrape with its HTTP client, closed at the end."""

    def __init__(self, args: argparse.Namespace) -> None:
        from generator.scrape.run import Scrape

        config = load_config(args.config, root=Path("."))
        settings = dataclasses.replace(
            ClientSettings(),
            concurrency=args.concurrency,
            timeout=args.timeout,
            retries=max(0, args.retries),
            backoff=max(0.0, args.backoff),
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


def report(summary: Summary) -> int:
    """Print what happened (failures with their URL and status on stderr); 1 if anything failed."""
    for note in summary.notes:
        print(f"warning: {note}", file=sys.stderr)
    for failure in summary.failures:
        print(f"failed: {failure}", file=sys.stderr)
    print(f"papers: {summary}")
    return 1 if summary.failures else 0
