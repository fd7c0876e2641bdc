"""What search knows of a paper: one Pagefind record per paper, made from the Paper, not its page.

A record holds what a reader searches (the abstract as plain text, which is also what result
excerpts quote; title, authors, tags, AI summary and keywords as metadata, which Pagefind also
indexes) and the filters (tag, organization, year, code). Upvotes are left out on purpose: a
re-vote then changes no record, so it changes no shard (the orders live in `search.ORDER`).

Papers are split into shards by date: one per quarter of a year ("2024-q3"), and one per month
for the newest year, so that a day's new papers touch one small shard; papers without a date share
one shard. Quarters, not years: Pagefind's memory and time grow faster than its pages (a year of
6,500 papers took 680 MiB, a quarter of 1,600 190 MiB), and small shards let two Pagefind
processes run at once within the memory budget (`search`). An archive
of fewer than `WHOLE_BELOW` papers is one shard: indexing it again costs less than a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from generator import urls
from generator.markup import safe_url
from generator.model import Paper, shown
from generator.taxonomy import Archive, org_slug
from generator.views import abstract_text

UNDATED = "undated"
WHOLE = "all"
WHOLE_BELOW = 1000
RECORD_VERSION = "2"  # change it when a record or a shard's files change shape: every shard is made again


def record(paper: Paper, tag_names: Mapping[str, str]) -> dict[str, Any]:
    """The Pagefind record of one paper (its URL is site-relative, as Pagefind's own are)."""
    meta = {"title": paper.title}
    extras = {
        "authors": ", ".join(paper.authors),
        "tags": ", ".join(tag_names.get(slug, slug) for slug in paper.tags),  # as `views.tag_ref` names them
        "summary": paper.ai_summary or "",
        "keywords": ", ".join(paper.keywords),
    }
    meta.update((key, value) for key, value in extras.items() if value)
    return {
        "url": "/" + urls.paper(paper.id),
        # Pagefind leaves out a record without content: a paper without an abstract is found by its title
        "content": abstract_text(paper.abstract, chars=len(paper.abstract) + 1) or paper.title,
        "meta": meta,
        "filters": filters(paper),
    }


def filters(paper: Paper) -> dict[str, list[str]]:
    found = {
        "tag": list(paper.tags),
        "year": [str(paper.archive_date.year)] if paper.archive_date else [],
        "organization": [slug] if paper.organization and (slug := org_slug(paper.organization)) else [],
        "code": ["yes"] if safe_url(paper.github) else [],  # when the page links to GitHub (`views.paper_links`)
    }
    return {key: values for key, values in found.items() if values}


def shards(archive: Archive, whole_below: int = WHOLE_BELOW) -> dict[str, list[Paper]]:
    """Shard name -> its papers, in timeline order (newest first)."""
    if len(archive.papers) < whole_below:
        return {WHOLE: [archive.papers[pid] for pid in archive.timeline]} if archive.papers else {}
    newest = max((p.archive_date.year for p in archive.papers.values() if p.archive_date), default=0)
    split: dict[str, list[Paper]] = {}
    for pid in archive.timeline:
        paper = archive.papers[pid]
        split.setdefault(shard_name(paper, newest), []).append(paper)
    return split


def shard_name(paper: Paper, newest_year: int) -> str:
    day = paper.archive_date
    if day is None:
        return UNDATED
    if day.year == newest_year:
        return f"{day.year}-{day.month:02}"
    return f"{day.year}-q{(day.month - 1) // 3 + 1}"


# The fields of a paper its record shows (`record`, `filters`; the date for the year filter): a shard is made
# again when one of them changes.
RECORD_FIELDS = (
    "id",
    "title",
    "authors",
    "abstract",
    "tags",
    "organization",
    "github",
    "ai_summary",
    "keywords",
    "archive_date",
)


def record_digest(paper: Paper) -> bytes:
    """A digest of the fields of `paper` its record is made from."""
    return shown(paper, RECORD_FIELDS)


def digest(papers: Sequence[Paper], tag_names: Mapping[str, str], known: Mapping[str, bytes] = {}) -> str:
    """Changes exactly when a record of the shard (or their order) would: cheap, no Markdown. `known`:
    paper id -> its `record_digest`, where the build has it already (`exports.FieldDigests`)."""
    h = hashlib.sha256(RECORD_VERSION.encode())
    h.update(json.dumps(sorted(tag_names.items()), ensure_ascii=False).encode())
    for p in papers:
        h.update(known.get(p.id) or record_digest(p))
    return h.hexdigest()[:16]
