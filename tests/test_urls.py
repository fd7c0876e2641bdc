import datetime as dt

from generator import urls


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
