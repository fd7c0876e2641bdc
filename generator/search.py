"""Full-text search: Pagefind indexes the built pages into a static bundle beside them.

Only paper pages are indexed (their <article> carries data-pagefind-body), so a search
lists papers, not the listing pages that repeat their excerpts. The binary comes from
the `pagefind[bin]` Python package: nothing is downloaded at build time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator import urls
from generator.errors import UserError
from generator.stable_index import stabilize


class SearchIndexError(UserError):
    """Pagefind failed; its own message follows ours."""


def index_site(site: Path, bundle: Path | None = None) -> Path:
    """Write the Pagefind bundle into `bundle` (default: `site`/pagefind/) and return that folder."""
    bundle = bundle or site / urls.search_bundle().rstrip("/")
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(bundle), "--silent"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise SearchIndexError(f"search index failed: {said}", site)
    stabilize(bundle)  # the same pages give the same bundle, filters included
    return bundle
