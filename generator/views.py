"""What templates show about a paper, computed once here so templates only lay it out."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator import urls
from generator.bibtex import bibtex_entry
from generator.markup import plain_excerpt, render_abstract, safe_url
from generator.model import Paper


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


def paper_view(paper: Paper, tag_names: Mapping[str, str], newer: Summary | None, older: Summary | None) -> PaperView:
    return PaperView(
        paper=paper,
        tags=tuple(tag_ref(s, tag_names) for s in paper.tags),
        links=paper_links(paper),
        abstract_html=render_abstract(paper.abstract),
        bibtex=bibtex_entry(paper),
        newer=newer,
        older=older,
        listed_path=urls.day(paper.listed) if paper.listed else None,
    )
