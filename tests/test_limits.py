"""limits.within_limits against the loader's own checks: whatever it keeps, `broadsheet check` accepts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.limits import within_limits
from generator.loader import parse_file
from generator.model import FIELDS, FIRST_DAY, MAX_COUNT, MAX_NAME, Declared, Kind, Paper, last_day
from generator.store import paper_text

TODAY = dt.date.today()  # the loader checks dates against today too


def around(limit: int) -> st.SearchStrategy[int]:
    """A size well inside `limit`, at it, or just past it."""
    return st.sampled_from([0, 1, limit - 1, limit, limit + 1, limit + 7])


def values(declared: Declared) -> st.SearchStrategy[object]:
    """Values of `declared`'s kind a service or a copied page might send, inside and past its limit."""
    kind, limit = declared.kind, declared.limit
    if kind.is_list:
        item = st.builds(lambda i, long: "x" * (MAX_NAME + 1) if long else f"a{i}", st.integers(0, 99), st.booleans())
        return st.builds(lambda n, extra: tuple(f"a{i}" for i in range(n)) + extra, around(limit), st.tuples(item))
    if kind is Kind.BODY:
        return around(limit // 5).map(lambda n: ("word " * n).strip())
    if kind in (Kind.TEXT, Kind.URL):
        return around(limit - 20).map(lambda n: "https://example.org/" + "x" * n)
    if kind is Kind.DAY:
        return st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1))
    return st.one_of(st.integers(0, 10**4), st.integers(MAX_COUNT - 1, MAX_COUNT + 1), st.integers(10**12, 10**15))


OPTIONAL = {name: d for name, d in FIELDS.items() if not d.required and d.kind is not Kind.ID}
papers = st.fixed_dictionaries({}, optional={name: values(d) for name, d in OPTIONAL.items()}).map(
    lambda given: Paper(id="2401.00001", title="A title", **given)
)


@settings(max_examples=150, deadline=None)
@given(papers)
def test_what_within_limits_keeps_passes_the_loaders_checks(paper):
    kept, changed = within_limits(paper, TODAY)
    _, problems = parse_file(Path("2401.00001.md"), paper_text(kept).encode())
    assert [str(p) for p in problems if p.is_error] == []
    assert within_limits(kept, TODAY) == (kept, ())
    assert all(getattr(kept, name) == getattr(paper, name) for name in FIELDS if name not in changed)


def test_each_kind_is_cut_or_left_out_and_named():
    paper = Paper(
        id="x",
        title="T",
        abstract="word " * 5_000,
        authors=("Ann", "x" * (MAX_NAME + 1)),
        upvotes=MAX_COUNT + 1,
        comments=MAX_COUNT,
        published=FIRST_DAY - dt.timedelta(days=1),
        listed=last_day(TODAY),
        github="https://example.org/" + "x" * 2_000,
    )
    kept, changed = within_limits(paper, TODAY)
    assert changed == ("abstract", "authors", "published", "upvotes", "github")
    assert kept.abstract.endswith("word") and len(kept.abstract) <= FIELDS["abstract"].limit
    assert (kept.authors, kept.upvotes, kept.published, kept.github) == (("Ann",), None, None, None)
    assert (kept.comments, kept.listed) == (MAX_COUNT, last_day(TODAY))


def test_a_required_field_is_left_to_the_caller():
    paper = Paper(id="x", title="t" * (FIELDS["title"].limit + 1))
    assert within_limits(paper, TODAY) == (paper, ())
