"""Stable, lowercase ASCII slugs for tags and for ids made from titles."""

from __future__ import annotations

from functools import lru_cache

from slugify import slugify as _slugify


# Tags, surnames and title words repeat across thousands of papers; python-slugify takes ~20 µs a call.
@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = 80) -> str:
    """'Vision–Language (ViT)' -> 'vision-language-vit'. Non-ASCII is transliterated."""
    return _slugify(str(text), max_length=max_length, word_boundary=True)


def title_key(title: str) -> str:
    """Titles compared without case, punctuation or spacing: how the importer and the scraper match a paper
    that has no arXiv id."""
    return slugify(title, max_length=0)
