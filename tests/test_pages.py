import dataclasses
import datetime as dt

from generator.config import SiteConfig
from generator.model import Paper
from generator.pages import plan_pages
from generator.taxonomy import build_archive
from generator.views import Views


def papers(n, day=dt.date(2024, 3, 5), tags=("x",)):
    return [Paper(id=f"p{i:03d}", title=f"Paper {i}", listed=day, upvotes=i, tags=tags) for i in range(n)]


def plan(items, per_page=10):
    return {p.path: p for p in plan_pages(build_archive(items), SiteConfig(per_page=per_page), {"x": "Ex"})}


def test_pagination_paths_and_links():
    pages = plan(papers(25))
    assert {"", "page/2/", "page/3/"} <= set(pages) and "page/4/" not in pages
    second = pages["page/2/"].context["pagination"]
    assert (second.page, second.pages, second.newer, second.older) == (2, 3, "", "page/3/")
    assert pages[""].papers[:2] == ("p024", "p023")
    assert len(pages["page/3/"].papers) == 5
    assert {"tags/x/", "tags/x/page/2/", "tags/x/page/3/", "2024/03/05/page/3/"} <= set(pages)


def test_an_empty_archive_still_has_a_home_page():
    pages = plan([])
    assert pages[""].papers == () and "tags/" in pages and "archive/" in pages


def test_archive_counts_and_period_links():
    items = papers(3) + [dataclasses.replace(p, id=f"q{p.id}", listed=dt.date(2023, 12, 31)) for p in papers(2)]
    pages = plan(items)
    years = pages["archive/"].context["years"]
    assert [(y, n) for y, n, _ in years] == [(2024, 3), (2023, 2)]
    assert years[0][2] == [("March", "2024/03/", 3)]
    assert pages["2024/03/"].context["periods"] == [("5 March", "2024/03/05/", 3)]
    assert pages["2023/12/31/"].context["crumbs"] == (("2023", "2023/"), ("December", "2023/12/"))


def test_tag_names_come_from_the_rules():
    pages = plan(papers(1))
    assert pages["tags/"].context["tags"][0][0].name == "Ex"
    assert pages["tags/x/"].context["tag"].name == "Ex"


def test_paper_pages_link_newer_and_older():
    archive = build_archive(papers(3))
    page = next(p for p in plan_pages(archive, SiteConfig(), {}) if p.path == "papers/p001/")
    view = Views(archive, {}).paper_view(page.paper)
    assert (view.newer.id, view.older.id) == ("p002", "p000")
    assert view.listed_path == "2024/03/05/"
