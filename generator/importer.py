"""Import a Daily Papers listing page as a browser copies it (the seed of the archive).

The copied text is a header, then for each paper::

    Title
    Abstract (one line)
      • 13 authors
    ·
    Oct 1, 2023 7        <- the paper's date; a trailing number is the upvote count

The author and date lines can be missing. A date without a year is in the as-of year, or the
year before if that would put it after the as-of date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from generator.config import SiteConfig
from generator.errors import UserError
from generator.fsutil import STALE_TEMPORARY, remove_temporaries
from generator.limits import within_limits
from generator.loader import content_files, load_content
from generator.markup import TRAILING
from generator.model import MAX_TITLE, Paper, xml_safe
from generator.slugs import slugify, title_key
from generator.store import paper_path, write_paper
from generator.tagging import compile_rules, match_tags

MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
DATE_LINE = re.compile(
    r"(?P<mon>[A-Z][a-z]{2})[a-z]*\.? (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?:\s+(?P<upvotes>\d+))?"
)
AUTHORS_LINE = re.compile(r"•\s*(?P<count>\d+)\s+authors?")
SEPARATOR = "·"
HEADER = (
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
)
# Only these end a line: str.splitlines would also split at U+0085, a vertical tab or U+2028 inside a
# title or abstract, making one paper two.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
URL = re.compile(r"https?://[^\s<>\"'`]+")
MAX_LISTING_BYTES = 64 * 2**20  # a copied page of 100 papers is about 150 KB
LOG = logging.getLogger(__name__)
GITHUB_REPO = re.compile(r"https?://(www\.)?github\.com/[\w.-]+/[\w.-]+", re.IGNORECASE)


@dataclass(frozen=True)
class ListingEntry:
    title: str
    abstract: str = ""
    author_count: int | None = None
    published: dt.date | None = None
    upvotes: int | None = None


def parse_listing(text: str, as_of: dt.date) -> list[ListingEntry]:
    lines = _body_lines(text)
    entries, i = [], 0
    while i < len(lines):
        title, i = lines[i], i + 1
        abstract = ""
        if i < len(lines) and not _is_meta(lines[i]):
            abstract, i = lines[i], i + 1
        fields: dict = {}
        while i < len(lines) and _is_meta(lines[i]):
            fields.update(_meta(lines[i], as_of))
            i += 1
        entries.append(ListingEntry(title=title, abstract=abstract, **fields))
    return entries


def _body_lines(text: str) -> list[str]:
    """Non-blank lines without the page header (the header ends with the listing's own date). A header
    further down (two copied pages pasted into one file) goes too: its lines are not papers, and its
    date is not the date of the paper before it."""
    lines = [line.strip() for line in LINE_BREAK.split(xml_safe(text)) if line.strip()]
    end = _past_header(lines, max((i + 1 for i, line in enumerate(lines[:12]) if line in HEADER), default=0))
    body = []
    while end < len(lines):
        run = end
        while run < len(lines) and lines[run] in HEADER:
            run += 1
        if run - end >= 2:  # one such line alone may be a paper's title
            end = _past_header(lines, run)
        else:
            body.append(lines[end])
            end += 1
    return body


def _past_header(lines: list[str], end: int) -> int:
    """`end`, or past the page's own date ("Oct 29") if it follows the header that ends there."""
    page_date = DATE_LINE.fullmatch(lines[end]) if end and end < len(lines) else None
    return end + 1 if page_date and not page_date["year"] else end


def _is_meta(line: str) -> bool:
    return line == SEPARATOR or bool(AUTHORS_LINE.fullmatch(line) or DATE_LINE.fullmatch(line))


def _meta(line: str, as_of: dt.date) -> dict:
    if match := AUTHORS_LINE.fullmatch(line):
        return {"author_count": int(match["count"])}
    if match := DATE_LINE.fullmatch(line):
        upvotes = {"upvotes": int(match["upvotes"])} if match["upvotes"] else {}
        day = _date(match, as_of)
        return {"published": day, **upvotes} if day else upvotes
    return {}


def _date(match: re.Match[str], as_of: dt.date) -> dt.date | None:
    month = MONTHS.get(match["mon"][:3])
    if month is None:
        return None
    year = int(match["year"]) if match["year"] else as_of.year
    try:
        day = dt.date(year, month, int(match["day"]))
    except ValueError:
        return None
    if not match["year"] and day > as_of:
        day = day.replace(year=year - 1)
    return day


def links_in(abstract: str) -> tuple[str | None, str | None]:
    """(github, project_page) found in the abstract's text, without trailing punctuation."""
    found = [url.rstrip(TRAILING) for url in URL.findall(abstract)]
    github = next((u for u in found if GITHUB_REPO.fullmatch(u)), None)
    project = next((u for u in found if not re.search(r"//(www\.)?(github\.com|arxiv\.org)/", u)), None)
    return github, project


def entry_to_paper(entry: ListingEntry, paper_id: str, tags: tuple[str, ...]) -> Paper:
    github, project = links_in(entry.abstract)
    return Paper(
        id=paper_id,
        title=entry.title,
        abstract=entry.abstract,
        author_count=entry.author_count,
        published=entry.published,
        upvotes=entry.upvotes,
        tags=tags,
        github=github,
        project_page=project,
    )


@dataclass(frozen=True)
class Planned:
    """A paper of the listing that is not in the archive yet, and the file it goes to."""

    paper: Paper
    path: Path


@dataclass(frozen=True)
class ImportPlan:
    listed: int  # papers in the listing
    new: tuple[Planned, ...]  # the others are in the archive already (by title)

    def summary(self, added: int, verb: str = "added") -> str:
        return (
            f"{self.listed} papers in the listing: {added} {verb}, {self.listed - len(self.new)} already in the archive"
        )


def read_listing(file: Path, as_of: dt.date) -> list[ListingEntry]:
    """The entries of a listing file; UserError if the file cannot be read as a listing."""
    if file.stat().st_size > MAX_LISTING_BYTES:
        raise UserError(f"larger than {MAX_LISTING_BYTES // 2**20} MB: not a copied listing page", file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text (byte {exc.start}): a listing is the text a browser copies", file) from None
    entries = parse_listing(text, as_of)
    recognised = sum(1 for entry in entries if _has_card(entry))
    # A listing's papers each end with their card's line of authors or date; a few may lack it (1 of
    # the 89 in the seed), text that is not a listing has none (README.md: 0 of the 14 "entries").
    if recognised == 0 or recognised < len(entries) / 2:
        found = f"only {recognised}" if recognised else "none"
        raise UserError(
            f"not a Daily Papers listing: {found} of its {len(entries)} blocks of text read as a paper "
            "(a title, an abstract, then '• N authors' or a date)",
            file,
        )
    if not _has_card(entries[-1]):
        # A copy cut short ends inside its last paper: written, its half abstract would stay (a later
        # import of the whole page finds the title in the archive and leaves the file alone).
        LOG.warning(
            "%s: warning: the last paper, %r, ends without its '• N authors' or date line: the copy looks "
            "cut short, so it is left out (copy the whole page again, or add the paper by its arXiv id)",
            file,
            entries[-1].title,
        )
        entries = entries[:-1]
    return [kept for entry in entries if (kept := _within_limits(entry, file))]


def _within_limits(entry: ListingEntry, file: Path) -> ListingEntry | None:
    """`entry` without what a content file may not hold (the limits `broadsheet check` enforces), a
    warning for each thing left out or cut; None, with a warning, for a title over the limit (a card
    without its title line: the abstract read as one). One odd card cannot make a file that stops
    every later build."""
    if len(entry.title) > MAX_TITLE:
        LOG.warning(
            "%s: warning: a title of %s characters (over %s), %r, is left out: is a card's title line missing?",
            file,
            f"{len(entry.title):,}",
            f"{MAX_TITLE:,}",
            entry.title[:60] + "...",
        )
        return None
    kept, changed = within_limits(Paper(id="listing", **dataclasses.asdict(entry)), dt.date.today())
    for name in changed:
        _report_past_limits(file, entry, name, getattr(kept, name))
    return dataclasses.replace(entry, **{name: getattr(kept, name) for name in changed})


def _report_past_limits(file: Path, entry: ListingEntry, name: str, kept: object) -> None:
    was = getattr(entry, name)
    what = f"of {len(was):,} characters cut" if kept else f"{was} left out"
    LOG.warning("%s: warning: paper %r: %s %s (past the content limits)", file, entry.title, name, what)


def _has_card(entry: ListingEntry) -> bool:
    return bool(entry.abstract) and (entry.author_count is not None or entry.published is not None)


def plan_import(entries: list[ListingEntry], content_dir: Path, config: SiteConfig) -> ImportPlan:
    """The listing's papers not already in the archive, each with a new id and file."""
    existing = load_content(content_dir, missing_ok=True).papers
    known_titles = {title_key(p.title) for p in existing}
    # Ids of files that do not load too: a broken file is still a contributor's, never overwritten.
    files = content_files(content_dir) if content_dir.is_dir() else []
    taken = {p.id for p in existing} | {Path(f).stem for f in files}
    rules = compile_rules(config.tag_rules)
    new = []
    for entry in entries:
        if title_key(entry.title) in known_titles:
            continue  # never overwrite: the file may hold a contributor's edits
        paper_id = unique_slug(entry.title, taken)
        taken.add(paper_id)
        known_titles.add(title_key(entry.title))
        paper = entry_to_paper(entry, paper_id, match_tags(rules, entry.title, entry.abstract))
        new.append(Planned(paper, paper_path(content_dir, paper_id, paper.archive_date)))
    return ImportPlan(len(entries), tuple(new))


def write_plan(plan: ImportPlan, content_dir: Path) -> int:
    """Write each new paper's file; the number written. The temporary files of these papers that an import killed
    (-9) left are removed first: the papers it did not finish are those planned again."""
    remove_temporaries((planned.path for planned in plan.new), older_than=STALE_TEMPORARY)
    added = 0
    for planned in plan.new:
        try:
            added += write_paper(content_dir, planned.paper, planned.path)
        except OSError as exc:
            raise UserError(
                f"cannot write a paper after {added} of {len(plan.new)}: {exc.strerror or exc}", planned.path
            ) from exc
    return added


def import_listing(file: Path, as_of: dt.date, content_dir: Path, config: SiteConfig) -> str:
    """Write a file for each paper of the listing not already in the archive. Returns a summary."""
    plan = plan_import(read_listing(file, as_of), content_dir, config)
    return plan.summary(write_plan(plan, content_dir))


def unique_slug(title: str, taken: set[str]) -> str:
    base = slugify(title) or "paper"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate
