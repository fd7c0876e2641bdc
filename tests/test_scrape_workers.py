import threading

from generator.scrape.workers import in_order


def test_units_come_back_in_the_order_asked_for():
    assert list(in_order(lambda n: n * n, [3, 1, 2], 2, lambda: 10.0, lambda n: None)) == [9, 1, 4]


def test_a_unit_not_done_by_the_deadline_is_late():
    release = threading.Event()
    left = [0.3]
    results = list(in_order(lambda n: release.wait(5) and n, [1], 1, lambda: left[0], lambda n: f"late {n}"))
    release.set()
    assert results == ["late 1"]


def test_a_unit_done_after_the_deadline_is_late_whenever_the_caller_looks():
    """The deadline passes while the unit works: whether the caller asks before or after it ends,
    the unit is reported late, never taken as done."""
    left = [10.0]

    def work(n: int) -> str:
        left[0] = -1.0  # the deadline passes during the work
        return f"done {n}"

    assert list(in_order(work, [1], 1, lambda: left[0], lambda n: f"late {n}")) == ["late 1"]


def test_a_unit_done_in_time_is_taken():
    left = [10.0]
    assert list(in_order(lambda n: f"done {n}", [1, 2], 2, lambda: left[0], lambda n: f"late {n}")) == [
        "done 1",
        "done 2",
    ]
