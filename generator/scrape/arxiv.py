"""arXiv's Atom API (`/api/query?id_list=...`), for `broadsheet add` when Hugging Face does not know a paper."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from generator.scrape.records import ScrapedPaper, ScrapeError, checked
from generator.scrape.text import iso_day, one_line, paragraphs

ATOM = "{http://www.w3.org/2005/Atom}"
# New-style ids, with an optional `arXiv:` prefix, arXiv DOI, abs/pdf/html URL or Hugging Face paper URL
# around it (with or without its scheme), or version suffix.
ID_IN_TEXT = re.compile(
    r"^(?:arxiv:|(?:https?://)?(?:doi\.org/)?10\.48550/arxiv\."
    r"|(?:https?://)?(?:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)|(?:www\.)?huggingface\.co/papers)/)?"
    r"(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
OLD_STYLE_ID = re.compile(r"^(?:arxiv:)?[a-z-]+(?:\.[a-z]{2})?/\d{7}(?:v\d+)?$", re.IGNORECASE)
ID_FORMS = "2509.24002, arXiv:2509.24002v2, an arxiv.org or huggingface.co/papers URL, 10.48550/arXiv.2509.24002"


def normalise_id(text: str) -> str | None:
    """'arXiv:2509.24002v2' -> '2509.24002'; None for anything that is not a new-style arXiv id."""
    match = ID_IN_TEXT.match(text.strip())
    return match[1] if match else None


def split_ids(texts: list[str]) -> tuple[list[str], list[str]]:
    """The ids in what a user typed (several per argument, split by commas or spaces), once each, and
    what is not a new-style arXiv id (as typed; an empty argument as '')."""
    ids: list[str] = []
    bad: list[str] = []
    for text in texts:
        pieces = [piece for piece in re.split(r"[\s,]+", text) if piece]
        for piece in pieces or [text]:
            found = normalise_id(piece)
            if found is None:
                bad.append(piece)
            elif found not in ids:
                ids.append(found)
    return ids, bad


def query_params(ids: list[str]) -> dict[str, str]:
    return {"id_list": ",".join(ids), "max_results": str(len(ids))}


def parse_feed(body: bytes, url: str) -> dict[str, ScrapedPaper | ScrapeError]:
    """Every entry of an Atom feed, by id: its paper, or why it cannot be used (that paper only).
    arXiv reports a bad query as an entry whose id is an error URL: an error for the whole feed."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:  # also expat's guard against entity expansion bombs
        raise ScrapeError(url, f"invalid Atom XML ({exc})") from None
    if root.tag != f"{ATOM}feed":
        raise ScrapeError(url, f"expected an Atom feed, got <{root.tag[:80]}>")
    entries: dict[str, ScrapedPaper | ScrapeError] = {}
    for entry in root.findall(f"{ATOM}entry"):
        paper_id = _entry_id(entry, url)
        try:
            entries.setdefault(paper_id, _entry(entry, paper_id, url))
        except ScrapeError as exc:
            entries.setdefault(paper_id, exc)
    return entries


def _entry_id(entry: ET.Element, url: str) -> str:
    raw_id = _text(entry, "id")
    if "/api/errors" in raw_id:
        raise ScrapeError(url, f"arXiv reports an error: {one_line(_text(entry, 'summary'))[:300]}")
    match = re.search(r"/abs/(.+?)(?:v\d+)?$", raw_id)
    # Old-style ids (`quant-ph/0210005`) hold a slash, which a file name cannot: it becomes a dash.
    return match[1].replace("/", "-") if match else ""


def _entry(entry: ET.Element, paper_id: str, url: str) -> ScrapedPaper:
    authors = (one_line(_text(a, "name")) for a in entry.findall(f"{ATOM}author"))
    return checked(
        ScrapedPaper(
            id=paper_id,
            title=one_line(_text(entry, "title")),
            source=url,
            abstract=paragraphs(_text(entry, "summary")),
            authors=tuple(a for a in authors if a),
            published=iso_day(_text(entry, "published")),
        )
    )


def _text(element: ET.Element, name: str) -> str:
    child = element.find(f"{ATOM}{name}")
    return child.text or "" if child is not None else ""
