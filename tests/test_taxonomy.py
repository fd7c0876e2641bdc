import datetime as dt

from generator.model import Paper
from generator.taxonomy import build_archive, ranked_by_day


def paper(pid, day=None, upvotes=None, tags=(), listed=None):
    return Paper(id=pid, title=pid, published=day, listed=listed, upvotes=upvotes, tags=tags)


def test_indexes_are_keyed_by_id_and_newest_first():
    archive = build_archive(
        [
            paper("a", dt.date(2024, 1, 5), 1, ("x",)),
            paper("b", dt.date(2024, 2, 1), 3, ("x", "y")),
            paper("c", dt.date(2024, 2, 1), 7, ("y",)),
            paper("d", None, 50, ("x",)),
            paper("e", dt.date(2023, 12, 31), listed=dt.date(2024, 1, 1)),
        ]
    )
    assert archive.order == ("c", "b", "a", "e", "d")
    assert archive.tags == {"x": ("b", "a", "d"), "y": ("c", "b")}
    assert archive.days[dt.date(2024, 2, 1)] == ("c", "b")
    assert archive.months[(2024, 1)] == ("a", "e")
    assert list(archive.years) == [2024] and archive.years[2024] == ("c", "b", "a", "e")
    assert archive.timeline == ("c", "b", "a", "e", "d")  # the same day's papers by id, highest first
    assert archive.neighbours("b") == ("c", "a")
    assert archive.neighbours("d") == ("e", None)


def test_the_timeline_ignores_upvotes():
    archive = build_archive(
        [
            paper("2401.00002", dt.date(2024, 1, 5), 1),
            paper("2401.00010", dt.date(2024, 1, 5), 9),
            paper("2401.00001", dt.date(2024, 1, 5), 5),
        ]
    )
    assert archive.order == ("2401.00010", "2401.00001", "2401.00002")
    assert archive.timeline == ("2401.00010", "2401.00002", "2401.00001")
    assert archive.neighbours("2401.00002") == ("2401.00010", "2401.00001")


def test_every_index_is_in_timeline_order_and_ranked_by_day_gives_the_listing_order():
    archive = build_archive(
        [
            paper("2401.00002", dt.date(2024, 1, 5), 1, ("x",)),
            paper("2401.00010", dt.date(2024, 1, 5), 9, ("x",)),
            paper("2401.00001", dt.date(2024, 1, 5), 5, ("x",)),
        ]
    )
    on_timeline = ("2401.00010", "2401.00002", "2401.00001")
    assert archive.tags["x"] == archive.days[dt.date(2024, 1, 5)] == archive.months[(2024, 1)] == on_timeline
    assert archive.years[2024] == on_timeline
    assert ranked_by_day(archive, reversed(on_timeline)) == archive.order == ("2401.00010", "2401.00001", "2401.00002")
