"""What templates show about a paper, computed once here so templates only lay it out."""
from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from generator import urls
from generator.bibtex import bibtex_entry
from generator.markup import plain_excerpt, render_abstract, safe_url
from generator.model import Paper
from generator.taxonomy import Archive


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class TagRef:
    slug: str
    name: str
    path: str


@dataclass(frozen=True)
class Summary:
    """A paper as a listing shows it."""

    id: str
    title: str
    path: str
    date: str | None  # ISO archive date
    authors: str  # the first few names, "et al." when there are more
    total_authors: int
    upvotes: int | None
    tags: tuple[TagRef, ...]
    excerpt: str


def tag_ref(slug: str, names: Mapping[str, str]) -> TagRef:
    return TagRef(slug=slug, name=names.get(slug, slug), path=urls.tag(slug))


def summary(paper: Paper, tag_names: Mapping[str, str]) -> Summary:
    day = paper.archive_date
    return Summary(
        id=paper.id,
        title=paper.title,
        path=urls.paper(paper.id),
        date=day.isoformat() if day else None,
        authors=short_authors(paper.authors),
        total_authors=paper.total_authors,
        upvotes=paper.upvotes,
        tags=tuple(tag_ref(s, tag_names) for s in paper.tags),
        excerpt=plain_excerpt(paper.abstract),
    )


def short_authors(authors: tuple[str, ...], shown: int = 3) -> str:
    if len(authors) <= shown:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + " et al."


def paper_links(paper: Paper) -> tuple[Link, ...]:
    """Outbound links; only http(s) URLs survive."""
    links = []
    if paper.is_arxiv:
        links += [
            Link("arXiv abstract", f"https://arxiv.org/abs/{paper.id}"),
            Link("PDF", f"https://arxiv.org/pdf/{paper.id}"),
            Link("Hugging Face", f"https://huggingface.co/papers/{paper.id}"),
        ]
    for label, url in (("GitHub", paper.github), ("Project page", paper.project_page)):
        if safe_url(url):
            links.append(Link(label, safe_url(url)))
    return tuple(links)


@dataclass(frozen=True)
class PaperView:
    """Everything the paper page shows."""

    paper: Paper
    tags: tuple[TagRef, ...]
    links: tuple[Link, ...]
    abstract_html: str
    bibtex: str
    newer: Summary | None
    older: Summary | None
    listed_path: str | None  # the Daily Papers day page
    related: tuple[Summary, ...] = ()  # papers sharing tags, most shared first


def paper_view(
    paper: Paper, tag_names: Mapping[str, str], newer: Summary | None, older: Summary | None,
    related: tuple[Summary, ...] = (),
) -> PaperView:
    return PaperView(
        paper=paper,
        tags=tuple(tag_ref(s, tag_names) for s in paper.tags),
        links=paper_links(paper),
        abstract_html=render_abstract(paper.abstract),
        bibtex=bibtex_entry(paper),
        newer=newer,
        older=older,
        listed_path=urls.day(paper.listed) if paper.listed else None,
        related=related,
    )


def related_papers(archive: Archive, limit: int = 5, window: int = 50) -> dict[str, tuple[str, ...]]:
    """Paper id -> ids of the papers sharing most tags with it (ties: nearest in time first).

    A tag of 100,000 papers would make an all-pairs count quadratic, so each paper only
    looks at the `window` papers on either side of it in each tag's (date-ordered) list:
    work is papers x tags x window, and what is found is close in time, which is what a
    reader browsing "related" wants anyway.
    """
    position = {pid: i for i, pid in enumerate(archive.order)}
    in_tag = {slug: {pid: i for i, pid in enumerate(ids)} for slug, ids in archive.tags.items()}
    related = {}
    for pid, paper in archive.papers.items():
        shared: Counter[str] = Counter()
        for slug in paper.tags:
            ids, here = archive.tags[slug], in_tag[slug][pid]
            shared.update(ids[max(0, here - window) : here + window + 1])
        shared.pop(pid, None)
        def rank(other: str, pid: str = pid, shared: Counter = shared) -> tuple:
            return (-shared[other], abs(position[other] - position[pid]), other)

        related[pid] = tuple(heapq.nsmallest(limit, shared, key=rank))
    return related
