"""A scrape from start to end: fetch units of work in parallel, fold them into content/ in order.

Fetching runs in worker threads (the Fetcher bounds the requests in flight); merging and writing
run in the calling thread, one unit after another in the order asked for (oldest day first), so a
paper seen on two days is filed under the first and the index always matches the files.
When the run's deadline comes, the units fetched by then are written and the others are failures.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from generator.config import SiteConfig
from generator.frontmatter import FrontMatterError
from generator.scrape import sources
from generator.scrape.client import Fetcher
from generator.scrape.filters import compile_topic, keeps
from generator.scrape.merge import merged, new_paper
from generator.scrape.records import ScrapedPaper
from generator.scrape.shelf import Shelf, Unreadable, write_new, write_update
from generator.scrape.sources import Endpoints, Fetched
from generator.scrape.workers import in_order
from generator.tagging import compile_rules, match_tags


@dataclass
class Tally:
    """What one scrape run did: counts of papers, and every failure and note, for the closing report."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # new papers outside the topic filter
    failures: list[str] = field(default_factory=list)  # "<unit>: <url>: <reason> (HTTP status)"
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        text += f", {self.skipped} outside the topic" if self.skipped else ""
        return text + f", {len(self.failures)} failed"


class Scrape:
    """One run against one content folder."""

    def __init__(
        self, content_dir: Path, config: SiteConfig, fetcher: Fetcher, ends: Endpoints, progress: bool = True
    ) -> None:
        self.content_dir, self.fetcher, self.ends, self.progress = Path(content_dir), fetcher, ends, progress
        self.config = config
        self.shelf = Shelf.load(content_dir)
        self.rules = compile_rules(config.tag_rules)
        self.topic = compile_topic(config.topic)
        self.tally = Tally()

    def days(self, days: list[dt.date]) -> Tally:
        work = functools.partial(sources.fetch_day, self.fetcher, self.ends)
        for fetched in self._in_parallel(work, sorted(set(days)), self._late_day, unit="day"):
            if not fetched.error:
                self._check_whole(fetched)
            self.apply(fetched)
        return self.tally

    def _late_day(self, day: dt.date) -> Fetched:
        return self._late(day.isoformat())

    def newest_listed(self) -> dt.date | None:
        """The newest Daily Papers day the archive holds a paper for."""
        return max((p.listed for p in self.shelf.by_id.values() if p.listed), default=None)

    def _check_whole(self, fetched: Fetched) -> None:
        """A day listing fewer papers than the archive holds for it deletes nothing, but is reported
        (a partial answer, or papers withdrawn); a later run inside the window fetches it again."""
        day = dt.date.fromisoformat(fetched.label)
        held = sum(1 for p in self.shelf.by_id.values() if p.listed == day)
        if len(fetched.papers) < held:
            self.tally.notes.append(
                f"{fetched.label}: partial: the source lists {len(fetched.papers)} papers, "
                f"the archive holds {held}; nothing deleted"
            )

    def query(self, text: str) -> Tally:
        work = functools.partial(sources.fetch_query, self.fetcher, self.ends)
        for fetched in self._in_parallel(work, [text], self._late_search, unit="search"):
            self.apply(fetched)
        return self.tally

    def _late_batch(self, batch: list[str]) -> list[Fetched]:
        return [self._late(i) for i in batch]

    def _late_search(self, text: str) -> Fetched:
        return self._late(sources.search_label(text))

    def add(self, ids: list[str]) -> Tally:
        """Explicitly asked for: the topic filter does not apply."""
        work = functools.partial(sources.fetch_hf_paper, self.fetcher, self.ends)
        fetched = list(self._in_parallel(work, ids, self._late, unit="paper"))
        unknown = [f.label for f in fetched if f.missing]
        by_arxiv = {}
        if unknown:
            query = functools.partial(sources.fetch_arxiv, self.fetcher, self.ends)
            for found in self._in_parallel(query, [unknown], self._late_batch, unit="query"):
                by_arxiv = {f.label: f for f in found}
        for item in fetched:
            self.apply(sources.after_hf(item, by_arxiv.get(item.label)), filtered=False)
        return self.tally

    def _late(self, label: str) -> Fetched:
        return Fetched(label, error=f"not fetched by the run's deadline ({self.fetcher.settings.deadline:g} s)")

    def _in_parallel(self, work: Callable, items: Sequence, late: Callable, unit: str) -> Iterable:
        """Results in the order of `items`, fetched by as many threads as requests may be in flight;
        late(item) for the items not done by the run's deadline."""
        hidden = not self.progress or len(items) < 2  # a bar on ranges only; tqdm hides it off a terminal
        results = in_order(work, items, self.fetcher.settings.concurrency, self.fetcher.remaining, late)
        yield from tqdm(results, total=len(items), unit=unit, disable=True if hidden else None, file=sys.stderr)

    def apply(self, fetched: Fetched, filtered: bool = True) -> None:
        """Fold one unit into content/. A failed unit writes nothing and is reported."""
        self.tally.notes.extend(f"{fetched.label}: {n}" for n in fetched.notes)
        if fetched.error:
            self.tally.failures.append(f"{fetched.label}: {fetched.error}")
            return
        for paper in fetched.papers:
            try:
                self._one(paper, filtered)
            except (Unreadable, OSError, FrontMatterError) as exc:  # that file only; the rest go on
                self.tally.failures.append(f"{fetched.label}: {paper.id}: {exc}")

    def _one(self, scraped: ScrapedPaper, filtered: bool) -> None:
        existing = self.shelf.find(scraped.id, scraped.title)
        if existing is None:
            self._add(scraped, filtered)
            return
        existing = self.shelf.current(existing)  # as edited since the scrape began
        paper = merged(existing, scraped)
        changed = write_update(existing, paper)
        self.shelf.put(paper)
        if changed:
            self.tally.updated += 1
        else:
            self.tally.unchanged += 1

    def _add(self, scraped: ScrapedPaper, filtered: bool) -> None:
        tags = match_tags(self.rules, scraped.title, scraped.abstract, "\n".join(scraped.keywords))
        if filtered and not keeps(self.topic, tags, scraped.title, scraped.abstract, "\n".join(scraped.keywords)):
            self.tally.skipped += 1
            return
        self.shelf.put(write_new(self.content_dir, new_paper(scraped, tags)))
        self.tally.added += 1
