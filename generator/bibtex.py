"""BibTeX entries that LaTeX survives, with citation keys that are unique and stable across the archive.

Entries follow arXiv's own export (`@misc` with `eprint`, `archivePrefix`, `url`, `doi`); `primaryClass`
is left out because the content format does not record a paper's arXiv category. Titles and names come
from the web, so outside `$...$` every LaTeX special is escaped; inside a balanced pair of `$` (with
balanced braces) the math is kept as written, so `$\\alpha$` stays `$\\alpha$`. Non-ASCII text is kept
as UTF-8, which biber and current bibtex read.

Keys: `surnameYEARword` (`zhan2025inverse`), made ASCII. Papers sharing a key get suffixes `a`, `b`,
... in the order the archive received them: oldest archive date first, then id. So a build that adds
newer papers (the daily scrape) never changes an existing key; only a backfill of an older day with
a clashing key can move the suffixes of the newer papers that share it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from generator.model import Paper
from generator.slugs import slugify

# One-character replacements outside math. Braces and backslashes become commands rather than `\{`:
# BibTeX counts every brace, escaped or not, so `\{` alone would unbalance the field.
_SPECIALS = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}
_NOT_KEY = re.compile(r"[^a-z0-9]")
_SPECIAL = re.compile(r"[&%$#_{}~^\\]")
# Inline ($...$) or display ($$...$$) math; a lone `$` is text and gets escaped.
# Math may not end in a backslash (that `\$` is an escaped dollar, leaving the math open).
_MATH = re.compile(r"\$\$[^$]*[^$\\]\$\$|\$[^$]*[^$\\]\$")
# Characters that break LaTeX inside math too: such a "formula" is escaped as text.
_NOT_MATH = re.compile(r"(?<!\\)[%#&]")


def escape(text: str) -> str:
    """Plain text -> BibTeX field text: specials escaped outside math, math kept, whitespace collapsed."""
    text = " ".join(text.split())
    if "$" not in text:  # no math: most titles and every name (an entry escapes about 16 texts)
        return _escape_text(text)
    out, at = [], 0
    for match in _MATH.finditer(text):
        math = match.group(0)
        if not _braces_balance(math) or _NOT_MATH.search(math):
            continue  # escaped with the text around it
        out += [_escape_text(text[at : match.start()]), math]
        at = match.end()
    out.append(_escape_text(text[at:]))
    return "".join(out)


def _escape_text(text: str) -> str:
    return _SPECIAL.sub(lambda m: _SPECIALS[m.group(0)], text)


def _braces_balance(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def bibtex_name(name: str) -> str:
    """'Chengsong Huang' -> 'Huang, Chengsong'. A name with a comma or the word 'and' in it is
    braced, so that BibTeX takes it as one name."""
    parts = name.split()
    if not parts:
        return ""
    if "," in name or "and" in name.lower().split():
        return "{" + escape(name) + "}"
    if _SPECIAL.search(name) is None:  # most names: escaping would only join their words again
        return parts[0] if len(parts) == 1 else f"{parts[-1]}, {' '.join(parts[:-1])}"
    if len(parts) == 1:
        return escape(parts[0])
    return f"{escape(parts[-1])}, {escape(' '.join(parts[:-1]))}"


def bibtex_entry(paper: Paper, key: str | None = None) -> str:
    """The entry of one paper; `key` from `citation_keys` (the paper's base key if not given)."""
    fields = [("title", f"{{{escape(paper.title)}}}")]
    names = [n for n in (bibtex_name(a) for a in paper.authors) if n]
    if names:
        fields.append(("author", " and ".join(names)))
    if paper.published:
        fields.append(("year", str(paper.published.year)))
    if paper.is_arxiv:
        fields += [
            ("eprint", paper.id),
            ("archivePrefix", "arXiv"),
            ("url", f"https://arxiv.org/abs/{paper.id}"),
            ("doi", arxiv_doi(paper.id)),
        ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or base_key(paper)},\n{body}\n}}"


def arxiv_doi(arxiv_id: str) -> str:
    """The DOI arXiv registers for every paper (without the version)."""
    return "10.48550/arXiv." + re.sub(r"v\d+$", "", arxiv_id)


def bibtex_file(entries: Iterable[str]) -> bytes:
    return "".join(entry + "\n\n" for entry in entries).encode("utf-8")


def base_key(paper: Paper) -> str:
    """surnameYEARfirstword, e.g. 'huang2026envharness' (before any suffix against clashes)."""
    first = paper.authors[0].split() if paper.authors else ()
    surname = _ascii(first[-1]) if first else ""
    year = str(paper.published.year) if paper.published else ""
    word = next((w for w in map(_ascii, paper.title.split()) if len(w) > 3), "paper")
    return f"{surname}{year}{word}" or "paper"


def citation_key(paper: Paper) -> str:
    """The key a paper would have alone in the archive; `citation_keys` resolves clashes."""
    return base_key(paper)


def citation_keys(papers: Mapping[str, Paper], base_of: Callable[[Paper], str] = base_key) -> dict[str, str]:
    """Paper id -> its unique key. Clashing papers are suffixed a, b, ..., z, aa, ab, ... in the order
    the archive received them (oldest archive date first, then id): see the module's docstring.
    `base_of`: `base_key`, or the same reused from the last build (`exports.FieldDigests.base_key`)."""
    groups: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers.values():
        groups[base_of(paper)].append(paper)
    keys: dict[str, str] = {}
    taken = set(groups)
    for base, group in groups.items():
        if len(group) == 1:
            keys[group[0].id] = base
            continue
        group.sort(key=_received)
        keys[group[0].id] = base
        n = 0
        for paper in group[1:]:
            while (key := base + _suffix(n)) in taken:
                n += 1
            keys[paper.id] = key
            taken.add(key)
            n += 1
    return keys


def _received(paper: Paper) -> tuple:
    day = paper.archive_date
    return (day is None, day.toordinal() if day else 0, paper.id)


def _suffix(n: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa': bijective base 26."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(97 + rest) + letters
    return letters


def _ascii(word: str) -> str:
    """Lowercase ASCII letters and digits only; other letters transliterated ('Zoë' -> 'zoe')."""
    # Most words are ASCII already: slugify (20 µs) only for the others. Keys of 100,000 papers
    # took 2 s through slugify alone.
    return _NOT_KEY.sub("", word.lower() if word.isascii() else slugify(word))
