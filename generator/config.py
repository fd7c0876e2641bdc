"""The site configuration: `site.yaml` at the repository root, every key optional.

The defaults below are the documentation of each key (see also docs/content-format.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.frontmatter import FrontMatterError, read_mapping
from generator.model import Problem
from generator.slugs import slugify
from generator.urls import base_address, is_http


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class TopicFilter:
    """Which scraped papers a focused archive keeps: phrases (title/abstract) or tag slugs."""

    include: tuple[str, ...] = ()  # empty: keep everything not excluded
    exclude: tuple[str, ...] = ()


# The kinds of list that can have a `.bib` of all their papers (`pages.ListBib`), as `exports.bib` names them.
BIB_LISTS = ("day", "week", "month", "year", "tag", "organization", "top")


@dataclass(frozen=True)
class Exports:
    """Outputs that repeat what a paper page shows, for programs; a large archive may switch them off one
    by one (see docs/configuration.md for what each costs). Switched off, an output is neither written
    nor linked from any page."""

    markdown: bool = True  # papers/<id>/index.md, each paper as Markdown
    bib: tuple[str, ...] = BIB_LISTS  # the kinds of list that get a papers.bib of all their papers
    data_abstracts: bool = True  # each paper's abstract in data/<year>.json
    citation_abstract: bool = True  # the citation_abstract tag of paper pages (Zotero reads it)


_EXPORT_FLAGS = ("markdown", "data_abstracts", "citation_abstract")


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Broadsheet"
    description: str = "An archive of the research papers listed on Hugging Face Daily Papers."
    base_url: str = "http://localhost:8000/"  # where the site is served; may carry a sub-path
    language: str = "en"
    per_page: int = 25  # papers per listing page (home, tags, dates)
    feed_size: int = 50  # items per RSS feed
    authors_shown: int = 12  # longer author lists are collapsed on the paper page
    theme: str = "default"  # a folder under themes/
    tag_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tag -> phrases
    topic: TopicFilter = TopicFilter()
    source_url: str = "https://huggingface.co"  # Hugging Face, for the scraper
    arxiv_url: str = "https://export.arxiv.org"  # arXiv's API, for the scraper
    catch_up_days: int = 30  # a scrape without day options fetches missed days up to this far back
    refresh_days: int = 14  # ... and re-fetches the last this many days, as upvotes settle
    exports: Exports = Exports()
    root: Path = Path(".")  # the folder site.yaml lives in; themes/ is found there
    # What site.yaml holds that the site ignores (an unknown key), for the command to show; not a setting.
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)


CONFIG_FILE = "site.yaml"
_SIMPLE = {
    f.name: f.type for f in fields(SiteConfig) if f.name not in ("tag_rules", "topic", "exports", "root", "warnings")
}
URL_KEYS = ("base_url", "source_url", "arxiv_url")
MAX_DAYS = 3650  # catch_up_days, refresh_days (and --refresh-days): ten years of days, well inside the calendar
_HIGHEST = {"catch_up_days": MAX_DAYS, "refresh_days": MAX_DAYS}


def url_problem(text: str) -> str | None:
    """Why `text` cannot be a site's or a service's base URL (None if it can): it must be an
    absolute http(s) URL with a host, since every link and feed URL is built on it."""
    try:
        parts = urlsplit(text)
        ok = is_http(text) and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # a bad port or IPv6 address
        ok = False
    if not ok or any(c.isspace() for c in text):
        return f"{text!r} is not an absolute http(s) URL with a host, like https://USER.github.io/REPO/"
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        return f"{text!r} has a query or fragment; a base URL ends with its path"
    if parts.username is not None or parts.password is not None:  # it is printed on every page and feed
        return f"{text!r} holds a user name or password; a base URL is the site's public address"
    if "//" in parts.path:  # '//x//' made every link '//x//...', on the host x
        return f"{text!r} has '//' in its path; a base URL's path is /, or folders joined by one '/'"
    if re.search(r"\.(html?|php|xml)$", parts.path, re.IGNORECASE):  # links would go below the page: x.html/static/
        return f"{text!r} names a page; a base URL is the folder the site is in, like https://USER.github.io/REPO/"
    try:
        base_address(text)
    except UnicodeError:
        return f"{text!r} has a host name that cannot be written in ASCII (IDNA)"
    return None


def load_config(path: Path | None = None, root: Path = Path(".")) -> SiteConfig:
    """Read `path` (default: root/site.yaml if it exists). Raises ConfigError listing every problem."""
    path = path or (root / CONFIG_FILE)
    if not path.exists() and not path.is_symlink():  # a broken link is a site.yaml that cannot be read, not none
        if path.name != CONFIG_FILE or path.parent != root:
            raise ConfigError([Problem(str(path), 1, "config file not found")])
        return SiteConfig(root=root)
    try:
        raw, lines, _ = read_mapping(path.read_text(encoding="utf-8"))
    except FrontMatterError as exc:
        raise ConfigError([Problem(str(path), exc.line, exc.message)]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(path), 1, f"not UTF-8: {exc.reason}")]) from None
    return _from_mapping(raw, lines, str(path), path.parent)


def _from_mapping(raw: dict[str, Any], lines: dict[str, int], where: str, root: Path) -> SiteConfig:
    problems: list[Problem] = []
    values: dict[str, Any] = {"root": root}
    for key, value in raw.items():
        line = lines.get(str(key), 1)
        if key == "tag_rules":
            values[key] = _tag_rules(value, Problem(where, line, ""), problems)
        elif key == "topic":
            values[key] = _topic(value, Problem(where, line, ""), problems)
        elif key == "exports":
            values[key] = _exports(value, Problem(where, line, ""), problems)
        elif key not in _SIMPLE:
            problems.append(Problem(where, line, f"{key}: unknown key (ignored)", "warning"))
        elif key in URL_KEYS and isinstance(value, str) and (problem := url_problem(value)):
            problems.append(Problem(where, line, f"{key}: {problem}"))
        elif _type_ok(key, value):
            values[key] = value
        else:
            problems.append(Problem(where, line, f"{key}: expected {_expected(key)}, got {value!r}"))
    errors = [p for p in problems if p.is_error]
    if errors:
        raise ConfigError(errors)
    config = SiteConfig(**values, warnings=tuple(problems))
    return replace(config, base_url=base_address(config.base_url))


def _type_ok(key: str, value: Any) -> bool:
    if _SIMPLE[key] == "int":
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _HIGHEST.get(key, value)
    return isinstance(value, str) and value.strip() != ""


def _expected(key: str) -> str:
    if key in _HIGHEST:
        return f"a whole number from 1 to {_HIGHEST[key]}"
    return "a whole number of at least 1" if _SIMPLE[key] == "int" else "text, not empty"


def _tag_rules(value: Any, at: Problem, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        problems.append(replace(at, message="tag_rules: expected a mapping of tag -> list of phrases"))
        return {}
    rules: dict[str, tuple[str, ...]] = {}
    slugs: dict[str, str] = {}  # tag slug -> the tag written so
    for tag, phrases in value.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
            problems.append(replace(at, message=f"tag_rules.{tag}: expected a list of phrases"))
            continue
        problem = _tag_rule_problem(str(tag), phrases, slugs)
        if problem:
            problems.append(replace(at, message=f"tag_rules.{tag}: {problem}"))
        rules[str(tag)] = tuple(phrases)
    return rules


def _tag_rule_problem(tag: str, phrases: list[str], slugs: dict[str, str]) -> str | None:
    """A tag with no letter or digit has no slug; two tags of one slug would merge (the last one's phrases kept);
    a phrase with no letter or digit matches nearly every paper ('  ' matched every one)."""
    slug = slugify(tag)
    if not slug:
        return "a tag needs a letter or digit"
    if slug in slugs:
        return f"the same tag as {slugs[slug]!r} (both are {slug!r})"
    slugs[slug] = tag
    blank = next((p for p in phrases if not any(c.isalnum() for c in p)), None)
    return None if blank is None else f"the phrase {blank!r} has no letter or digit, so it matches nearly every paper"


def _topic(value: Any, at: Problem, problems: list[Problem]) -> TopicFilter:
    if not isinstance(value, dict) or set(value) - {"include", "exclude"}:
        problems.append(replace(at, message="topic: expected a mapping with 'include' and/or 'exclude' lists"))
        return TopicFilter()
    lists = {k: value.get(k) or [] for k in ("include", "exclude")}
    if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in lists.values()):
        problems.append(replace(at, message="topic: include and exclude must be lists of phrases or tags"))
        return TopicFilter()
    for name, phrases in lists.items():
        if blank := next((p for p in phrases if not slugify(p)), None):  # it was dropped without a word
            problems.append(replace(at, message=f"topic.{name}: {blank!r} has no letter or digit to match"))
    return TopicFilter(include=tuple(lists["include"]), exclude=tuple(lists["exclude"]))


def _exports(value: Any, at: Problem, problems: list[Problem]) -> Exports:
    keys = ", ".join(f.name for f in fields(Exports))
    if not isinstance(value, dict):
        problems.append(replace(at, message=f"exports: expected a mapping with some of {keys}"))
        return Exports()
    found: dict[str, Any] = {}
    for key, item in value.items():
        if key in _EXPORT_FLAGS and isinstance(item, bool):
            found[key] = item
        elif key in _EXPORT_FLAGS:
            problems.append(replace(at, message=f"exports.{key}: expected true or false, got {item!r}"))
        elif key == "bib":
            found[key] = _bib_lists(item, at, problems)
        else:
            problems.append(replace(at, message=f"exports: unknown key {key!r} (expected some of {keys})"))
    return Exports(**found)


def _bib_lists(value: Any, at: Problem, problems: list[Problem]) -> tuple[str, ...]:
    """`bib`: a list of kinds of list (in any order), or true (all of them) or false (none)."""
    if isinstance(value, bool):
        return BIB_LISTS if value else ()
    unknown = [item for item in value if item not in BIB_LISTS] if isinstance(value, list) else [value]
    if unknown:
        expected = ", ".join(BIB_LISTS)
        problems.append(replace(at, message=f"exports.bib: unknown list {unknown[0]!r} (expected some of {expected})"))
        return BIB_LISTS
    return tuple(kind for kind in BIB_LISTS if kind in value)
