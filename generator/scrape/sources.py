"""Where each kind of data is fetched from, and the order sources are tried in.

Each function returns a Fetched: the papers one unit of work (a day, a search, an id) brought
back, or the error that stopped it. A unit that fails contributes no paper at all. Whatever a
response holds, reading it ends in papers or in a ScrapeError naming its URL: one bad response
fails its own unit, never the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from generator.scrape import arxiv
from generator.scrape.client import MB, Fetcher, FetchError
from generator.scrape.hf_api import decode_json, parse_items, parse_paper
from generator.scrape.hf_html import parse_daily_page, parse_paper_page
from generator.scrape.records import ScrapedPaper, ScrapeError, fill_missing

FAILURES = (FetchError, ScrapeError)
SHOWN_QUERY = 60  # characters of a search its lines show; a longer one made each line hard to read
PAGE_BYTES = 5 * MB  # an HTML page (a recorded paper page is 120 KB); JSON gets the client's 20 MB
T = TypeVar("T")


@dataclass(frozen=True)
class Endpoints:
    source_url: str  # Hugging Face
    arxiv_url: str

    def hf(self, path: str) -> str:
        return self.source_url.rstrip("/") + path

    def arxiv_query(self) -> str:
        return self.arxiv_url.rstrip("/") + "/api/query"


@dataclass(frozen=True)
class Fetched:
    label: str  # the day, query or id, for the summary
    papers: tuple[ScrapedPaper, ...] = ()
    error: str | None = None  # why nothing came back (each URL tried and its status)
    notes: tuple[str, ...] = ()  # what went wrong without stopping it (a fallback was used)
    missing: bool = False  # the source answered 404: it does not know this paper


def _fetched(label: str, papers: list[ScrapedPaper] | tuple[ScrapedPaper, ...], notes: tuple[str, ...] = ()) -> Fetched:
    """The papers of a unit, with the notes of the values each left out."""
    return Fetched(label, tuple(papers), notes=notes + tuple(n for p in papers for n in p.notes))


def read(url: str, parse: Callable[[], T]) -> T:
    """parse() of the response from `url`. The parsers check what they expect; data that still
    trips Python (a type no check foresaw) fails this response, named with the exception, rather
    than the whole run: the service's data is not ours to trust."""
    try:
        return parse()
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as exc:
        raise ScrapeError(url, f"unreadable data ({type(exc).__name__}: {str(exc)[:200]})") from None


def fetch_day(fetcher: Fetcher, ends: Endpoints, day: dt.date) -> Fetched:
    """The JSON API; its HTML list page if the API fails; the paper page for a card-only paper."""
    try:
        papers = _daily_api(fetcher, ends, day)
        notes: tuple[str, ...] = ()
    except FAILURES as api_error:
        try:
            papers = _daily_page(fetcher, ends, day)
        except FAILURES as page_error:
            return Fetched(day.isoformat(), error=f"{api_error}; then {page_error}")
        notes = (f"{api_error}; used the HTML page instead",)
    completed = [complete(fetcher, ends, p) for p in _unique(papers)]
    return _fetched(day.isoformat(), [p for p, _ in completed], notes + tuple(n for _, n in completed if n))


def _daily_api(fetcher: Fetcher, ends: Endpoints, day: dt.date) -> list[ScrapedPaper]:
    response = fetcher.get(ends.hf("/api/daily_papers"), {"date": day.isoformat()})
    url = str(response.url)
    return read(url, lambda: parse_items(decode_json(response.content, url), url, day))


def _daily_page(fetcher: Fetcher, ends: Endpoints, day: dt.date) -> list[ScrapedPaper]:
    response = fetcher.get(ends.hf(f"/papers/date/{day.isoformat()}"), max_bytes=PAGE_BYTES)
    return read(str(response.url), lambda: parse_daily_page(response.text, str(response.url), day))


def complete(fetcher: Fetcher, ends: Endpoints, paper: ScrapedPaper) -> tuple[ScrapedPaper, str | None]:
    """A card without abstract or authors, filled in from its paper page (best effort)."""
    if not paper.incomplete:
        return paper, None
    try:
        return fill_missing(paper, paper_page(fetcher, ends, paper.id)), None
    except FAILURES as exc:
        return paper, f"{exc}; kept what the list page gave"


def paper_page(fetcher: Fetcher, ends: Endpoints, paper_id: str) -> ScrapedPaper:
    response = fetcher.get(ends.hf(f"/papers/{paper_id}"), max_bytes=PAGE_BYTES)
    url = str(response.url)
    return same_id(read(url, lambda: parse_paper_page(response.text, url)), paper_id)


def same_id(paper: ScrapedPaper, asked: str) -> ScrapedPaper:
    """`paper` if it is the one asked for: a service answering with another paper (a redirect to a
    newer version, a mix-up) must not have that paper written under, or merged into, this id."""
    if paper.id != asked:
        raise ScrapeError(paper.source, f"asked for paper {asked}, the answer is paper {paper.id}")
    return paper


def _unique(papers: list[ScrapedPaper]) -> list[ScrapedPaper]:
    return list({p.id: p for p in reversed(papers)}.values())[::-1]


def search_label(text: str) -> str:
    """`search '<words>'` for the summary, a long search cut short: the user has the whole of it."""
    shown = text if len(text) <= SHOWN_QUERY else text[: SHOWN_QUERY - 1] + "…"
    return f"search {shown!r}"


def fetch_query(fetcher: Fetcher, ends: Endpoints, text: str) -> Fetched:
    """Daily Papers search: items like the daily API's, without a listed day unless the item has one."""
    try:
        response = fetcher.get(ends.hf("/api/papers/search"), {"q": text})
        url = str(response.url)
        papers = read(url, lambda: parse_items(decode_json(response.content, url), url, None))
    except FAILURES as exc:
        return Fetched(search_label(text), error=_without_query(exc))
    completed = [complete(fetcher, ends, p) for p in _unique(papers)]
    return _fetched(search_label(text), [p for p, _ in completed], tuple(n for _, n in completed if n))


def _without_query(exc: FetchError | ScrapeError) -> str:
    """The error with its URL's query string left out: the label names the search already (a long one
    was in the line twice). The host and path stay, as they say which service failed."""
    return str(exc).replace(exc.url, exc.url.split("?", 1)[0], 1)


def fetch_hf_paper(fetcher: Fetcher, ends: Endpoints, paper_id: str) -> Fetched:
    """One paper from Hugging Face: its API record, completed by its page (comments, thumbnail)."""
    try:
        response = fetcher.get(ends.hf(f"/api/papers/{paper_id}"))
        url = str(response.url)
        paper = same_id(read(url, lambda: parse_paper(decode_json(response.content, url), url, None)), paper_id)
    except FAILURES as api_error:
        if _is_404(api_error):
            return Fetched(paper_id, error=str(api_error), missing=True)
        try:
            return _fetched(paper_id, [paper_page(fetcher, ends, paper_id)], (f"{api_error}; used the HTML page",))
        except FAILURES as page_error:
            return Fetched(paper_id, error=f"{api_error}; then {page_error}", missing=_is_404(page_error))
    try:
        paper = fill_missing(paper, paper_page(fetcher, ends, paper_id))
    except FAILURES:
        pass  # the page only adds the comment count and thumbnail; the API record is enough
    return _fetched(paper_id, [paper])


def _is_404(error: Exception) -> bool:
    return getattr(error, "status", None) == 404


def fetch_arxiv(fetcher: Fetcher, ends: Endpoints, ids: list[str]) -> list[Fetched]:
    """The papers Hugging Face does not know, in one query to arXiv's API."""
    try:
        response = fetcher.get(ends.arxiv_query(), arxiv.query_params(ids))
        found = read(str(response.url), lambda: arxiv.parse_feed(response.content, str(response.url)))
    except FAILURES as exc:
        return [Fetched(i, error=str(exc)) for i in ids]
    return [_arxiv_result(i, found.get(i), str(response.url)) for i in ids]


def _arxiv_result(paper_id: str, entry: ScrapedPaper | ScrapeError | None, url: str) -> Fetched:
    if entry is None:
        return Fetched(paper_id, error=f"{url}: not found")
    if isinstance(entry, ScrapeError):
        return Fetched(paper_id, error=str(entry))
    return _fetched(paper_id, [entry])


def after_hf(hf: Fetched, by_arxiv: Fetched | None) -> Fetched:
    """What `add` has for a paper: arXiv's answer for one Hugging Face does not know. A failure
    there names both sources' reasons (the label, the id, says which paper once)."""
    if by_arxiv is None:
        return hf
    if by_arxiv.error:
        return Fetched(hf.label, error=f"Hugging Face: {hf.error}; then arXiv: {by_arxiv.error}")
    return by_arxiv
