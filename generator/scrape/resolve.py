"""`broadsheet resolve`: papers without an arXiv id (imported from a copied listing: id = title slug,
no authors, no links) looked up by title, in the Daily Papers search, then in arXiv's API.

Only an exact match is taken: the titles equal once case, spacing and punctuation are ignored, and
one paper has that title. A sequel, a near-miss or several candidates are left alone and listed. A
match renames the file to its arXiv id (in its month folder), keeps what a contributor wrote, fills
in what the file lacks, and records the old id under `aliases:`, so that the old address keeps
answering (a redirect page) and the feed's guid stays the same.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from generator.frontmatter import FrontMatterError
from generator.model import Paper
from generator.scrape import arxiv
from generator.scrape.client import Fetcher
from generator.scrape.hf_api import decode_json, parse_items
from generator.scrape.merge import merged
from generator.scrape.records import ScrapedPaper
from generator.scrape.run import Scrape
from generator.scrape.shelf import Unreadable, refused, write_renamed
from generator.scrape.sources import FAILURES, Endpoints, read
from generator.slugs import title_key
from generator.store import paper_path

SEARCH_CHARS = 250  # the search API's longest query
NEAR_SHOWN = 2  # candidates named for a title without an exact match


@dataclass(frozen=True)
class Lookup:
    paper: Paper
    match: ScrapedPaper | None = None
    why_not: str = ""  # no exact match, several candidates
    error: str | None = None  # a source failed: nothing is written for this paper


@dataclass
class Resolved:
    renamed: list[str] = dataclasses.field(default_factory=list)  # "old -> new (path)"
    unmatched: list[str] = dataclasses.field(default_factory=list)  # "old: why"
    failures: list[str] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.renamed)} resolved, {len(self.unmatched)} without an exact match, {len(self.failures)} failed"
        )


def unresolved(scrape: Scrape, limit: int | None, turn: int) -> list[Paper]:
    """The papers without an arXiv id, at most `limit` of them, starting at a place that moves with
    `turn` (the day), so that titles that never match do not hold up the others run after run."""
    papers = sorted((p for p in scrape.shelf.by_id.values() if not p.is_arxiv), key=lambda p: p.id)
    if limit is None or limit >= len(papers):
        return papers
    start = (turn * limit) % len(papers)
    return (papers[start:] + papers[:start])[:limit]


def exact(title: str, candidates: list[ScrapedPaper]) -> list[ScrapedPaper]:
    """The candidates whose titles equal `title` once normalised, one per id."""
    key = title_key(title)
    return list({c.id: c for c in candidates if key and title_key(c.title) == key}.values())


def look_up(fetcher: Fetcher, ends: Endpoints, paper: Paper) -> Lookup:
    errors: list[str] = []
    near: list[ScrapedPaper] = []  # shown, so that a person can settle a near-miss by hand
    for source in (search_hf, search_arxiv):
        try:
            candidates = source(fetcher, ends, paper.title)
        except FAILURES as exc:
            errors.append(str(exc))
            continue
        found = exact(paper.title, candidates)
        if len(found) == 1:
            return Lookup(paper, found[0])
        if len(found) > 1:
            return Lookup(paper, why_not=f"several papers have this title: {', '.join(c.id for c in found)}")
        near += candidates[: NEAR_SHOWN - len(near)]
    if errors:
        return Lookup(paper, error="; ".join(errors))
    shown = "; nearest: " + ", ".join(f"{c.id} {c.title!r}" for c in near) if near else ""
    return Lookup(paper, why_not="no paper with exactly this title" + shown)


def search_hf(fetcher: Fetcher, ends: Endpoints, title: str) -> list[ScrapedPaper]:
    response = fetcher.get(ends.hf("/api/papers/search"), {"q": title[:SEARCH_CHARS]})
    url = str(response.url)
    return read(url, lambda: parse_items(decode_json(response.content, url), url, None))


def search_arxiv(fetcher: Fetcher, ends: Endpoints, title: str) -> list[ScrapedPaper]:
    words = " ".join("".join(c if c.isalnum() else " " for c in title).split())
    response = fetcher.get(ends.arxiv_query(), {"search_query": f'ti:"{words}"', "max_results": "10"})
    found = read(str(response.url), lambda: arxiv.parse_feed(response.content, str(response.url)))
    return [entry for entry in found.values() if isinstance(entry, ScrapedPaper)]


def resolve(scrape: Scrape, papers: list[Paper]) -> Resolved:
    done = Resolved()

    def work(paper: Paper) -> Lookup:
        return look_up(scrape.fetcher, scrape.ends, paper)

    def late(paper: Paper) -> Lookup:
        return Lookup(paper, error=f"not looked up by the run's deadline ({scrape.fetcher.settings.deadline:g} s)")

    for lookup in scrape._in_parallel(work, papers, late, unit="paper"):
        old = lookup.paper
        if lookup.error:
            done.failures.append(f"{old.id}: {lookup.error}")
        elif lookup.match is None:
            done.unmatched.append(f"{old.id}: {lookup.why_not} ({old.title!r})")
        else:
            _rename(scrape, old, lookup.match, done)
    return done


def _rename(scrape: Scrape, old: Paper, found: ScrapedPaper, done: Resolved) -> None:
    if found.id in scrape.shelf.by_id:
        done.unmatched.append(
            f"{old.id}: its arXiv id {found.id} is in the archive already "
            f"({scrape.shelf.by_id[found.id].source_path}); left alone"
        )
        return
    if found.id in scrape.shelf.unreadable:  # a file the contributor is still fixing: never a second one
        done.failures.append(f"{old.id}: {refused(scrape.shelf.unreadable[found.id])}")
        return
    try:
        old = scrape.shelf.current(old)  # as edited since the run began
        new = dataclasses.replace(merged(old, found), id=found.id, aliases=(*old.aliases, old.id))
        target = paper_path(scrape.content_dir, new.id, new.archive_date)
        new = write_renamed(old, new, target)
    except (Unreadable, OSError, FrontMatterError) as exc:
        done.failures.append(f"{old.id}: {exc}")
        return
    del scrape.shelf.by_id[old.id]
    scrape.shelf.put(new)
    done.renamed.append(f"{old.id} -> {new.id} ({target})")
