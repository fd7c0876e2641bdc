"""Faceted search in Chromium: filters and order kept in the URL and restored from it, browsing
without words, abstract-only excerpts; axe-core on the open filters, light and dark; no script errors.

The site is the seed content plus recorded API days (with organizations and code links), indexed
by Pagefind and served under a sub-path. What each URL must show is worked out from the content.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from generator.loader import load_content
from generator.model import Paper
from generator.taxonomy import org_slug
from generator.views import paper_links
from tests.recorded import CONFIG, build_recorded
from tests.test_browser import axe_violations, launched_chromium, tab
from tests.themesite import BASE_URL, serve_folder

SHOWN = 20


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_recorded(
        tmp_path_factory.mktemp("facets"), search=True, config=dataclasses.replace(CONFIG, base_url=BASE_URL)
    )


@pytest.fixture(scope="module")
def papers(built: Path) -> dict[str, Paper]:
    return {p.id: p for p in load_content(built.parent / "content").papers}


@pytest.fixture(scope="module")
def base(built: Path) -> Iterator[str]:
    with serve_folder(built) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


def matches(paper: Paper, filters: dict[str, str]) -> bool:
    facts = {
        "tag": set(paper.tags),
        "year": {str(paper.archive_date.year)} if paper.archive_date else set(),
        "organization": {org_slug(paper.organization)} if paper.organization else set(),
        "code": {"yes"} if any(link.label == "GitHub" for link in paper_links(paper)) else set(),
    }
    return all(value in facts[key] for key, value in filters.items())


def shown(page: Page, query: str) -> list[str]:
    """The ids of the papers the page lists, in order, once the search has run."""
    expect(page.locator("#search-status")).not_to_be_empty()
    hrefs = page.locator("#search-results li h2 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [re.fullmatch(r".*/papers/([^/]+)/", href)[1] for href in hrefs]


def open_search(browser: Browser, base: str, params: dict[str, str], scheme: str = "light"):
    errors: list[str] = []
    context = tab(browser, scheme)
    page = context.__enter__()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}search/?{urlencode(params)}")
    return context, page, errors


def busiest_org(papers: dict[str, Paper]) -> str:
    counts: dict[str, int] = {}
    for paper in papers.values():
        if paper.organization:
            counts[org_slug(paper.organization)] = counts.get(org_slug(paper.organization), 0) + 1
    return max(sorted(counts), key=counts.__getitem__)


def check(browser: Browser, base: str, papers: dict[str, Paper], params: dict[str, str]) -> list[str]:
    """Open the URL; the controls show its state, and exactly the matching papers are listed."""
    filters = {k: v for k, v in params.items() if k in ("tag", "organization", "year", "code")}
    context, page, errors = open_search(browser, base, params)
    try:
        ids = shown(page, params.get("q", ""))
        for key in ("tag", "organization", "year", "code", "sort"):
            assert page.locator(f"#search-{key}").input_value() == params.get(key, "")
        assert page.locator("#search-input").input_value() == params.get("q", "")
        assert all(matches(papers[i], filters) for i in ids), ids
        if "q" not in params:
            expected = [i for i in papers if matches(papers[i], filters)]
            assert (
                ids and len(ids) == min(len(expected), SHOWN) and (len(expected) > SHOWN or set(ids) == set(expected))
            )
            assert f"{len(expected)} paper" in page.locator("#search-status").text_content()
        votes = [papers[i].upvotes or 0 for i in ids]
        days = [papers[i].archive_date.isoformat() for i in ids]
        if params.get("sort") == "upvotes":
            assert votes == sorted(votes, reverse=True)
        if params.get("sort") == "date":
            assert days == sorted(days, reverse=True)
        assert page.url.endswith("?" + urlencode(params))  # the state stays in the URL
        assert errors == []
        return ids
    finally:
        context.__exit__(None, None, None)


def test_browsing_an_organization_by_upvotes(browser: Browser, base: str, papers: dict[str, Paper]) -> None:
    ids = check(browser, base, papers, {"organization": busiest_org(papers), "sort": "upvotes"})
    assert len(ids) > 1


def test_browsing_a_tag_a_year_and_code_newest_first(browser: Browser, base: str, papers: dict[str, Paper]) -> None:
    check(browser, base, papers, {"tag": "recorded", "year": "2026", "code": "yes", "sort": "date"})
    check(browser, base, papers, {"year": "2024"})


def test_the_full_url_form_with_words(browser: Browser, base: str, papers: dict[str, Paper]) -> None:
    org = busiest_org(papers)
    target = max(
        (
            p
            for p in papers.values()
            if p.organization and org_slug(p.organization) == org and matches(p, {"code": "yes"})
        ),
        key=lambda p: p.upvotes or 0,
    )
    word = max(re.findall(r"[A-Za-z]{6,}", target.abstract), key=len).lower()
    params = {
        "q": word,
        "tag": "recorded",
        "organization": org,
        "year": str(target.archive_date.year),
        "code": "yes",
        "sort": "upvotes",
    }
    assert target.id in check(browser, base, papers, params)


def test_excerpts_are_abstract_text_only(browser: Browser, base: str, papers: dict[str, Paper]) -> None:
    context, page, errors = open_search(browser, base, {"organization": busiest_org(papers)})
    try:
        ids = shown(page, "")
        excerpts = page.locator("#search-results .excerpt").all_text_contents()
        for pid, text in zip(ids, excerpts, strict=True):
            words = text.replace("…", "").split()
            assert (
                words and " ".join(words) in " ".join(papers[pid].abstract.split()) or words[0] in papers[pid].abstract
            )
            assert "Published" not in text and "Upvotes" not in text
        assert errors == []
    finally:
        context.__exit__(None, None, None)


def test_changing_a_filter_updates_the_url_and_the_results(
    browser: Browser, base: str, papers: dict[str, Paper]
) -> None:
    context, page, errors = open_search(browser, base, {"year": "2024"})
    try:
        before = shown(page, "")
        page.locator("#search-sort").select_option("upvotes")
        expect(page).to_have_url(re.compile(r"year=2024&sort=upvotes$"))
        page.wait_for_function("document.querySelector('#search-results a') !== null")
        page.wait_for_timeout(300)
        after = shown(page, "")
        assert set(after) <= {i for i in papers if matches(papers[i], {"year": "2024"})}
        assert [papers[i].upvotes or 0 for i in after] == sorted((papers[i].upvotes or 0 for i in after), reverse=True)
        assert before and errors == []
    finally:
        context.__exit__(None, None, None)


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_axe_on_the_open_filters(browser: Browser, base: str, papers: dict[str, Paper], scheme: str) -> None:
    context, page, errors = open_search(browser, base, {"organization": busiest_org(papers), "sort": "upvotes"}, scheme)
    try:
        shown(page, "")
        assert page.locator("#search-facets").get_attribute("open") is not None
        assert axe_violations(page) == []
        assert errors == []
    finally:
        context.__exit__(None, None, None)
