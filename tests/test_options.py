"""Command-line values: each check returns the value or raises UserError naming the option or path."""

import datetime as dt

import pytest

from generator import options
from generator.errors import UserError


def test_whole_numbers_within_bounds():
    port = options.whole_number("--port", 0, 65535)
    assert [port(text) for text in ("0", "8000", "65535", "+80", " 81 ")] == [0, 8000, 65535, 80, 81]
    for text in ("-1", "65536", "80.0", "eighty", "", "٨٠", "1e3"):
        with pytest.raises(UserError) as err:
            port(text)
        assert (err.value.what, err.value.where) == (f"{text!r} is not a whole number from 0 to 65535", "--port")


def test_words_are_utf8_text_a_page_can_carry():
    query = options.text("--query")
    assert query("caf\u00e9 au lait\t") == "caf\u00e9 au lait\t"
    with pytest.raises(UserError) as err:
        query("caf\udce9")  # the byte 0xe9 of a Latin-1 terminal, as Python keeps it
    assert err.value.line() == "'caf\\udce9' is not UTF-8 text (set the terminal to UTF-8) (--query)"
    with pytest.raises(UserError, match="no page can carry, U\\+001B"):
        query("a\x1bb")


def test_days_in_iso_form_only():
    day = options.day("--as-of")
    assert day("2025-10-29") == dt.date(2025, 10, 29)
    for text in ("20251029", "2025-1-29", "29-10-2025", "2025-10-29T00:00"):
        with pytest.raises(UserError, match="is not a date in the form YYYY-MM-DD"):
            day(text)
    with pytest.raises(UserError, match="'2025-02-29' is not a day of the calendar"):
        day("2025-02-29")


def test_today_and_yesterday_are_days_where_a_clock_is_given():
    day = options.day("--date", lambda: dt.date(2026, 3, 1))
    assert [day(t) for t in ("today", "yesterday", " Today ", "YESTERDAY")] == [
        dt.date(2026, 3, 1),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 1),
        dt.date(2026, 2, 28),
    ]
    assert day("2025-10-29") == dt.date(2025, 10, 29)
    with pytest.raises(UserError) as err:
        day("tomorrow")
    assert err.value.line() == "'tomorrow' is not a date in the form YYYY-MM-DD, today or yesterday (--date)"
    with pytest.raises(UserError, match="'today' is not a date in the form YYYY-MM-DD \\(--as-of\\)"):
        options.day("--as-of")("today")  # no clock given: the words are not days


def test_site_urls_get_their_slash():
    assert options.site_url("--base-url")("https://u.github.io/repo") == "https://u.github.io/repo/"
    with pytest.raises(UserError, match="not an absolute http"):
        options.site_url("--base-url")("u.github.io/repo")


def test_folders_and_files(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    folder, file = options.existing_folder("content folder"), options.existing_file("listing file")
    assert folder(str(tmp_path)) == tmp_path and file(str(tmp_path / "file.txt")) == tmp_path / "file.txt"
    cases = [
        (folder, "nope", "content folder not found"),
        (folder, "file.txt", "content folder is not a folder"),
        (file, "nope", "listing file not found"),
        (file, ".", "listing file is a folder, not a file"),
    ]
    for check, name, what in cases:
        with pytest.raises(UserError) as err:
            check(str(tmp_path / name))
        assert (err.value.what, err.value.where) == (what, str(tmp_path / name))


def test_a_new_folder_may_not_exist_yet_but_is_not_a_file(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    new = options.new_or_existing_folder("content folder")
    assert new(str(tmp_path / "later")) == tmp_path / "later"
    with pytest.raises(UserError, match="content folder is not a folder"):
        new(str(tmp_path / "file.txt"))


def test_a_device_is_not_a_file():
    with pytest.raises(UserError, match="listing file is not a regular file"):
        options.existing_file("listing file")("/dev/null")


def test_seconds_are_positive_and_finite():
    deadline = options.seconds("--deadline")
    assert [deadline(text) for text in ("1", "0.5", "1e3", " 30 ")] == [1.0, 0.5, 1000.0, 30.0]
    for text in ("0", "-5", "soon", "nan", "inf", ""):
        with pytest.raises(UserError) as err:
            deadline(text)
        assert (err.value.what, err.value.where) == (f"{text!r} is not a number of seconds > 0", "--deadline")


def test_a_pause_may_be_zero_but_not_negative_or_endless():
    backoff = options.seconds("--backoff", zero=True)
    assert [backoff(text) for text in ("0", "0.5", "2")] == [0.0, 0.5, 2.0]
    for text in ("-1", "-0.5", "nan", "inf", "soon"):
        with pytest.raises(UserError) as err:
            backoff(text)
        assert (err.value.what, err.value.where) == (f"{text!r} is not a number of seconds >= 0", "--backoff")
