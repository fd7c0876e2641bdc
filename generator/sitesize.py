"""How many bytes the built site is, and a warning when GitHub Pages would refuse it (over 1 GB).

The build knows each file's bytes as it renders it, and those of the files it left alone from the last
build's record (`cache.BuildState.sizes`), so the output folder is not walked for them: only the theme's
static files and the search bundle, which are copied or written by Pagefind, are measured on disk.

The warning names the one `exports` setting of site.yaml that would save the most: each export's files
are summed from the sizes the build knows; the two that live inside other files (the abstracts in
data/*.json, the citation_abstract tag) are counted from the papers.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from generator import urls
from generator.citation import citation_abstract
from generator.config import Exports, SiteConfig
from generator.exports import Export
from generator.fsutil import tree_bytes
from generator.markup import escape_text
from generator.model import Paper
from generator.pages import Page
from generator.render import Job, output_file
from generator.search import bundle_bytes

PAGES_LIMIT = 10**9  # GitHub Pages refuses to publish a site over 1 GB
_CITATION_TAG = len('<meta name="citation_abstract" content="">\n')
_DATA_KEY = len(', "abstract": ')
_MARKDOWN = "exports: {markdown: false}"
_MARKDOWN_LINK = len('<link rel="alternate" type="text/markdown" href="">\n')
_BIB_LINK = len('<p class="list-bib"><a href="" download>BibTeX for these  papers</a></p>\n')  # about


def _without_bib(kept: Exports, kind: str) -> str:
    return f"exports: {{bib: [{', '.join(k for k in kept.bib if k != kind)}]}}"


def recorded(manifest: Mapping[str, bytes], sizes: Sequence[int]) -> dict[str, int]:
    """Output file -> bytes, as the last build recorded them: a list in the order of its manifest, which
    pickles without a second copy of 46,000 file names (1.4 MB, 15 ms to load at 20,000 papers)."""
    return dict(zip(manifest, sizes, strict=True)) if len(sizes) == len(manifest) else {}


def file_sizes(jobs: Sequence[Job], rendered: Sequence[int], known: Mapping[str, int], output: Path) -> dict[str, int]:
    """Output file -> bytes: as rendered now, else as the last build recorded (else as on disk)."""
    sizes = {}
    for job, size in zip(jobs, rendered, strict=True):
        file = output_file(job)
        sizes[file] = size if size >= 0 else known.get(file, -1)
        if sizes[file] < 0:  # not recorded: an output kept from a build that did not count it
            sizes[file] = os.stat(output / file).st_size
    return sizes


def site_bytes(sizes: Mapping[str, int], output: Path) -> int:
    """The whole site: the files the build planned, its static files and the search bundle."""
    return sum(sizes.values()) + tree_bytes(output / "static") + bundle_bytes(output / urls.search_bundle())


def savings(jobs: Sequence[Job], sizes: Mapping[str, int], papers: Sequence[Paper], config: SiteConfig) -> Counter[str]:
    """What switching off each export still on would save, in bytes, keyed by the site.yaml setting:
    its files and the links to them, and the bytes it adds to other files."""
    saved: Counter[str] = Counter()
    kept, base = config.exports, len(urlsplit(config.base_url).path)
    for job in jobs:
        if isinstance(job, Export) and job.kind == "markdown":
            saved[_MARKDOWN] += sizes[output_file(job)] + _MARKDOWN_LINK + base + len(job.path)
        elif isinstance(job, Export) and job.kind == "bib":
            saved[_without_bib(kept, job.group)] += sizes[output_file(job)]
        elif isinstance(job, Page) and "bib" in job.context:
            bib = job.context["bib"]
            saved[_without_bib(kept, bib.kind)] += _BIB_LINK + base + len(bib.path) + len(str(bib.count))
    if kept.data_abstracts:
        saved["exports: {data_abstracts: false}"] = sum(
            _DATA_KEY + _utf8(json.dumps(p.abstract, ensure_ascii=False)) for p in papers
        )
    if kept.citation_abstract:
        cited = (citation_abstract(p) for p in papers)  # escaped as `CitationView.meta_html` writes it
        saved["exports: {citation_abstract: false}"] = sum(_CITATION_TAG + _utf8(escape_text(a)) for a in cited if a)
    return saved


def oversize(
    total: int, jobs: Sequence[Job], sizes: Mapping[str, int], papers: Sequence[Paper], config: SiteConfig
) -> str:
    """The warning for a site over GitHub Pages' limit ("" when it is not), with the setting that saves the most."""
    if total <= PAGES_LIMIT:
        return ""
    said = f"the site is {total / 1e9:.2f} GB, over the 1 GB that GitHub Pages publishes"
    best = savings(jobs, sizes, papers, config).most_common(1)
    if not best:
        return f"{said}; every export in site.yaml is switched off already"
    setting, saved = best[0]
    return f"{said}; `{setting}` in site.yaml would save the most of any setting ({_amount(saved)})"


def _amount(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 10**7 else f"{size / 1e3:,.0f} kB"


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))
