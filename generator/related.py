"""Related papers: those sharing most tags with a paper, near it in time; kept between builds.

A paper's related papers follow from one stretch of the timeline only: the papers within `window`
of it in each of its tags' lists, and every paper between them (their distances). A build keeps,
for each paper, its related papers with the two ends of that stretch (`Reach`); the next build
reuses them unless a paper inside the stretch is new, gone, or has another date or other tags.
A day's new papers go to the newest end of the timeline, so a daily build finds again only the
related papers of the papers near that end (at 20,000 papers, finding them all took 3.2 s of the
keys of a daily build).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from generator.taxonomy import Archive


class Reach(NamedTuple):
    """A paper's related papers and the stretch of the timeline they follow from."""

    related: tuple[str, ...]
    newest: str | None  # the stretch's newest paper; None: it reaches the timeline's newest end
    oldest: str | None  # its oldest; None: it reaches the oldest end
    day: dt.date | None  # the paper's archive date and tags when they were found
    tags: tuple[str, ...]


class Related:
    """The papers sharing most tags with a paper (ties: nearest in time first).

    A tag of 100,000 papers would make an all-pairs count quadratic, so each paper only
    looks at the `window` papers on either side of it in each tag's (date-ordered) list:
    work is tags x window per paper, and what is found is close in time, which is what a
    reader browsing "related" wants anyway. `saved`: what an earlier build found (`reusable`).
    """

    def __init__(self, archive: Archive, limit: int = 5, window: int = 50, saved: Mapping[str, Reach] = {}) -> None:
        self.archive, self.limit, self.window = archive, limit, window
        # On the timeline rather than in listing order, so that re-voting a paper changes nobody's
        # related papers; as timeline positions, which are cheaper to compare than ids.
        self.position, self.timeline = archive.position, archive.timeline
        self.found: dict[str, Reach] = reusable(saved, archive) if saved else {}
        self._tags: dict[str, list[int]] | None = None
        self._in_tag: dict[str, dict[int, int]] = {}

    def of(self, pid: str) -> tuple[str, ...]:
        made = self.found.get(pid)
        if made is None:
            made = self.found[pid] = self.reach(pid)
        return made.related

    def every(self) -> dict[str, Reach]:
        """Every paper's Reach, found now or reused: what the next build may reuse."""
        for pid in self.archive.papers:
            self.of(pid)
        return self.found

    def reach(self, pid: str) -> Reach:
        here, paper = self.position[pid], self.archive.papers[pid]
        windows = [self._window(slug, here) for slug in paper.tags]
        sets = [set(spots) for spots, _ in windows] if len(windows) > 1 else []
        # Papers in two or more of the windows rank first: few, so they are ranked in full.
        multi = set().union(*(a & b for i, a in enumerate(sets) for b in sets[i + 1 :])) - {here}
        ranked = sorted((-sum(o in s for s in sets), abs(o - here), self.timeline[o]) for o in multi)[: self.limit]
        need = self.limit - len(ranked)
        if need > 0:  # then the nearest papers in one window only: windows are in time order
            span = need + len(multi)
            near = {o for spots, at in windows for o in spots[max(0, at - span) : at + span + 1]} - multi - {here}
            ranked += sorted((-1, abs(o - here), self.timeline[o]) for o in near)[:need]
        newest, oldest = self._stretch(here, paper.tags, windows)
        return Reach(tuple(o for _, _, o in ranked), newest, oldest, paper.archive_date, paper.tags)

    def _stretch(self, here: int, tags: Iterable[str], windows: list[tuple[list[int], int]]) -> tuple:
        """(newest, oldest) of the stretch of the timeline the windows span: None where a window starts or
        ends with its tag's list, as a paper added beyond it would enter the window."""
        index, ends, open_new, open_old = self._index(), [here], False, False
        for slug, (spots, _) in zip(tags, windows, strict=True):
            open_new |= spots[0] == index[slug][0]
            open_old |= spots[-1] == index[slug][-1]
            ends += (spots[0], spots[-1])
        return None if open_new else self.timeline[min(ends)], None if open_old else self.timeline[max(ends)]

    def _index(self) -> dict[str, list[int]]:
        """Each tag's papers as sorted timeline positions; made only when some paper needs finding."""
        if self._tags is None:
            self._tags = {slug: sorted(self.position[pid] for pid in ids) for slug, ids in self.archive.tags.items()}
        return self._tags

    def _window(self, slug: str, here: int) -> tuple[list[int], int]:
        """The papers within `window` of the paper at `here` in the tag's list, and where it is in them."""
        spots = self._index()[slug]
        in_tag = self._in_tag.get(slug)
        if in_tag is None:
            in_tag = self._in_tag[slug] = {spot: i for i, spot in enumerate(spots)}
        at = in_tag[here]
        start = max(0, at - self.window)
        return spots[start : at + self.window + 1], at - start


def reusable(saved: Mapping[str, Reach], archive: Archive) -> dict[str, Reach]:
    """The saved Reaches whose stretch of the timeline holds no paper that is new, gone, or moved or
    retagged since they were found (where such a paper was, its old neighbours mark)."""
    position, papers = archive.position, archive.papers
    moved = {
        pid for pid, p in papers.items() if (r := saved.get(pid)) is None or (r.day, r.tags) != (p.archive_date, p.tags)
    }
    marks = {position[pid] for pid in moved}
    gone = [pid for pid in saved if pid not in papers or pid in moved]
    if gone:
        before = _old_timeline(saved)
        at = {pid: i for i, pid in enumerate(before)}
        for pid in gone:
            marks.update(position[n] for n in before[max(0, at[pid] - 1) : at[pid] + 2] if n in position)
    order, last = sorted(marks), len(archive.timeline) - 1
    kept = {}
    for pid, reach in saved.items():
        if (
            pid in moved
            or pid not in papers
            or not all(e is None or (e in position and e not in moved) for e in reach[1:3])
        ):
            continue
        low = 0 if reach.newest is None else position[reach.newest]
        high = last if reach.oldest is None else position[reach.oldest]
        i = bisect.bisect_left(order, low)
        if i == len(order) or order[i] > high:
            kept[pid] = reach
    return kept


def _old_timeline(saved: Mapping[str, Reach]) -> list[str]:
    """The timeline of the build that saved the Reaches (`model.timeline`: newest day first, then by id)."""
    by_id = sorted(saved, reverse=True)
    return sorted(by_id, key=lambda pid: (saved[pid].day is None, -(d.toordinal() if (d := saved[pid].day) else 0)))
