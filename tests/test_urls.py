import datetime as dt

import pytest

from generator import urls
from generator.config import url_problem
from generator.loader import load_content
from generator.markup import safe_url
from generator.scrape.text import clean_url
from tests.conftest import paper_file, write_content


def test_paths_are_stable():
    assert urls.home() == "" and urls.home(1) == "page/1/" and urls.home(2) == "page/2/"  # 0: the front page
    assert urls.paper("2310.00653") == "papers/2310.00653/"
    assert urls.tag("video") == "tags/video/" and urls.tag("video", 3) == "tags/video/page/3/"
    assert urls.tag_feed("video") == "tags/video/feed.xml"
    assert urls.year(2024) == "2024/" and urls.month(2024, 3) == "2024/03/"
    assert urls.day(dt.date(2024, 3, 5)) == "2024/03/05/" and urls.day(dt.date(2024, 3, 5), 2) == "2024/03/05/page/2/"


def test_output_files():
    assert urls.output_file("") == "index.html"
    assert urls.output_file("papers/x/") == "papers/x/index.html"
    assert urls.output_file("feed.xml") == "feed.xml"


def test_sub_path_base():
    site = urls.Urls("https://user.github.io/repo")
    assert site.href("papers/x/") == "/repo/papers/x/"
    assert site.absolute("feed.xml") == "https://user.github.io/repo/feed.xml"
    assert urls.Urls("https://example.org/").href("") == "/"


def test_one_rule_for_http_urls_the_scheme_without_case():
    for url in ("http://x.org/", "https://x.org/a", "HTTPS://X.ORG/", "Http://x"):
        assert urls.is_http(url), url
    for url in ("ftp://x.org/", "javascript:alert(1)", "http:/x", "https//x", "//x.org/", " http://x", ""):
        assert not urls.is_http(url), url


def test_a_base_url_gets_one_trailing_slash():
    assert urls.base_address("https://h/repo") == "https://h/repo/" == urls.base_address("https://h/repo/")


def test_a_base_url_outside_ascii_is_written_in_ascii():
    """A sitemap and a feed carry only ASCII URLs (RFC 3986): the host in IDNA, the path %-escaped."""
    address = urls.base_address("https://Bücher.example:8443/Bücher & co/")
    assert address == "https://xn--bcher-kva.example:8443/B%C3%BCcher%20&%20co/"
    assert urls.Urls("https://bücher.example/ü").href("papers/x/") == "/%C3%BC/papers/x/"
    with pytest.raises(UnicodeError):
        urls.base_address("https://" + "ü" * 70 + ".example/")  # a label IDNA cannot write


def test_every_check_of_a_link_follows_that_rule(content):
    """The loader, the abstract's links, the scraper and the config accept and refuse the same schemes."""
    upper, other = "HTTPS://Example.org/code", "ftp://example.org/code"
    assert safe_url(upper) == upper and clean_url(upper) == upper and url_problem(upper + "/") is None
    assert safe_url(other) is None and clean_url(other) is None and url_problem(other + "/") is not None
    write_content(content, "2024/a.md", paper_file("a", "A", f"github: {upper}\n"))
    write_content(content, "2024/b.md", paper_file("b", "B", f"github: {other}\n"))
    loaded = load_content(content)
    assert [p.github for p in loaded.papers] == [upper]
    assert [(p.path.endswith("b.md"), p.line) for p in loaded.errors if "http(s)" in p.message] == [(True, 4)]
    assert len(loaded.errors) == 1
