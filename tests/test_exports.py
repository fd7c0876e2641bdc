"""Exports: a `.bib` list or a Markdown copy is keyed on the fields it shows, so a re-vote rewrites neither."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from generator import urls
from generator.bibtex import base_key, bibtex_entry
from generator.build import build
from generator.config import Exports
from generator.exports import BIB_FIELDS, MARKDOWN_FIELDS, FieldDigests, Shown, paper_markdown, paper_record
from generator.feeds import FEED_FIELDS
from generator.model import FIELDS, Kind, Paper, shown
from generator.search_records import record, record_digest
from generator.views import LINE_FIELDS
from tests.conftest import REPO
from tests.sitecheck import html_files, internal_targets, missing_targets
from tests.test_output import CONFIG, edit_file

FULL = Paper(
    id="2403.06634",
    title="Stealing Part of a Production Language Model",
    abstract="We introduce the *first* model-stealing attack.",
    source_path="papers/2024/03/2403.06634.md",
    authors=("Nicholas Carlini", "Daniel Paleka"),
    author_count=13,
    published=dt.date(2024, 3, 11),
    listed=dt.date(2024, 3, 12),
    upvotes=31,
    comments=2,
    tags=("security",),
    github="https://github.com/a/b",
    github_stars=10,
    project_page="https://example.org/p",
    keywords=("attack",),
    ai_summary="A summary.",
    organization="Google",
    thumbnail="https://example.org/t.png",
    aliases=("stealing-part",),
)
# A value of each kind that FULL gives no field, for a field declared after these tests were written.
ANOTHER = {
    Kind.ID: "another-id",
    Kind.TEXT: "Another text.",
    Kind.URL: "https://example.org/another",
    Kind.COUNT: 5,
    Kind.DAY: dt.date(2022, 2, 2),
    Kind.NAMES: ("Another Name",),
    Kind.TAGS: ("another-tag",),
    Kind.IDS: ("another-alias",),
    Kind.BODY: "Another body.",
}
# A different value for each field. Those of a new field come from its declaration (ANOTHER), so that the tests
# of what each file is keyed on (here, tests/test_views.py, tests/test_feeds.py) cover it without an edit here.
OTHER = {name: ANOTHER[declared.kind] for name, declared in FIELDS.items()} | {
    "id": "2403.06635",
    "title": "Another title",
    "abstract": "Another abstract.",
    "source_path": "papers/elsewhere.md",
    "authors": ("Ada Lovelace",),
    "author_count": 14,
    "published": dt.date(2023, 1, 2),
    "listed": dt.date(2024, 3, 13),
    "upvotes": 32,
    "comments": 3,
    "tags": ("other",),
    "github": "https://github.com/c/d",
    "github_stars": 11,
    "project_page": "https://example.org/q",
    "keywords": ("other",),
    "ai_summary": "Another summary.",
    "organization": "Meta",
    "thumbnail": "https://example.org/u.png",
    "aliases": ("other",),
}
SITE = urls.Urls("https://example.org/")


def test_every_field_has_another_value_here():
    assert set(OTHER) == {f.name for f in dataclasses.fields(Paper)}
    assert [name for name, value in OTHER.items() if value == getattr(FULL, name)] == []


def test_the_example_line_of_a_data_file_in_the_docs_has_its_keys_in_order():
    """docs/open-data.md promises every front matter key in `data/<YYYY>.json`: its example shows them all."""
    text = (REPO / "docs" / "open-data.md").read_text(encoding="utf-8")
    block = text.split("`data/<YYYY>.json`", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    (example,) = json.loads(block)["papers"]
    keys = list(paper_record(FULL, SITE))
    assert list(example) == keys, (
        "docs/open-data.md: the example of data/<YYYY>.json should have the keys " + ", ".join(keys)
    )


@pytest.mark.parametrize("name", sorted(OTHER))
def test_a_field_changes_a_bib_entry_or_markdown_copy_only_if_its_key_covers_it(name):
    changed = dataclasses.replace(FULL, **{name: OTHER[name]})
    entry_same = bibtex_entry(changed, "k") == bibtex_entry(FULL, "k")
    markdown_same = paper_markdown(changed, SITE) == paper_markdown(FULL, SITE)
    assert entry_same or name in BIB_FIELDS
    assert markdown_same or name in MARKDOWN_FIELDS
    assert (shown(changed, BIB_FIELDS) == shown(FULL, BIB_FIELDS)) == (name not in BIB_FIELDS)
    assert (shown(changed, MARKDOWN_FIELDS) == shown(FULL, MARKDOWN_FIELDS)) == (name not in MARKDOWN_FIELDS)
    names = {"rl": "Reinforcement Learning"}
    record_same = record(changed, names) == record(FULL, names)
    assert record_same or record_digest(changed) != record_digest(FULL)  # a changed record: its shard made again


def test_a_re_vote_rewrites_the_page_but_not_the_bib_lists_or_the_markdown_copy(tmp_path: Path):
    content, output, cache_dir = tmp_path / "content", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(REPO / "content", content)
    build(content, output, CONFIG, search=False, cache_dir=cache_dir)
    pid = "filip-fine-grained-interactive-language-image-pre-training"
    files = [f"papers/{pid}/index.html", f"papers/{pid}/index.md", "tags/retrieval/papers.bib", "2021/papers.bib"]
    before = {f: os.stat(output / f).st_ino for f in files}
    edit_file(content, f"{pid}.md", r"^upvotes: \d+", "upvotes: 977")
    build(content, output, CONFIG, search=False, cache_dir=cache_dir)
    after = {f: os.stat(output / f).st_ino for f in files}
    assert [f for f in files if after[f] != before[f]] == [f"papers/{pid}/index.html"]


def test_the_fields_shown_are_digested_again_only_when_the_papers_file_changed():
    fresh = Shown(
        b"file",
        shown(FULL, BIB_FIELDS),
        shown(FULL, MARKDOWN_FIELDS),
        record_digest(FULL),
        shown(FULL, LINE_FIELDS),
        shown(FULL, FEED_FIELDS),
        base_key(FULL),
    )
    saved = Shown(b"file", b"kept bib", b"kept markdown", b"kept record", b"kept line", b"kept feed", "kept2024key")
    assert FieldDigests({FULL.id: b"file"}, {FULL.id: saved}).of(FULL) == saved
    edited = FieldDigests({FULL.id: b"edited file"}, {FULL.id: saved})
    assert edited.of(FULL) == fresh._replace(file=b"edited file") and edited.made == {FULL.id: edited.of(FULL)}
    assert FieldDigests().of(FULL) == fresh._replace(file=b"") and not FieldDigests().made  # no file: not kept


def test_a_title_edit_rewrites_the_markdown_copy_as_a_cold_build_writes_it(tmp_path: Path):
    content, output, cache_dir = tmp_path / "content", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(REPO / "content", content)
    build(content, output, CONFIG, search=False, cache_dir=cache_dir)
    pid = "filip-fine-grained-interactive-language-image-pre-training"
    edit_file(content, f"{pid}.md", r"^title: .*", "title: An edited title")
    build(content, output, CONFIG, search=False, cache_dir=cache_dir)
    build(content, tmp_path / "cold", CONFIG, search=False)
    for name in (f"papers/{pid}/index.md", "2021/papers.bib"):
        assert "An edited title" in (output / name).read_text(encoding="utf-8")
        assert (output / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def _built(tmp_path: Path, exports: Exports) -> Path:
    output = tmp_path / "out"
    build(REPO / "content", output, dataclasses.replace(CONFIG, exports=exports), search=False)
    return output


def test_switched_off_exports_are_neither_written_nor_linked(tmp_path: Path):
    output = _built(tmp_path, Exports(markdown=False, bib=(), data_abstracts=False, citation_abstract=False))
    files = [p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()]
    assert not [f for f in files if f.endswith((".bib", ".md"))]
    pages = "".join(p.read_text(encoding="utf-8") for p in html_files(output))
    assert "citation_abstract" not in pages and "papers.bib" not in pages and "index.md" not in pages
    assert "citation_title" in pages and 'class="abstract"' in pages  # the rest of the page stays
    records = json.loads((output / "data" / "2024.json").read_text(encoding="utf-8"))["papers"]
    assert records and all("abstract" not in r and r["title"] for r in records)
    assert missing_targets(output, CONFIG.base_url) == {}


def test_a_bib_list_kind_left_out_is_neither_written_nor_linked_and_the_others_stay(tmp_path: Path):
    output = _built(tmp_path, Exports(bib=("day", "tag")))
    bibs = {p.relative_to(output).as_posix() for p in output.rglob("papers.bib")}
    assert bibs and all(b.startswith("tags/") or b.count("/") == 3 for b in bibs)  # tags/x/ or YYYY/MM/DD/
    assert "tags/retrieval/papers.bib" in bibs and "2021/papers.bib" not in bibs
    assert (output / "papers" / "filip-fine-grained-interactive-language-image-pre-training" / "index.md").is_file()
    assert "papers.bib" not in (output / "2021" / "index.html").read_text(encoding="utf-8")
    assert "papers.bib" not in (output / "weeks" / "index.html").read_text(encoding="utf-8")
    assert missing_targets(output, CONFIG.base_url) == {}


def test_every_kind_of_list_has_a_bib_by_default(tmp_path: Path):
    output = _built(tmp_path, Exports())
    linked = {path for path in internal_targets(output, CONFIG.base_url)}
    kinds = {"/sub/2019/papers.bib", "/sub/2019/09/papers.bib", "/sub/2019/09/25/papers.bib", "/sub/top/papers.bib"}
    assert kinds | {"/sub/tags/retrieval/papers.bib"} <= linked
    assert any(p.startswith("/sub/weeks/") and p.endswith("papers.bib") for p in linked)
    assert (output / "papers" / "filip-fine-grained-interactive-language-image-pre-training" / "index.md").is_file()
