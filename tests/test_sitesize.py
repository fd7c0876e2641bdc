"""The site's size as the build knows it, and the warning when GitHub Pages would refuse the site."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from generator import cache, cli, sitesize
from generator.build import build
from generator.config import Exports, load_config
from tests.conftest import REPO
from tests.test_output import CONFIG, edit_file

NONE = Exports(markdown=False, bib=(), data_abstracts=False, citation_abstract=False)
WARNING = re.compile(
    r"broadsheet: warning: the site is \d+\.\d\d GB, over the 1 GB that GitHub Pages publishes; `(.+)`"
    r" in site\.yaml would save the most of any setting \(([\d,]+) kB\)\n"
)


def walked(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_the_build_knows_the_site_size_cold_incremental_and_unchanged(tmp_path: Path):
    content, output, cache_dir = tmp_path / "content", tmp_path / "out", tmp_path / "cache"
    shutil.copytree(REPO / "content", content)
    cold = build(content, output, CONFIG, cache_dir=cache_dir)
    assert cold.size == walked(output) and (output / "pagefind").is_dir()  # the search bundle counts too
    edit_file(
        content, "filip-fine-grained-interactive-language-image-pre-training.md", r"^title: .*", "title: A longer title"
    )
    changed = build(content, output, CONFIG, cache_dir=cache_dir)
    assert 0 < changed.written < cold.written and changed.size == walked(output) != cold.size
    assert build(content, output, CONFIG, cache_dir=cache_dir).size == changed.size
    state = cache.load_state(cache.CacheFiles.of(cache_dir, content, output).build)  # what the next build reads
    recorded = sitesize.recorded(state.manifest, state.sizes)
    assert recorded.keys() == state.manifest.keys() and recorded["index.html"] == (output / "index.html").stat().st_size
    assert sum(recorded.values()) + walked(output / "pagefind") + walked(output / "static") == changed.size
    assert changed.oversize == ""  # a few megabytes


def _warned(tmp_path: Path, monkeypatch, capsys, exports: Exports, name: str) -> tuple[str, int]:
    """Build the seed under a limit of 1 byte (1 GB would take minutes) with `exports`, quietly: the warning
    line and the folder's bytes."""
    root = tmp_path / name
    root.mkdir()
    config = REPO / "site.yaml"
    text = config.read_text(encoding="utf-8") + _yaml(exports)
    (root / "site.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sitesize, "PAGES_LIMIT", 1)
    argv = ["-q", "build", "--content", str(REPO / "content"), "--config", str(root / "site.yaml")]
    assert cli.main([*argv, "--output", str(root / "out"), "--no-search", "--no-cache"]) == 0  # a warning, not an error
    out, err = capsys.readouterr()
    assert out == ""  # -q: no summary line, but the warning all the same
    return err, walked(root / "out")


@pytest.fixture(scope="module")
def every_export_off(tmp_path_factory) -> int:
    """The bytes of the seed site built with every export switched off."""
    config = dataclasses.replace(load_config(root=REPO), exports=NONE)
    output = tmp_path_factory.mktemp("none") / "out"
    build(REPO / "content", output, config, search=False)
    return walked(output)


def _yaml(exports: Exports) -> str:
    flags = "".join(
        f"  {k}: {str(getattr(exports, k)).lower()}\n" for k in ("markdown", "data_abstracts", "citation_abstract")
    )
    return f"exports:\n{flags}  bib: [{', '.join(exports.bib)}]\n"


@pytest.mark.parametrize(
    ("kept", "setting"),
    [
        (dataclasses.replace(NONE, markdown=True), "exports: {markdown: false}"),
        (dataclasses.replace(NONE, bib=("tag",)), "exports: {bib: []}"),
        (dataclasses.replace(NONE, data_abstracts=True), "exports: {data_abstracts: false}"),
        (dataclasses.replace(NONE, citation_abstract=True), "exports: {citation_abstract: false}"),
    ],
)
def test_over_the_limit_one_warning_line_names_the_setting_and_what_it_saves(
    tmp_path, monkeypatch, capsys, every_export_off, kept, setting
):
    err, size = _warned(tmp_path, monkeypatch, capsys, kept, "one")
    warning = WARNING.fullmatch(err)
    assert warning, err
    assert warning[1] == setting
    without = every_export_off
    saved = int(warning[2].replace(",", "")) * 1000
    assert abs((size - without) - saved) <= 0.02 * saved + 1000, (size - without, saved)


def test_the_largest_saving_is_named_and_every_export_off_says_so(tmp_path, monkeypatch, capsys):
    err, _ = _warned(tmp_path, monkeypatch, capsys, Exports(), "every")
    assert WARNING.fullmatch(err)[1] == "exports: {markdown: false}", err  # 89 copies outweigh every .bib kind
    err, _ = _warned(tmp_path, monkeypatch, capsys, NONE, "none")
    assert err.endswith("; every export in site.yaml is switched off already\n") and err.count("\n") == 1


def test_under_the_limit_no_warning(tmp_path, capsys):
    argv = ["-q", "build", "--content", str(REPO / "content"), "--output", str(tmp_path / "out"), "--no-search"]
    assert cli.main([*argv, "--no-cache"]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_build_with_nothing_to_do_still_warns(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sitesize, "PAGES_LIMIT", 1)
    argv = ["build", "--content", str(REPO / "content"), "--output", str(tmp_path / "out"), "--no-search"]
    argv += ["--cache", str(tmp_path / "cache")]
    assert cli.main(argv) == 0
    first = capsys.readouterr()
    assert cli.main(argv) == 0
    again = capsys.readouterr()
    assert "(0 written, 0 deleted)" in again.out and again.err == first.err
    assert WARNING.fullmatch(first.err.splitlines(keepends=True)[-1])  # after the content's own warning
