"""Top and stats pages, related papers, page weight, and overriding the theme one template at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bs4 import BeautifulSoup

from generator.build import build
from generator.config import SiteConfig, load_config
from generator.model import Paper
from generator.pages import plan_pages
from generator.related import Related
from generator.taxonomy import build_archive
from tests.conftest import REPO, paper_file, write_content
from tests.themesite import build_archive_site

PAPER_HTML_LIMIT = 25_000
STYLESHEET_LIMIT = 20_000


def paper(pid: str, day: int, upvotes: int | None = None, tags: tuple[str, ...] = (), month: int = 1) -> Paper:
    return Paper(id=pid, title=f"Paper {pid}", listed=dt.date(2024, month, day), upvotes=upvotes, tags=tags)


def plan(papers: list[Paper]) -> dict:
    return {page.path: page for page in plan_pages(build_archive(papers), SiteConfig(per_page=2), {})}


# -- top -------------------------------------------------------------------------------------


def test_top_ranks_by_upvotes_and_leaves_out_unranked_papers() -> None:
    pages = plan([paper("a", 1, 5), paper("b", 2, 50), paper("c", 3, None), paper("d", 4, 5), paper("e", 5, 1)])
    top = pages["top/"].context
    # per_page (2) papers; equal upvotes keep the newer first; no upvote count -> not ranked
    assert pages["top/"].papers == ("b", "d")
    assert top["months"] == [("January 2024", "top/2024/01/")]


def test_top_per_month() -> None:
    pages = plan([paper("a", 1, 5), paper("b", 2, 9, month=2), paper("c", 3, None, month=3)])
    assert pages["top/2024/02/"].papers == ("b",)
    assert pages["top/2024/01/"].papers == ("a",)
    assert "top/2024/03/" not in pages  # nothing ranked that month
    assert pages["top/2024/02/"].context["crumbs"] == (("Top papers", "top/"),)


# -- stats -----------------------------------------------------------------------------------


def test_stats_counts_every_month_including_empty_ones() -> None:
    stats = plan([paper("a", 1, month=1), paper("b", 2, month=3), paper("c", 3, month=3)])["stats/"].context
    per_month, tags = stats["charts"]
    assert [(b.label, b.value) for b in per_month.bars] == [("Mar 2024", 2), ("Feb 2024", 0), ("Jan 2024", 1)]
    assert per_month.bars[1].path is None and per_month.bars[0].path == "2024/03/"
    assert tags.bars == ()


def test_stats_largest_tags_first() -> None:
    papers = [paper("a", 1, tags=("x", "y")), paper("b", 2, tags=("y",)), paper("c", 3, tags=("z", "y", "x"))]
    _, tags = plan(papers)["stats/"].context["charts"]
    assert [(b.label, b.value) for b in tags.bars] == [("y", 3), ("x", 2), ("z", 1)]


def test_stats_names_its_tags_chart_for_what_it_holds() -> None:
    """It said "The 0 largest tags by papers" and "The 1 largest tags" on small archives."""
    titles = [
        plan([paper(f"p{i}", i + 1, tags=tuple(f"t{j}" for j in range(n))) for i in range(2)])["stats/"]
        .context["charts"][1]
        .title
        for n in (0, 1, 3)
    ]
    assert titles == ["Tags", "Tags", "The 3 largest tags by papers"]


# -- related ---------------------------------------------------------------------------------


def test_related_papers_share_tags_most_shared_first() -> None:
    archive = build_archive(
        [
            paper("a", 1, tags=("x", "y")),
            paper("b", 2, tags=("x", "y")),
            paper("c", 3, tags=("x",)),
            paper("d", 4, tags=("z",)),
            paper("e", 5),
        ]
    )
    related = Related(archive)
    assert related.of("a") == ("b", "c")  # b shares two tags, c one; never itself
    assert related.of("d") == () and related.of("e") == ()


def test_related_papers_ties_go_to_the_nearest_in_time() -> None:
    archive = build_archive([paper(str(i), i, tags=("x",)) for i in range(1, 10)])
    assert Related(archive, limit=2).of("5") == ("4", "6")


def test_related_papers_only_look_near_each_paper_in_a_huge_tag() -> None:
    # The window bounds the work per paper; a paper far away in a tag is not considered.
    archive = build_archive([paper(f"p{i:03d}", 1 + i % 28, tags=("big",), month=1 + i // 28) for i in range(300)])
    related = Related(archive, limit=300, window=10)
    assert all(len(related.of(pid)) <= 20 for pid in archive.papers)


def test_paper_page_lists_related_papers(content: Path, site_root: Path, tmp_path: Path) -> None:
    write_content(content, "a.md", paper_file("2401.00001", "First <i>", "tags: [x]\nlisted: 2024-01-01\n"))
    write_content(content, "b.md", paper_file("2401.00002", "Second", "tags: [x]\nlisted: 2024-01-02\n"))
    build(content, tmp_path / "out", SiteConfig(root=site_root), search=False)
    soup = BeautifulSoup((tmp_path / "out/papers/2401.00002/index.html").read_text(encoding="utf-8"), "html.parser")
    related = soup.find("section", class_="related")
    assert related.find("a", href="/papers/2401.00001/").text == "First <i>"


# -- page weight -----------------------------------------------------------------------------


def test_page_weight(tmp_path: Path) -> None:
    site = build_archive_site(tmp_path / "site", search=False)
    sizes = {p.parent.name: p.stat().st_size for p in site.glob("papers/*/index.html")}
    css = (site / "static/style.css").stat().st_size
    largest = max(sizes, key=sizes.get)
    print(
        f"paper HTML: median {sorted(sizes.values())[len(sizes) // 2]} B, largest {sizes[largest]} B ({largest});"
        f" stylesheet {css} B"
    )
    assert sizes[largest] < PAPER_HTML_LIMIT
    assert css < STYLESHEET_LIMIT


def test_page_weight_of_a_full_paper_page(content: Path, site_root: Path, tmp_path: Path) -> None:
    # The seed content has author counts only; a scraped paper has names, links and a long abstract.
    authors = ", ".join(f"Firstname{i} Lastname{i}" for i in range(40))
    extra = (
        f"authors: [{authors}]\nlisted: 2024-01-01\nupvotes: 120\ncomments: 4\ntags: [a, b, c, d]\n"
        "github: https://github.com/o/r\nproject_page: https://example.org/p\n"
        f"ai_summary: '{'A summary sentence. ' * 15}'\nkeywords: [{', '.join(f'kw{i}' for i in range(15))}]\n"
    )
    write_content(
        content,
        "a.md",
        paper_file(
            "2401.00001", "A title of a realistic length " * 3, extra, "An abstract sentence of ordinary length. " * 60
        ),
    )
    for i in range(2, 8):
        write_content(
            content, f"{i}.md", paper_file(f"2401.0000{i}", "Related " * 12, "tags: [a, b]\nlisted: 2024-01-02\n")
        )
    build(content, tmp_path / "out", SiteConfig(root=site_root), search=False)
    size = (tmp_path / "out/papers/2401.00001/index.html").stat().st_size
    print(f"full paper page: {size} B")
    assert size < PAPER_HTML_LIMIT


# -- theme override --------------------------------------------------------------------------


def test_a_theme_overrides_one_template_and_falls_back_to_default(content: Path, tmp_path: Path) -> None:
    root = tmp_path / "fork"
    (root / "themes/mine/templates").mkdir(parents=True)
    (root / "themes/mine/static").mkdir(parents=True)
    (root / "themes/default").symlink_to(REPO / "themes/default")
    (root / "themes/mine/templates/paper.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1 class="mine">{{ view.paper.title }}</h1>{% endblock %}',
        encoding="utf-8",
    )
    (root / "themes/mine/templates/partials").mkdir()
    (root / "themes/mine/templates/partials/list.html").write_text(  # a listing that reads the summaries
        '<ol class="papers">{% for p in papers %}<li class="mine">{{ p.title }}</li>{% endfor %}</ol>', encoding="utf-8"
    )
    (root / "themes/mine/static/extra.css").write_text("/* mine */", encoding="utf-8")
    (root / "site.yaml").write_text("theme: mine\n", encoding="utf-8")
    write_content(content, "a.md", paper_file("2401.00001", "Forked", "listed: 2024-01-01\n"))
    build(content, tmp_path / "out", load_config(root=root), search=False)
    out = tmp_path / "out"
    paper_html = (out / "papers/2401.00001/index.html").read_text(encoding="utf-8")
    assert '<h1 class="mine">Forked</h1>' in paper_html  # the fork's template
    assert 'class="site-header"' in paper_html  # ... inside the default base.html
    assert '<li class="mine">Forked</li>' in (out / "index.html").read_text(encoding="utf-8")  # its listing
    assert (out / "static/extra.css").is_file() and (out / "static/style.css").is_file()
