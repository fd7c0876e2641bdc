"""Stable, lowercase ASCII slugs for tags and for ids made from titles."""
from __future__ import annotations

from slugify import slugify as _slugify


def slugify(text: str, max_length: int = 80) -> str:
    """'Vision–Language (ViT)' -> 'vision-language-vit'. Non-ASCII is transliterated."""
    return _slugify(str(text), max_length=max_length, word_boundary=True)
