"""views: related papers against the plain definition, and what a paper page shows."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import Paper
from generator.taxonomy import build_archive
from generator.views import PaperLink, Related, Views


def related_by_definition(archive, pid, limit, window):
    """Count, for every paper within `window` of `pid` in each of its tags' lists, the windows it is in;
    most windows first, then nearest in archive order, then id."""
    position = {p: i for i, p in enumerate(archive.order)}
    shared = Counter()
    for slug in archive.papers[pid].tags:
        ids = archive.tags[slug]
        at = ids.index(pid)
        shared.update(ids[max(0, at - window) : at + window + 1])
    shared.pop(pid, None)
    ranked = sorted(shared, key=lambda o: (-shared[o], abs(position[o] - position[pid]), o))
    return tuple(ranked[:limit])


ARCHIVES = st.lists(
    st.tuples(st.integers(0, 40), st.lists(st.sampled_from("abcdef"), max_size=4, unique=True)),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(ARCHIVES, st.integers(1, 6), st.integers(1, 8))
def test_related_matches_its_definition(rows, limit, window):
    papers = [Paper(id=f"p{i:02d}", title="t", listed=dt.date(2024, 1, 1) + dt.timedelta(days=day), tags=tuple(tags))
              for i, (day, tags) in enumerate(rows)]
    archive = build_archive(papers)
    related = Related(archive, limit, window)
    for pid in archive.papers:
        assert related.of(pid) == related_by_definition(archive, pid, limit, window)


def test_views_are_made_once_and_shared():
    archive = build_archive([Paper(id="a", title="A", tags=("x",)), Paper(id="b", title="B", tags=("x",))])
    views = Views(archive, {"x": "Ex"})
    assert views.summary("a") is views.summary("a")
    assert views.paper_view("a").related == (PaperLink("b", "B", "papers/b/", None),)
    assert views.links("a") is views.links("a")
    assert views.summary("a").tags[0].name == "Ex"
