"""What templates show about a paper, computed once here so templates only lay it out."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator import urls
from generator.bibtex import bibtex_entry
from generator.citation import Citation, CitationView, coins
from generator.markup import readable_html, render_abstract, safe_url
from generator.model import Paper
from generator.related import Reach, Related
from generator.taxonomy import Archive, org_slug


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
class PaperLink:
    """Another paper as a paper page links to it (newer, older, related): no more than that,
    so that a change to that paper's upvotes or abstract leaves this page as it was."""

    id: str
    title: str
    path: str
    date: str | None  # ISO archive date


@dataclass(frozen=True)
class Line(PaperLink):
    """A paper as a long listing shows it: one line (see `pages.Listing`)."""

    authors: str  # the first few names, "et al." when there are more
    # No upvotes: a figure that moves every day would change every list holding a re-voted paper.


# The fields of a paper that its `Line` and its `PaperLink` show: the pages that list a paper as a line, or link
# to it, are keyed on these rather than on its whole file (tests/test_views.py checks that no other field changes
# either).
LINE_FIELDS = ("id", "title", "authors", "listed", "published")


@dataclass(frozen=True)
class Summary(Line):
    """A paper as a listing's card shows it: its line, and more."""

    upvotes: int | None
    total_authors: int
    tags: tuple[TagRef, ...]
    excerpt: str  # plain text of the rendered abstract, cut at a word (abstract_text)
    coins: str = ""  # the title of the paper's COinS span (citation.coins)
    ai_summary: str | None = None  # Hugging Face's AI-written one-liner: cards label it so
    github_stars: int | None = None  # only for a paper that links its code


def line(paper: Paper) -> Line:
    day = paper.archive_date
    date = day.isoformat() if day else None
    return Line(paper.id, paper.title, urls.paper(paper.id), date, short_authors(paper.authors))


def paper_link(paper: Paper) -> PaperLink:
    day = paper.archive_date
    return PaperLink(paper.id, paper.title, urls.paper(paper.id), day.isoformat() if day else None)


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
        excerpt=abstract_text(paper.abstract),
        coins=coins(paper),
        ai_summary=paper.ai_summary or None,
        github_stars=paper.github_stars if safe_url(paper.github) else None,
    )


EXCERPT_CHARS = 300
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|pre|blockquote)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")


def abstract_text(source: str, chars: int = EXCERPT_CHARS) -> str:
    """The abstract as readers see it (rendered Markdown, as plain text), cut at a word after
    at most `chars` characters. Its HTML (`readable_html`) has no `<` but in tags, so dropping tags is exact."""
    text = " ".join(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", readable_html(source)))).split())
    if len(text) <= chars:
        return text
    head = text[: chars + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else text[:chars]
    return cut.rstrip(" ,;:") + " …"


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
        if (safe := safe_url(url)) is not None:
            links.append(Link(label, safe))
    return tuple(links)


@dataclass(frozen=True)
class PaperView:
    """Everything the paper page shows."""

    paper: Paper
    tags: tuple[TagRef, ...]
    links: tuple[Link, ...]
    abstract_html: str
    newer: PaperLink | None
    older: PaperLink | None
    listed_path: str | None  # the Daily Papers day page
    related: tuple[PaperLink, ...] = ()  # papers sharing tags, most shared first
    organization: TagRef | None = None  # its organisation's page


def paper_view(
    paper: Paper,
    tag_names: Mapping[str, str],
    newer: PaperLink | None,
    older: PaperLink | None,
    related: tuple[PaperLink, ...] = (),
) -> PaperView:
    return PaperView(
        paper=paper,
        tags=tuple(tag_ref(s, tag_names) for s in paper.tags),
        links=paper_links(paper),
        abstract_html=render_abstract(paper.abstract),
        newer=newer,
        older=older,
        listed_path=urls.day(paper.listed) if paper.listed else None,
        related=related,
        organization=org_link(paper),
    )


def org_link(paper: Paper) -> TagRef | None:
    slug = org_slug(paper.organization) if paper.organization else ""
    return TagRef(slug, paper.organization or "", urls.org(slug)) if slug else None


class Summaries(Sequence):
    """The summaries of a listing's papers, made only if its template reads them: the default
    theme's listings show each paper's card, which later builds reuse (see `cache.Card`)."""

    def __init__(self, views: Views, ids: Sequence[str]) -> None:
        self.views, self.ids = views, ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.views.summary(pid) for pid in self.ids[index]]
        return self.views.summary(self.ids[index])


class Views:
    """What pages show of the archive's papers, each made once, on first use.

    Built before the page writers fork, so every worker shares the archive and makes only
    the summaries and views of the pages it renders.
    """

    def __init__(
        self,
        archive: Archive,
        tag_names: Mapping[str, str],
        entries: Mapping[tuple[str, str], str] = {},
        related: Mapping[str, Reach] = {},
        abstracts: Mapping[str, str] = {},
    ) -> None:
        self.archive, self.tag_names = archive, tag_names
        self.related = Related(archive, saved=related)  # given: found by an earlier build (`related`)
        self._summaries: dict[str, Summary] = {}
        self._abstracts: dict[str, str] = dict(abstracts)  # given: made by an earlier build, of the same abstract
        self._made_abstracts: dict[str, str] = {}
        self._linked: dict[str, tuple] = {}
        self._entries: dict[tuple[str, str], str] = dict(entries)  # given: made by an earlier build (cache.py)

    def bibtex(self, pid: str, key: str) -> str:
        """A paper's BibTeX entry under its citation key: made once, for every `.bib` list it is in
        (about eight; making them was a quarter of a cold build's profile)."""
        made = self._entries.get((pid, key))
        if made is None:
            made = self._entries[pid, key] = bibtex_entry(self.archive.papers[pid], key)
        return made

    def citation(self, pid: str, citation: Citation) -> CitationView:
        """What a paper page shows for citing the paper, with the entry its `.bib` lists share (`bibtex`)."""
        return citation.view(self.archive.papers[pid], self.bibtex(pid, citation.key))

    def made_entries(self) -> Mapping[tuple[str, str], str]:
        """The entries this process made or was given, for later builds."""
        return self._entries

    def summary(self, pid: str) -> Summary:
        made = self._summaries.get(pid)
        if made is None:
            made = self._summaries[pid] = summary(self.archive.papers[pid], self.tag_names)
        return made

    def abstract_html(self, pid: str) -> str:
        """Kept for the feeds, which show the newest papers again and again, in this build and the next
        (`made_abstracts`); a paper's own page renders its abstract once, without keeping it."""
        made = self._abstracts.get(pid)
        if made is None:
            made = self._abstracts[pid] = self._made_abstracts[pid] = render_abstract(self.archive.papers[pid].abstract)
        return made

    def made_abstracts(self) -> Mapping[str, str]:
        """The abstracts this process rendered (not those it was given), for later builds."""
        return self._made_abstracts

    def linked(self, pid: str) -> tuple[str | None, str | None, tuple[str, ...]]:
        """(newer, older, related): the ids of the other papers a paper's page links to."""
        made = self._linked.get(pid)
        if made is None:
            made = self._linked[pid] = (*self.archive.neighbours(pid), self.related.of(pid))
        return made

    def links(self, pid: str) -> tuple[PaperLink | None, PaperLink | None, tuple[PaperLink, ...]]:
        """(newer, older, related) as the page shows them."""
        newer, older, related = self.linked(pid)
        papers = self.archive.papers
        return (
            paper_link(papers[newer]) if newer else None,
            paper_link(papers[older]) if older else None,
            tuple(paper_link(papers[r]) for r in related),
        )

    def paper_view(self, pid: str) -> PaperView:
        return paper_view(self.archive.papers[pid], self.tag_names, *self.links(pid))
