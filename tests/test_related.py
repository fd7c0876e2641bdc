"""Related papers kept between builds: reused only where nothing they follow from changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from generator.model import Paper
from generator.related import Related, reusable
from generator.taxonomy import build_archive

TAGS = ("a", "b", "c", "d", "e")
START = dt.date(2024, 1, 1)


def paper(rng: random.Random, n: int, days: int = 60) -> Paper:
    tags = tuple(sorted(rng.sample(TAGS, rng.randint(0, 3))))
    day = START + dt.timedelta(days=rng.randrange(days)) if rng.random() > 0.02 else None
    return Paper(id=f"2401.{n:05d}", title=f"P{n}", listed=day, upvotes=rng.randint(0, 99), tags=tags)


def change(rng: random.Random, papers: list[Paper], kind: str) -> list[Paper]:
    """A day of changes of one kind: new papers on the newest day, anywhere, gone, retagged, re-dated, re-voted."""
    out = list(papers)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        if kind == "new today":
            out.append(dataclasses.replace(paper(rng, len(out) + 1000), listed=START + dt.timedelta(days=60)))
        elif kind == "new anywhere":
            out.append(paper(rng, len(out) + 1000))
        elif kind == "gone":
            out.pop(i)
        elif kind == "retagged":
            out[i] = dataclasses.replace(out[i], tags=tuple(sorted(rng.sample(TAGS, rng.randint(0, 3)))))
        elif kind == "re-dated":
            out[i] = dataclasses.replace(out[i], listed=START + dt.timedelta(days=rng.randrange(61)))
        else:
            out[i] = dataclasses.replace(out[i], upvotes=rng.randint(0, 999))
    return out


@pytest.mark.parametrize("kind", ["new today", "new anywhere", "gone", "retagged", "re-dated", "re-voted"])
@pytest.mark.parametrize("seed", range(6))
def test_related_papers_found_from_saved_ones_equal_those_found_anew(kind, seed):
    rng = random.Random(seed)
    before = [paper(rng, n) for n in range(400)]
    saved = Related(build_archive(before), limit=5, window=8).every()
    after = build_archive(change(rng, before, kind))
    reused = Related(after, limit=5, window=8, saved=saved)
    anew = Related(after, limit=5, window=8)
    assert {pid: reused.of(pid) for pid in after.papers} == {pid: anew.of(pid) for pid in after.papers}


def test_a_re_vote_or_a_new_day_keeps_most_of_them():
    rng = random.Random(1)
    before = [paper(rng, n) for n in range(400)]
    saved = Related(build_archive(before), window=8).every()
    assert len(reusable(saved, build_archive(change(rng, before, "re-voted")))) == len(before)
    kept = reusable(saved, build_archive(change(rng, before, "new today")))
    assert len(before) * 0.5 < len(kept) < len(before)  # those near the newest end of a tag are found again
