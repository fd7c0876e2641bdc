"""Broadsheet: a static archive of the papers listed on Hugging Face Daily Papers.

Its modules, in the order data flows (docs/architecture.md has one line on each):

- records, files, settings: `model`, `frontmatter`, `fastyaml`, `fields`, `loader`, `limits`, `store`, `fsutil`,
  `config`, `slugs`, `tagging`, `urls`, `errors`, `freshness`
- into content/: `scrape` (the scraper, a package), `importer` (a copied listing page), `tidy`,
  `scaffold` (a new archive)
- the plan: `taxonomy`, `weeks`, `pages`, `feeds`, `digest`, `jsonfeed`, `opml`, `sitemap`, `exports`,
  `favicon`
- what a page shows: `views`, `related`, `markup`, `citation`, `bibtex`, `charts`
- rendering and writing: `render`, `templating`, `keys`, `parallel`, `output`, `undo`, `spares`, `outdir`, `cache`,
  `search`, `search_records`, `search_words`, `pagefind_service`, `stable_index`, `sitesize`, `build`
- commands: `__main__`, `cli`, `options`, `console`, `serve`, `devhttp`
"""

from __future__ import annotations


def _version() -> str:
    """The one version, pyproject.toml's, as the installed metadata carries it (or, in a checkout
    run without installing, as pyproject.toml says)."""
    import tomllib
    from importlib import metadata
    from pathlib import Path

    try:
        return metadata.version("broadsheet")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


def __getattr__(name: str) -> str:
    # `__version__` is looked up when first asked for: the metadata lookup (tomllib too, in a checkout) was part
    # of every command's start-up, and only --version, `new` and the scraper's user agent need it.
    if name == "__version__":
        globals()["__version__"] = version = _version()
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
