import dataclasses
import datetime as dt

from generator.config import BIB_LISTS, Exports, SiteConfig
from generator.model import Paper
from generator.pages import Pagination, plan_pages
from generator.taxonomy import build_archive
from generator.views import Views


def papers(n, day=dt.date(2024, 3, 5), tags=("x",)):
    return [Paper(id=f"p{i:03d}", title=f"Paper {i}", listed=day, upvotes=i, tags=tags) for i in range(n)]


def plan(items, per_page=10):
    return {p.path: p for p in plan_pages(build_archive(items), SiteConfig(per_page=per_page), {"x": "Ex"})}


def test_pagination_counts_from_the_oldest_end():
    pages = plan(papers(25))  # three numbered pages of 10, 10 and 5 papers, oldest first
    assert {"", "page/1/", "page/2/", "page/3/"} <= set(pages) and "page/4/" not in pages
    assert pages["page/1/"].papers == tuple(f"p{i:03d}" for i in range(9, -1, -1))  # the oldest ten
    assert len(pages["page/3/"].papers) == 5 and pages["page/3/"].papers[0] == "p024"
    front = pages[""]
    assert front.papers == pages["page/3/"].papers + pages["page/2/"].papers  # all that page/1/ does not show
    assert (front.context["pagination"].newer, front.context["pagination"].older) == (None, "page/1/")
    second = pages["page/2/"].context["pagination"]
    assert (second.page, second.newer, second.older) == (2, "page/3/", "page/1/")
    assert (pages["page/3/"].context["pagination"].newer, pages["page/1/"].context["pagination"].older) == ("", None)
    assert {"tags/x/", "tags/x/page/1/", "tags/x/page/3/", "2024/03/05/page/3/"} <= set(pages)


def test_a_full_page_keeps_its_papers_when_newer_ones_come():
    before = plan(papers(25))
    after = plan(papers(25) + [dataclasses.replace(p, id=f"n{p.id}", listed=dt.date(2024, 3, 6)) for p in papers(7)])
    for path in ("page/1/", "page/2/", "tags/x/page/1/", "tags/x/page/2/"):
        assert after[path] == before[path], path
    assert after["page/3/"].papers != before["page/3/"].papers and "page/4/" in after


def test_long_lists_show_one_line_a_paper_and_days_and_the_front_page_cards():
    pages = plan(papers(25))
    compact = {path for path, page in pages.items() if page.context.get("compact")}
    assert {"page/1/", "page/3/", "tags/x/", "tags/x/page/2/", "2024/", "2024/03/"} <= compact
    assert not {"", "2024/03/05/", "2024/03/05/page/2/"} & compact


def test_a_short_list_has_no_numbered_pages():
    pages = plan(papers(10))
    assert "page/1/" not in pages and pages[""].context["pagination"] == Pagination(0, None, None)


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


def test_each_kind_of_list_names_its_bib_as_exports_bib_does_and_only_kept_kinds_keep_it():
    items = [dataclasses.replace(p, organization="Lab") for p in papers(3)]
    every = plan_pages(build_archive(items), SiteConfig(), {})
    kinds = {page.context["bib"].kind for page in every if "bib" in page.context}
    assert kinds == set(BIB_LISTS)
    for kind in BIB_LISTS:
        kept = tuple(k for k in BIB_LISTS if k != kind)
        pages = plan_pages(build_archive(items), SiteConfig(exports=Exports(bib=kept)), {})
        assert {page.context["bib"].kind for page in pages if "bib" in page.context} == set(kept)
        assert [p.path for p in pages] == [p.path for p in every]


def test_a_re_vote_moves_no_paper_on_a_list_of_lines_nor_in_a_bib_only_on_ranked_pages():
    """Lists of lines (home's numbered pages, months, years, tags, organisations) and every day's and week's
    .bib are in timeline order; a day's cards and the front page's rank by upvotes."""
    day = [
        Paper(id=f"p{i:03d}", title=f"P{i}", listed=dt.date(2024, 3, 5), upvotes=100 - i, tags=("x",), organization="O")
        for i in range(25)
    ]
    before = plan(day)
    revoted = [dataclasses.replace(p, upvotes=500) if p.id == "p020" else p for p in day]
    after = plan(revoted)
    lines = [path for path, page in before.items() if page.context.get("compact") and page.template != "week.html"]
    assert {"page/1/", "2024/03/", "2024/", "tags/x/page/2/", "orgs/o/"} <= set(lines)
    assert before["2024/03/"].papers == tuple(f"p{i:03d}" for i in range(24, -1, -1))[: len(before["2024/03/"].papers)]
    for path in lines:
        assert after[path].papers == before[path].papers, path
    for path, page in before.items():
        if "bib" in page.context and page.context["bib"].kind != "top":
            assert after[path].context["bib"].ids == page.context["bib"].ids, path
    assert after["2024/03/05/"].papers[0] == "p020" and before["2024/03/05/"].papers[0] == "p000"
    assert after[""].papers[0] == "p020" and set(after[""].papers) == set(before[""].papers)
    assert after["weeks/2024-W10/"].papers[0] == "p020"  # a week ranks its papers, on one line each
