"""Every URL of the site in one place. Feeds and links depend on these: keep them stable.

Paths here are site-relative ("papers/2310.00653/"); `Urls` turns them into links that carry
the base URL's sub-path ("/archive/papers/2310.00653/") or into absolute URLs for feeds.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlsplit, urlunsplit


def home(page: int = 0) -> str:
    return _paged("", page)


def paper(paper_id: str) -> str:
    return f"papers/{paper_id}/"


def tags_index() -> str:
    return "tags/"


def tag(slug: str, page: int = 0) -> str:
    return _paged(f"tags/{slug}/", page)


def tag_feed(slug: str) -> str:
    return f"tags/{slug}/feed.xml"


def archive() -> str:
    return "archive/"


def year(y: int, page: int = 0) -> str:
    return _paged(f"{y:04d}/", page)


def month(y: int, m: int, page: int = 0) -> str:
    return _paged(f"{y:04d}/{m:02d}/", page)


def day(d: dt.date, page: int = 0) -> str:
    return _paged(f"{d.year:04d}/{d.month:02d}/{d.day:02d}/", page)


def feed() -> str:
    return "feed.xml"


def top() -> str:
    return "top/"


def top_month(y: int, m: int) -> str:
    return f"top/{y:04d}/{m:02d}/"


def weeks_index() -> str:
    return "weeks/"


def week(y: int, w: int) -> str:
    """An ISO week: 'weeks/2026-W01/'."""
    return f"weeks/{y:04d}-W{w:02d}/"


def orgs_index() -> str:
    return "orgs/"


def org(slug: str, page: int = 0) -> str:
    return _paged(f"orgs/{slug}/", page)


def org_feed(slug: str) -> str:
    return f"orgs/{slug}/feed.xml"


def digest_feed(period: str) -> str:
    """'weekly' or 'monthly'."""
    return f"digest/{period}.xml"


def json_feed(feed_path: str) -> str:
    """The JSON Feed beside an RSS file: 'tags/x/feed.xml' -> 'tags/x/feed.json'."""
    return feed_path.removesuffix(".xml") + ".json"


def stats() -> str:
    return "stats/"


def search() -> str:
    return "search/"


def search_bundle() -> str:
    """The folder Pagefind writes its index and scripts to."""
    return "pagefind/"


def opml() -> str:
    return "feeds.opml"


def _paged(path: str, page: int) -> str:
    """A listing's front page (0: its newest papers) or its numbered page N, counted from the oldest
    end (`pages.Listing`): page/1/ holds the oldest papers, so a full page never changes."""
    return path if page == 0 else f"{path}page/{page}/"


def output_file(path: str) -> str:
    """The file a site path is written to: folders get an index.html."""
    return f"{path}index.html" if path == "" or path.endswith("/") else path


def base_address(base_url: str) -> str:
    """`base_url` as pages and feeds write it: ending in '/', so that site paths can be appended to it,
    and in ASCII (a host in its IDNA form, a path %-escaped), since sitemaps and feeds carry only ASCII
    URLs. UnicodeError for a host that IDNA cannot write."""
    url = base_url if base_url.endswith("/") else base_url + "/"
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii")
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe="/%:@!$&'()*+,;=~"), "", ""))


def is_http(url: str) -> bool:
    """Whether `url` is an http(s) URL, by its scheme, compared without case as RFC 3986 says.
    Only such URLs become links or are kept from a source; a base URL needs a host too (config)."""
    return url[:8].lower().startswith(("http://", "https://"))


class Urls:
    """Turns site paths into links for one base URL (which may carry a sub-path)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_address(base_url)
        self.base_path = urlsplit(self.base_url).path or "/"

    def href(self, path: str) -> str:
        """A root-relative link: '/archive/papers/x/' for base 'https://h/archive/'."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        return self.base_url + path
