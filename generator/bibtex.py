"""A BibTeX entry for a paper."""
from __future__ import annotations

import re

from generator.model import Paper
from generator.slugs import slugify

_UNSAFE = re.compile(r"[{}\\]")


def bibtex_entry(paper: Paper) -> str:
    fields = [("title", f"{{{_clean(paper.title)}}}")]
    if paper.authors:
        fields.append(("author", " and ".join(_clean(a) for a in paper.authors)))
    if paper.published:
        fields.append(("year", str(paper.published.year)))
    if paper.is_arxiv:
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv"), ("url", f"https://arxiv.org/abs/{paper.id}")]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{citation_key(paper)},\n{body}\n}}"


def citation_key(paper: Paper) -> str:
    """surnameYEARfirstword, e.g. 'huang2026envharness'."""
    surname = slugify(paper.authors[0].split()[-1]) if paper.authors else ""
    year = str(paper.published.year) if paper.published else ""
    word = next((slugify(w) for w in paper.title.split() if len(slugify(w)) > 3), "paper")
    return re.sub(r"[^a-z0-9]", "", f"{surname}{year}{word}") or paper.id


def _clean(text: str) -> str:
    # Braces and backslashes would unbalance or inject into the entry.
    return " ".join(_UNSAFE.sub("", text).split())
