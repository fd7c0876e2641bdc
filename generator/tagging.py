"""Tag rules: site.yaml maps a tag to phrases; a paper whose title or abstract contains one gets the tag.

Matching is on whole words and ignores case, except for phrases written in capitals
(acronyms such as "CLIP"), which must match exactly so that "video clip" is not CLIP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from generator.slugs import slugify


def compile_rules(rules: Mapping[str, Iterable[str]]) -> dict[str, re.Pattern[str]]:
    """One regular expression per tag slug."""
    compiled = {}
    for tag, phrases in rules.items():
        parts = [_phrase_pattern(p) for p in phrases]
        if parts:
            compiled[slugify(tag)] = re.compile("|".join(parts))
    return compiled


def _phrase_pattern(phrase: str) -> str:
    # "vision-language" also matches "vision language" and "Vision–Language".
    body = r"[\s\-\u2010-\u2015]+".join(re.escape(w) for w in re.split(r"[\s\-\u2010-\u2015]+", phrase.strip()))
    flags = "" if phrase.isupper() else "(?i:"
    core = f"{flags}{body})" if flags else body
    return rf"(?<!\w){core}(?!\w)"


def match_tags(compiled: Mapping[str, re.Pattern[str]], *texts: str) -> tuple[str, ...]:
    """The tag slugs whose phrases occur in any of `texts`, in rule order."""
    joined = "\n".join(t for t in texts if t)
    return tuple(tag for tag, pattern in compiled.items() if pattern.search(joined))
