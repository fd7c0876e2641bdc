"""What citation managers read off the site: Highwire Press and Open Graph tags on a paper's page,
COinS spans on list pages, and the paper's BibTeX entry under its archive-wide key.

Zotero's Embedded Metadata translator reads the `citation_*` tags and the canonical link; a COinS span
outranks them, so COinS goes only on pages that list several papers (Zotero then offers a selection).
Only what is known is said: a paper without an arXiv id gets no arXiv id, PDF link or DOI.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from markupsafe import Markup

from generator import urls
from generator.bibtex import arxiv_doi, bibtex_entry
from generator.markup import escape_text, plain_excerpt, safe_url
from generator.model import Paper

# The one excerpt of a paper page, in its description and og:description: about the 160 characters a
# search result or a link preview shows (a 200-character and a 45-word excerpt were 0.6 KiB a page).
DESCRIPTION_WORDS = 24
COINS_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~+=&%:/")


class Meta(NamedTuple):
    """One `<meta>` tag. A named tuple: a page has about 30, made in a tenth of a frozen dataclass's time."""

    attribute: str  # "name" (Highwire, Twitter) or "property" (Open Graph)
    name: str
    content: str


@dataclass(frozen=True)
class CitationView:
    canonical: str  # absolute URL of the paper's page
    meta: tuple[Meta, ...]
    bibtex: str
    description: str  # the page's description: an excerpt of the abstract (as og:description)

    @functools.cached_property
    def meta_html(self) -> Markup:
        """The `meta` tags, one a line, each value escaped. Made here rather than by a loop in the
        template: that loop was 40% of a paper page's template time (about 30 tags, 3 lookups each)."""
        return Markup("".join(map(_meta_tag, self.meta)))


def _meta_tag(meta: Meta) -> str:
    attribute = "property" if meta.attribute == "property" else "name"
    return f'<meta {attribute}="{escape_text(meta.name)}" content="{escape_text(meta.content)}">\n'


@dataclass(frozen=True)
class Citation:
    """What a paper page's plan knows for citing it: its key (which depends on the whole archive)
    and the site's base URL. Small, so that it can sit in the page's values (and so in its key)."""

    key: str
    base_url: str
    site_name: str
    abstract: bool = True  # the citation_abstract tag (site.yaml's exports.citation_abstract)

    def view(self, paper: Paper, bibtex: str | None = None) -> CitationView:
        """`bibtex`: the paper's entry under `key` when the caller has it already (`views.Views.bibtex`)."""
        canonical = urls.Urls(self.base_url).absolute(urls.paper(paper.id))
        meta = highwire(paper, self.abstract) + open_graph(paper, canonical, self.site_name)
        entry = bibtex_entry(paper, self.key) if bibtex is None else bibtex
        return CitationView(canonical, meta, entry, description(paper))


def citation_abstract(paper: Paper) -> str:
    """The `citation_abstract` tag's text: the abstract on one line."""
    return " ".join(paper.abstract.split())


def highwire(paper: Paper, abstract: bool = True) -> tuple[Meta, ...]:
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", name) for name in paper.authors if name.strip()]
    if paper.published:
        day = _slashed(paper.published)
        tags += [("citation_publication_date", day), ("citation_online_date", day)]
    if paper.is_arxiv:
        tags += [
            ("citation_arxiv_id", paper.id),
            ("citation_pdf_url", f"https://arxiv.org/pdf/{paper.id}"),
            ("citation_abstract_html_url", f"https://arxiv.org/abs/{paper.id}"),
            ("citation_doi", arxiv_doi(paper.id)),
        ]
    if abstract and paper.abstract.strip():
        tags.append(("citation_abstract", citation_abstract(paper)))
    return tuple(Meta("name", name, content) for name, content in tags)


def open_graph(paper: Paper, canonical: str, site_name: str) -> tuple[Meta, ...]:
    tags = [("og:title", paper.title), ("og:type", "article"), ("og:url", canonical)]
    if paper.abstract.strip():
        tags.append(("og:description", description(paper)))
    tags.append(("og:site_name", site_name))
    image = safe_url(paper.thumbnail)
    if image:
        tags.append(("og:image", image))
    card = "summary_large_image" if image else "summary"
    return (*(Meta("property", n, c) for n, c in tags), Meta("name", "twitter:card", card))


def description(paper: Paper) -> str:
    return plain_excerpt(paper.abstract, DESCRIPTION_WORDS)


def coins(paper: Paper) -> str:
    """The title of a COinS span (OpenURL 1.0, KEV): a preprint with its authors, date and ids.

    Only letters, digits and `_.-~+=&%:/` (COINS_CHARACTERS): card.html writes it unescaped, as its `&`s
    each start a key (`&rft.au=`), which HTML reads as text, not as a character reference."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
        ("rft.genre", "preprint"),
        ("rft.atitle", paper.title),
    ]
    pairs += [("rft.au", name) for name in paper.authors if name.strip()]
    if paper.published:
        pairs.append(("rft.date", paper.published.isoformat()))
    if paper.is_arxiv:
        pairs += [
            ("rft.jtitle", "arXiv"),
            ("rft_id", f"info:doi/{arxiv_doi(paper.id)}"),
            ("rft_id", f"https://arxiv.org/abs/{paper.id}"),
        ]
    elif safe_url(paper.project_page):
        pairs.append(("rft_id", safe_url(paper.project_page) or ""))
    return "&".join(f"{name.translate(_QUOTED)}={value.translate(_QUOTED)}" for name, value in pairs)


class _Quoted(dict):
    """Code point -> what `urllib.parse.quote_plus(..., safe=":/")` writes for it: itself if it is safe, `+` for
    a space, else `%XX` for each byte of its UTF-8 (a lone surrogate raises, as there). For `str.translate`,
    which looks each character up here: `urlencode` quoted every byte in Python, a fifth of a card's summary."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        quoted = char if char in _ALWAYS_SAFE else "+" if char == " " else "".join(f"%{b:02X}" for b in char.encode())
        self[code] = quoted
        return quoted


# ':' and '/' need no escaping in a query (nor in an attribute): 'info:doi/...' stays readable and shorter.
_ALWAYS_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~:/")
_QUOTED = _Quoted()


def _slashed(day: date) -> str:
    return f"{day.year}/{day.month:02d}/{day.day:02d}"  # strftime("%Y/%m/%d") (unpadded year, as glibc's), but faster
