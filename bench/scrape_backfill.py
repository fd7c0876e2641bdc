"""Benchmark: backfill a year of Daily Papers from a local server with a realistic delay per request.

    .venv/bin/python bench/scrape_backfill.py [--days 365] [--delay 0.2] [--concurrency 1 2 4 8]

The server (tests/scrape_server.py, 127.0.0.1) answers each `/api/daily_papers?date=` after `--delay`
seconds with a recorded day's real body, its ids and dates rewritten to the day asked for; weekends
are empty, as on the service. For each concurrency it backfills into a fresh content folder, then runs
the same backfill again (every file unchanged), and prints days per second for both.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.config import SiteConfig
from generator.scrape.client import ClientSettings, Fetcher
from generator.scrape.run import Scrape
from generator.scrape.sources import Endpoints
from generator.scrape.window import span
from tests.scrape_server import DAILY, ScrapeServer


def recorded_days() -> list[list[dict]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DAILY.glob("*.json"))]


def day_items(template: list[dict], day: dt.date) -> list[dict]:
    """A recorded day, moved to `day`: unique ids (YYMM.DDNNN) and that day's dates."""
    items = copy.deepcopy(template)
    for n, item in enumerate(items):
        item["paper"]["id"] = f"{day:%y%m}.{day.day:02d}{n:03d}"
        item["paper"]["submittedOnDailyAt"] = f"{day}T00:00:00.000Z"
    return items


def serve_year(server: ScrapeServer, days: list[dt.date]) -> int:
    templates, papers = recorded_days(), 0
    for i, day in enumerate(days):
        items = [] if day.weekday() >= 5 else day_items(templates[i % len(templates)], day)
        server.serve_day(day, items)
        papers += len(items)
    return papers


def backfill(server: ScrapeServer, content: Path, days: list[dt.date], concurrency: int) -> tuple[float, str]:
    settings = ClientSettings(concurrency=concurrency, retries=0)
    with Fetcher(settings) as fetcher:
        start = time.perf_counter()
        scrape = Scrape(content, SiteConfig(), fetcher, Endpoints(server.url, server.url), progress=False)
        summary = scrape.days(days)
        return time.perf_counter() - start, str(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the server takes per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    days = span(dt.date(2025, 1, 1), dt.date(2025, 1, 1) + dt.timedelta(days=args.days - 1))
    with ScrapeServer(delay=args.delay) as server, tempfile.TemporaryDirectory() as tmp:
        papers = serve_year(server, days)
        print(f"{len(days)} days, {papers} papers, {args.delay * 1000:.0f} ms per request")
        for concurrency in args.concurrency:
            content = Path(tmp) / f"c{concurrency}"
            first, summary = backfill(server, content, days, concurrency)
            again, summary_again = backfill(server, content, days, concurrency)
            print(
                f"concurrency {concurrency}: first run {len(days) / first:6.1f} days/s ({first:5.1f} s: {summary}); "
                f"re-run {len(days) / again:6.1f} days/s ({again:5.1f} s: {summary_again})"
            )


if __name__ == "__main__":
    main()
