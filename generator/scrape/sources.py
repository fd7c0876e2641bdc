"""Where each kind of data is fetched from, and the order sources are tried in.

Each function returns a Fetched: the papers one unit of work (a day, a search, an id) brought
back, or the error that stopped it. A unit that fails contributes no paper at all.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.scrape import arxiv
from generator.scrape.client import Fetcher, FetchError
from generator.scrape.hf_api import decode_json, parse_items, parse_paper
from generator.scrape.hf_html import parse_daily_page, parse_paper_page
from generator.scrape.records import ScrapedPaper, ScrapeError, fill_missing

FAILURES = (FetchError, ScrapeError)


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
    return Fetched(day.isoformat(), tuple(p for p, _ in completed), notes=notes + tuple(n for _, n in completed if n))


def _daily_api(fetcher: Fetcher, ends: Endpoints, day: dt.date) -> list[ScrapedPaper]:
    response = fetcher.get(ends.hf("/api/daily_papers"), {"date": day.isoformat()})
    return parse_items(decode_json(response.content, str(response.url)), str(response.url), day)


def _daily_page(fetcher: Fetcher, ends: Endpoints, day: dt.date) -> list[ScrapedPaper]:
    response = fetcher.get(ends.hf(f"/papers/date/{day.isoformat()}"))
    return parse_daily_page(response.text, str(response.url), day)


def complete(fetcher: Fetcher, ends: Endpoints, paper: ScrapedPaper) -> tuple[ScrapedPaper, str | None]:
    """A card without abstract or authors, filled in from its paper page (best effort)."""
    if not paper.incomplete:
        return paper, None
    try:
        return fill_missing(paper, paper_page(fetcher, ends, paper.id)), None
    except FAILURES as exc:
        return paper, f"{exc}; kept what the list page gave"


def paper_page(fetcher: Fetcher, ends: Endpoints, paper_id: str) -> ScrapedPaper:
    response = fetcher.get(ends.hf(f"/papers/{paper_id}"))
    return parse_paper_page(response.text, str(response.url))


def _unique(papers: list[ScrapedPaper]) -> list[ScrapedPaper]:
    return list({p.id: p for p in reversed(papers)}.values())[::-1]


def fetch_query(fetcher: Fetcher, ends: Endpoints, text: str) -> Fetched:
    """Daily Papers search: items like the daily API's, without a listed day unless the item has one."""
    try:
        response = fetcher.get(ends.hf("/api/papers/search"), {"q": text})
        papers = parse_items(decode_json(response.content, str(response.url)), str(response.url), None)
    except FAILURES as exc:
        return Fetched(f"search {text!r}", error=str(exc))
    completed = [complete(fetcher, ends, p) for p in _unique(papers)]
    return Fetched(f"search {text!r}", tuple(p for p, _ in completed), notes=tuple(n for _, n in completed if n))


def fetch_hf_paper(fetcher: Fetcher, ends: Endpoints, paper_id: str) -> Fetched:
    """One paper from Hugging Face: its API record, completed by its page (comments, thumbnail)."""
    try:
        response = fetcher.get(ends.hf(f"/api/papers/{paper_id}"))
        paper = parse_paper(decode_json(response.content, str(response.url)), str(response.url), None)
    except FAILURES as api_error:
        if _is_404(api_error):
            return Fetched(paper_id, error=str(api_error), missing=True)
        try:
            return Fetched(paper_id, (paper_page(fetcher, ends, paper_id),), notes=(f"{api_error}; used the HTML page",))
        except FAILURES as page_error:
            return Fetched(paper_id, error=f"{api_error}; then {page_error}", missing=_is_404(page_error))
    try:
        paper = fill_missing(paper, paper_page(fetcher, ends, paper_id))
    except FAILURES:
        pass  # the page only adds the comment count and thumbnail; the API record is enough
    return Fetched(paper_id, (paper,))


def _is_404(error: Exception) -> bool:
    return getattr(error, "status", None) == 404


def fetch_arxiv(fetcher: Fetcher, ends: Endpoints, ids: list[str]) -> list[Fetched]:
    """The papers Hugging Face does not know, in one query to arXiv's API."""
    try:
        response = fetcher.get(ends.arxiv_query(), arxiv.query_params(ids))
        found = {p.id: p for p in arxiv.parse_feed(response.content, str(response.url))}
    except FAILURES as exc:
        return [Fetched(i, error=str(exc)) for i in ids]
    return [
        Fetched(i, (found[i],)) if i in found else Fetched(i, error=f"{i}: not found on Hugging Face or arXiv")
        for i in ids
    ]
