"""The Nu Html Checker (vnu-jar, from tools/) over one page of every kind, in one JVM start."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import urls
from generator.build import build
from generator.config import SiteConfig
from tests.conftest import paper_file, write_content
from tests.themesite import REPO, build_archive_site, sample_pages

VNU = REPO / "tools/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive_site(tmp_path_factory.mktemp("vnu") / "site")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Web text that tries to break the markup: it must stay text, and the page valid."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "themes").symlink_to(REPO / "themes")
    extra = (
        "authors: ['<b>Mallory</b>', 'A \"quoted\" & <i>name</i>']\ntags: ['<script>x</script>', 'a\"b']\n"
        "listed: 2024-01-01\nupvotes: 3\nai_summary: '</p><p>unclosed'\n"
    )
    write_content(
        folder / "content",
        "a.md",
        paper_file(
            "2401.00001", "<h1>Title</h1> & </body>", extra, "<div><p>Abstract <iframe src=x></iframe></div> & **bold**"
        ),
    )
    build(folder / "content", folder / "site", SiteConfig(root=folder), search=False)
    return folder / "site"


def run_vnu(files: list[Path]) -> list[dict]:
    if not VNU.is_file() or not shutil.which("java"):
        pytest.fail("vnu.jar or java missing: run `bash scripts/install-test-tools`")
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return json.loads(done.stderr)["messages"]


def test_every_kind_of_page_has_no_errors(site: Path, hostile_site: Path) -> None:
    pages = sample_pages(site)
    files = [site / urls.output_file(path) for path in [*pages.values(), "saved/"]]
    files += [
        hostile_site / name
        for name in (
            "papers/2401.00001/index.html",
            "tags/index.html",
            "stats/index.html",
            "top/index.html",
            "index.html",
            "2024/01/01/index.html",
        )
    ]
    messages = run_vnu(files)
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, "\n".join(f"{m.get('url', '')}:{m.get('lastLine')}: {m['message']}" for m in errors)
    # Warnings are printed for a human to read (pytest -rA) but do not fail the suite.
    for m in messages:
        print(f"vnu {m['type']}: {m.get('url', '')}:{m.get('lastLine')}: {m['message']}")


def test_the_checker_is_really_checking(tmp_path: Path) -> None:
    # Guards the test above against a checker that silently accepts everything.
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></span>", encoding="utf-8")
    assert any(m["type"] == "error" for m in run_vnu([broken]))


def test_organization_week_and_digest_linked_pages_have_no_errors() -> None:
    from tests.recorded import recorded_site

    site = recorded_site()
    org = min(p for p in (site / "orgs").iterdir() if p.is_dir())
    with_org = next(p for p in sorted(site.glob("papers/*/index.html")) if "/orgs/" in p.read_text(encoding="utf-8"))
    files = [
        site / "orgs/index.html",
        org / "index.html",
        site / "weeks/index.html",
        site / "weeks/2026-W34/index.html",
        site / "2026/08/21/index.html",
        with_org,
        site / "search/index.html",
    ]
    errors = [m for m in run_vnu(files) if m["type"] in ("error", "non-document-error")]
    assert not errors, "\n".join(f"{m.get('url', '')}:{m.get('lastLine')}: {m['message']}" for m in errors)
