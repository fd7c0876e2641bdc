"""The topic filter of a focused archive: `topic: {include: [...], exclude: [...]}` in site.yaml.

Each entry is both a tag and a phrase: it matches a paper that has the tag (by slug, from the tag
rules) or whose title, abstract or keywords contain the phrase (same matching as the tag rules:
whole words, case-insensitive unless written in capitals). Exclusion wins; an empty include keeps
every paper that is not excluded. Only new papers are filtered: a file already in the archive is
never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.config import TopicFilter
from generator.slugs import slugify
from generator.tagging import compile_rules


@dataclass(frozen=True)
class Topic:
    include: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (tag slug, phrase pattern)
    exclude: tuple[tuple[str, re.Pattern[str]], ...] = ()


def compile_topic(topic: TopicFilter) -> Topic:
    return Topic(include=_entries(topic.include), exclude=_entries(topic.exclude))


def _entries(phrases: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    # compile_rules keys each pattern by the slug of its tag: exactly the pair we need.
    return tuple(compile_rules({p: [p] for p in phrases if slugify(p)}).items())


def keeps(topic: Topic, tags: tuple[str, ...], *texts: str) -> bool:
    """True if a paper with these tags and texts (title, abstract, keywords) belongs to the topic."""
    text = "\n".join(t for t in texts if t)
    if _hits(topic.exclude, tags, text):
        return False
    return not topic.include or _hits(topic.include, tags, text)


def _hits(entries: tuple[tuple[str, re.Pattern[str]], ...], tags: tuple[str, ...], text: str) -> bool:
    return any(slug in tags or pattern.search(text) for slug, pattern in entries)
