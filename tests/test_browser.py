"""The theme in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

One browser and one build per module; the site is served under a sub-path (/archive/) the way a
host publishing it in a folder would, so every link, the search bundle and its results are checked
under a sub-path too. Screenshots go to <repo>/.cache/screenshots/ for people to look at (not into output/,
which is the build's alone: a folder no build made there would make the next `make site` refuse it).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from generator import urls
from generator.build import build
from generator.config import SiteConfig
from generator.loader import load_content
from tests.conftest import paper_file, write_content
from tests.themesite import (
    BASE_URL,
    REPO,
    build_archive_site,
    sample_pages,
    serve_folder,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = REPO / "tools/node_modules/axe-core/axe.min.js"
SCREENSHOTS = REPO / ".cache" / "screenshots"
PHONE, DESKTOP = 390, 1280
SCHEMES = ("light", "dark")
AXE_KINDS = (
    "home",
    "paper",
    "paper-related",
    "tag",
    "month",
    "day",
    "top",
    "top-month",
    "stats",
    "search",
    "weeks",
    "week",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive_site(tmp_path_factory.mktemp("browser") / "site")


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with serve_folder(site) as url:
        yield url


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, str]:
    return sample_pages(site)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded browser), headless, for one module's tests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `bash scripts/install-test-tools`")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def tab(browser: Browser, scheme: str = "light", width: int = DESKTOP, **options) -> Iterator[Page]:
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900}, **options)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))""")


def search_word(site: Path) -> tuple[str, str, str]:
    """(word, paper id, title): a long word that appears in exactly one paper's abstract."""
    seen: dict[str, set[str]] = {}
    papers = load_content(REPO / "content").papers
    for paper in papers:
        for word in set(re.findall(r"\b[a-z]{9,}\b", paper.abstract.lower())):
            seen.setdefault(word, set()).add(paper.id)
    word, ids = min(((w, ids) for w, ids in seen.items() if len(ids) == 1), key=lambda item: item[0])
    paper = next(p for p in papers if p.id in ids)
    return word, paper.id, paper.title


# -- accessibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", AXE_KINDS)
def test_axe_finds_no_violations(browser: Browser, base: str, pages: dict[str, str], kind: str, scheme: str) -> None:
    with tab(browser, scheme) as page:
        page.goto(base + pages[kind])
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
        assert axe_violations(page) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_on_search_results(browser: Browser, base: str, site: Path, scheme: str) -> None:
    word, _, _ = search_word(site)
    with tab(browser, scheme) as page:
        page.goto(f"{base}search/?q={word}")
        expect(page.locator("#search-results li").first).to_be_visible()
        assert axe_violations(page) == []


def test_axe_is_really_checking(browser: Browser) -> None:
    # Guards the tests above against an axe that silently passes everything.
    with tab(browser) as page:
        page.set_content('<html><body><img src="x.png"><a href="#"></a></body></html>')
        assert {v["id"] for v in axe_violations(page)} >= {"image-alt", "html-has-lang"}


def test_dark_scheme_really_changes_colours(browser: Browser, base: str) -> None:
    colours = {}
    for scheme in SCHEMES:
        with tab(browser, scheme) as page:
            page.goto(base)
            colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colours["light"] != colours["dark"]


def test_keyboard_focus_is_visible(browser: Browser, base: str) -> None:
    with tab(browser) as page:
        page.goto(base)
        for expected in ("skip", "site-title"):
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
                const r = e.getBoundingClientRect();
                return {cls: e.className, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                        inView: r.width > 0 && r.left >= 0 && r.top >= 0 && r.bottom <= innerHeight}; }""")
            assert focused["cls"] == expected
            assert focused["outline"] != "none" and focused["width"] >= 2 and focused["inView"], focused


# -- search ----------------------------------------------------------------------------------


def test_typing_a_word_from_an_abstract_finds_the_paper(browser: Browser, base: str, site: Path) -> None:
    word, paper_id, title = search_word(site)
    with tab(browser) as page:
        page.goto(base + urls.search())
        page.get_by_label("Words from a title").press_sequentially(word, delay=20)
        link = page.locator("#search-results a", has_text=title)
        expect(link).to_be_visible()
        assert "?q=" + word in page.url  # the query is kept for the back button
        link.click()
        page.wait_for_url(base + urls.paper(paper_id))
        expect(page.locator("h1")).to_have_text(title)


@pytest.fixture(scope="module")
def small_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A three-paper site with named authors (the seed content has only counts) and hostile text."""
    folder = tmp_path_factory.mktemp("small")
    content = folder / "content"
    for paper_id, title, extra, body in SMALL_PAPERS:
        write_content(content, f"{paper_id}.md", paper_file(paper_id, title, extra, body))
    config = SiteConfig(base_url=BASE_URL, root=REPO)
    build(content, folder / "site", config)
    with serve_folder(folder / "site") as url:
        yield url


SMALL_PAPERS = (
    (
        "2402.00001",
        "Routing tokens to sparse experts",
        "authors: [Ada Quixotic, Bo Lin]\ntags: [mixture-of-experts]\nlisted: 2024-02-01\n",
        "We route every token to two experts.",
    ),
    (
        "2402.00002",
        "<img src=x onerror=alert(1)> Hostile title",
        "authors: ['<b>Mallory</b> Zed']\ntags: [securitytag]\nlisted: 2024-02-02\n",
        "An abstract about zanzibarite, <script>alert(2)</script> and more.",
    ),
    ("2402.00003", "A plain third paper", "authors: [Carol Plain]\nlisted: 2024-02-03\n", "Nothing special here."),
)


@pytest.mark.parametrize(
    "query, title",
    [
        ("Quixotic", "Routing tokens to sparse experts"),  # an author
        ("securitytag", "<img src=x onerror=alert(1)> Hostile title"),  # a tag
        ("zanzibarite", "<img src=x onerror=alert(1)> Hostile title"),  # a word of the abstract
        ("Routing", "Routing tokens to sparse experts"),  # a word of the title
    ],
)
def test_search_finds_titles_authors_abstracts_and_tags(
    browser: Browser, small_base: str, query: str, title: str
) -> None:
    with tab(browser) as page:
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{small_base}search/?q={query}")
        expect(page.locator("#search-results a", has_text=title)).to_be_visible()
        assert page.locator("#search-results li").count() == 1
        # Hostile titles and excerpts arrive as text: no element, no script run.
        assert page.locator("#search-results script, #search-results img, #search-results b").count() == 0
        assert dialogs == []


def test_search_results_are_text_not_markup(browser: Browser, base: str, site: Path) -> None:
    word, _, _ = search_word(site)
    with tab(browser) as page:
        page.goto(f"{base}search/?q={word}")
        expect(page.locator("#search-results li").first).to_be_visible()
        assert page.locator("#search-results script, #search-results img, #search-results iframe").count() == 0
        assert page.locator("#search-results mark").count() >= 1  # matches stay highlighted


# -- without JavaScript -------------------------------------------------------------------------


def test_without_javascript_the_site_still_works(browser: Browser, base: str, pages: dict[str, str]) -> None:
    with tab(browser, java_script_enabled=False) as page:
        page.goto(base + urls.search())
        expect(page.get_by_text("needs JavaScript")).to_be_visible()
        page.get_by_role("link", name="tag", exact=True).click()
        expect(page.locator("h1")).to_have_text("Tags")
        page.goto(base + pages["paper"])
        expect(page.locator(".bibtex pre")).to_be_visible()
        expect(page.get_by_role("button", name="Copy BibTeX")).to_be_hidden()  # no button that does nothing


def test_copy_button_copies_the_bibtex_entry(browser: Browser, base: str, pages: dict[str, str]) -> None:
    with tab(browser, permissions=["clipboard-read", "clipboard-write"]) as page:
        page.goto(base + pages["paper"])
        page.get_by_role("button", name="Copy BibTeX").click()
        expect(page.locator("#bibtex-status")).to_have_text("Copied to the clipboard.")
        entry = page.locator("#bibtex-code").text_content()
        assert entry.startswith("@") and page.evaluate("navigator.clipboard.readText()") == entry


# -- layout and screenshots ----------------------------------------------------------------------


@pytest.mark.parametrize("width", (PHONE, DESKTOP))
def test_no_sideways_scrolling(browser: Browser, base: str, pages: dict[str, str], width: int) -> None:
    with tab(browser, width=width) as page:
        for kind in ("home", "paper", "tags", "archive", "top", "stats", "search"):
            page.goto(base + pages[kind])
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{kind} at {width}px scrolls sideways by {overflow}px"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", (PHONE, DESKTOP))
def test_screenshots(browser: Browser, base: str, site: Path, pages: dict[str, str], width: int, scheme: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    word, _, _ = search_word(site)
    shots = {
        "home": pages["home"],
        "paper": pages["paper-related"],
        "stats": pages["stats"],
        "top": pages["top"],
        "search": f"search/?q={word}",
    }
    with tab(browser, scheme, width) as page:
        for name, path in shots.items():
            page.goto(base + path)
            if name == "search":
                expect(page.locator("#search-results li").first).to_be_visible()
            target = SCREENSHOTS / f"{name}-{'phone' if width == PHONE else 'desktop'}-{scheme}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 5_000  # a real picture, not an empty frame


# -- serve: live reload ----------------------------------------------------------------------------


@contextmanager
def running_serve(root: Path) -> Iterator[str]:
    """`broadsheet serve --port 0` in `root`; yields the URL it prints."""
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--no-search"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.startswith("serving "):
                yield line.split()[1]
                return
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_reloads_the_page_after_a_content_edit(browser: Browser, tmp_path: Path) -> None:
    (tmp_path / "themes").symlink_to(REPO / "themes")
    content = tmp_path / "content"
    source = write_content(
        content, "2401.00001.md", paper_file("2401.00001", "Before the edit", "listed: 2024-01-02\n")
    )
    write_content(content, "2401.00002.md", paper_file("2401.00002", "Another paper", "listed: 2024-01-03\n"))
    with running_serve(tmp_path) as url, tab(browser) as page:
        page.goto(url + urls.paper("2401.00001"))
        expect(page.locator("h1")).to_have_text("Before the edit")
        page.wait_for_timeout(300)  # let the page's first long poll reach the server
        started = time.monotonic()
        source.write_text(paper_file("2401.00001", "After the edit", "listed: 2024-01-02\n"), encoding="utf-8")
        expect(page.locator("h1")).to_have_text("After the edit", timeout=10_000)
        elapsed = time.monotonic() - started
        print(f"edit to reload: {elapsed:.2f}s")
        assert elapsed < 3, f"the edit took {elapsed:.2f}s to show"


# -- the reading list ----------------------------------------------------------------------------

SAVED = "saved/"


@contextmanager
def watched_tab(browser: Browser, scheme: str = "light", **options) -> Iterator[tuple[Page, list[str]]]:
    """A tab that records every JavaScript error and every request that leaves the site."""
    with tab(browser, scheme, accept_downloads=True, **options) as page:
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"error: {error}"))
        # A failed load is reported below with its URL; the browser's own favicon request is not ours.
        page.on(
            "console",
            lambda m: (
                problems.append(f"console: {m.text}")
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status}: {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.on(
            "request",
            lambda r: (
                problems.append(f"external: {r.url}")
                if not r.url.startswith(("http://127.0.0.1", "blob:", "data:"))
                else None
            ),
        )
        yield page, problems


def test_reading_list_save_mark_export_reload_remove(
    browser: Browser, base: str, pages: dict[str, str], tmp_path: Path
) -> None:
    with watched_tab(browser) as (page, problems):
        page.goto(base + pages["paper"])
        title = page.locator("h1").text_content()
        save = page.get_by_role("button", name=re.compile("^Save"))
        expect(save).to_have_attribute("aria-pressed", "false")
        save.click()
        expect(save).to_have_attribute("aria-pressed", "true")
        page.goto(base + pages["day"])
        card = page.locator(".paper-card").first
        card_title = card.locator("h2").text_content().strip()
        card.get_by_role("button", name=re.compile("^Save")).click()
        page.goto(base + SAVED)
        items = page.locator("#saved-list > li h2")
        expect(items).to_have_count(2)
        assert [t.strip() for t in items.all_text_contents()] == [card_title, title]  # newest saved first
        page.get_by_role("button", name=f"Mark as read: {title}").click()
        expect(page.locator("#saved-status")).to_have_text(f"Marked as read: {title}")
        expect(page.get_by_role("button", name=f"Mark as unread: {title}")).to_be_visible()
        with page.expect_download() as info:
            page.get_by_role("button", name="Export BibTeX").click()
        download = info.value
        assert download.suggested_filename == "saved.bib"
        text = Path(download.path()).read_text(encoding="utf-8")
        assert text.count("@misc{") == 2 and page.locator("#bibtex-code").count() == 0
        expect(page.locator("#saved-status")).to_contain_text("Exported 2 BibTeX entries")
        page.reload()
        expect(items).to_have_count(2)
        expect(page.get_by_role("button", name=f"Mark as unread: {title}")).to_be_visible()
        page.get_by_role("button", name=f"Remove: {card_title}").click()
        expect(items).to_have_count(1)
        expect(page.locator("#saved-status")).to_have_text(f"Removed: {card_title}")
        page.goto(base + pages["paper"])
        expect(page.get_by_role("button", name=re.compile("^Save"))).to_have_attribute("aria-pressed", "true")
        assert problems == []


def test_reading_list_exports_and_imports_json_by_keyboard(
    browser: Browser, base: str, pages: dict[str, str], tmp_path: Path
) -> None:
    with watched_tab(browser) as (page, problems):
        page.goto(base + pages["paper"])
        page.get_by_role("button", name=re.compile("^Save")).focus()
        page.keyboard.press("Enter")
        page.goto(base + SAVED)
        with page.expect_download() as info:
            page.get_by_role("button", name="Export list (JSON)").focus()
            page.keyboard.press("Enter")
        exported = tmp_path / "saved.json"
        info.value.save_as(exported)
        entries = json.loads(exported.read_text())
        assert len(entries) == 1 and entries[0]["path"].endswith(pages["paper"])
        page.get_by_role("button", name=re.compile("^Remove")).click()
        expect(page.locator("#saved-empty")).to_be_visible()
        hostile = tmp_path / "hostile.json"
        hostile.write_text(
            json.dumps(entries + [{"id": "x", "title": "<img src=x onerror=alert(1)>", "path": "javascript:alert(1)"}])
        )
        page.get_by_label("Import a list (JSON)").set_input_files(str(exported))
        expect(page.locator("#saved-list > li")).to_have_count(1)
        page.get_by_label("Import a list (JSON)").set_input_files(str(hostile))
        expect(page.locator("#saved-status")).to_have_text("Imported 0 papers (1 were already saved).")
        expect(page.locator("#saved-list > li")).to_have_count(1)
        assert problems == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_on_the_reading_list(browser: Browser, base: str, pages: dict[str, str], scheme: str) -> None:
    with watched_tab(browser, scheme) as (page, problems):
        page.goto(base + pages["paper"])
        page.get_by_role("button", name=re.compile("^Save")).click()
        page.goto(base + SAVED)
        expect(page.locator("#saved-list > li")).to_have_count(1)
        assert axe_violations(page) == []
        page.get_by_role("button", name=re.compile("^Mark as read")).click()
        assert axe_violations(page) == []
        assert problems == []


def test_reading_list_without_javascript_or_storage(browser: Browser, base: str, pages: dict[str, str]) -> None:
    with tab(browser, java_script_enabled=False) as page:
        for kind in ("paper", "day", "top"):
            page.goto(base + pages[kind])
            expect(page.locator("button.save").first).to_be_hidden()
        page.goto(base + SAVED)
        expect(page.get_by_text("The reading list runs in your browser and needs JavaScript")).to_be_visible()
    with watched_tab(browser) as (page, problems):
        page.add_init_script(
            "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('no', 'SecurityError'); }})"
        )
        page.goto(base + pages["paper"])
        expect(page.locator("button.save")).to_be_hidden()
        page.goto(base + SAVED)
        expect(page.get_by_role("alert")).to_contain_text("does not let the site store data")
        assert problems == []


def test_serve_shows_a_failed_build_over_the_page_until_a_fix(browser: Browser, tmp_path: Path) -> None:
    (tmp_path / "themes").symlink_to(REPO / "themes")
    content = tmp_path / "content"
    source = write_content(content, "2401.00001.md", paper_file("2401.00001", "Good title", "listed: 2024-01-02\n"))
    with running_serve(tmp_path) as url, tab(browser) as page:
        page.goto(url + urls.paper("2401.00001"))
        page.wait_for_timeout(300)  # let the page's first long poll reach the server
        source.write_text("---\nid: '2401.00001'\ntitle: '<b>Bad</b>'\nupvotes: many\n---\n", encoding="utf-8")
        banner = page.locator("#broadsheet-build-error")
        expect(banner).to_be_visible(timeout=10_000)  # the page reloaded by itself
        expect(banner).to_contain_text(f"{source.relative_to(tmp_path)}:4: upvotes:")
        expect(page.locator("h1")).to_have_text("Good title")  # the last good build, still served
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "serve-build-error.png"))
        page.wait_for_timeout(300)
        source.write_text(paper_file("2401.00001", "Fixed title", "listed: 2024-01-02\n"), encoding="utf-8")
        expect(page.locator("h1")).to_have_text("Fixed title", timeout=10_000)
        expect(banner).to_have_count(0)
        page.wait_for_timeout(300)
        source.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
        expect(banner).to_be_visible(timeout=10_000)
        page.get_by_role("button", name="Hide").click()  # out of the way, for a look at the page
        expect(banner).to_have_count(0)
