"""The daily scrape heals itself: `broadsheet scrape` with no day options fetches the days missed
since the newest listed day (within catch_up_days) and re-fetches the last refresh_days. Run against
the local server with the recorded March 2024 days and a pretend today ($BROADSHEET_TODAY)."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.errors import UserError
from generator.loader import load_content
from generator.scrape.window import daily_window, today
from tests.scrape_server import ScrapeServer, fixture_items
from tests.test_scrape_run import run, serve_march, snapshot

D = dt.date.fromisoformat


@pytest.fixture
def primed(content):
    """The server with March 2024, and content/ holding 2024-03-12 and 03-13 (newest listed: 03-13)."""
    with ScrapeServer() as server:
        serve_march(server)
        status, _, err = run(server, content, "scrape", "--since", "2024-03-12", "--until", "2024-03-13")
        assert status == 0, err
        server.log.targets.clear()
        yield server


def asked(server: ScrapeServer) -> list[str]:
    return sorted(t.rpartition("=")[2] for t in server.log.targets if t.startswith("/api/daily_papers"))


def test_the_window_runs_from_the_newest_listed_day_and_covers_the_refresh_days():
    now = D("2026-08-21")
    window = daily_window(now, D("2026-08-10"), catch_up_days=30, refresh_days=3)
    assert window.days[0] == D("2026-08-10") and window.days[-1] == now and len(window.days) == 12
    assert window.gap is None
    assert daily_window(now, now, 30, 3).days == (D("2026-08-19"), D("2026-08-20"), now)
    assert daily_window(now, now, 30, 1).days == (D("2026-08-20"), now)  # never less than yesterday and today
    empty = daily_window(now, None, catch_up_days=5, refresh_days=2)
    assert empty.days[0] == D("2026-08-16") and empty.gap is None


def test_a_gap_older_than_the_window_is_named_with_its_backfill_command():
    window = daily_window(D("2026-08-21"), D("2026-07-01"), catch_up_days=30, refresh_days=14)
    assert window.days[0] == D("2026-07-22")
    assert window.gap == (D("2026-07-02"), D("2026-07-21"))
    assert "broadsheet scrape --since 2026-07-02 --until 2026-07-21" in window.gap_note()


def test_today_comes_from_the_environment_and_a_bad_value_is_a_user_error(monkeypatch):
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-20")
    assert today() == D("2024-03-20")
    for bad in ("2024-3-20", "tomorrow", "2024-02-30", "20240320"):
        monkeypatch.setenv("BROADSHEET_TODAY", bad)
        with pytest.raises(UserError, match="BROADSHEET_TODAY"):
            today()
    monkeypatch.delenv("BROADSHEET_TODAY")
    assert today() == dt.datetime.now(dt.UTC).date()


def test_a_missed_week_is_fetched_and_older_days_are_not_asked_for(primed, content, monkeypatch):
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-20")
    status, out, err = run(primed, content, "scrape", config="title: T\nrefresh_days: 2\n")
    assert status == 0, err
    assert asked(primed) == [f"2024-03-{d}" for d in range(13, 21)]  # 03-12 is settled and outside
    listed = {p.listed for p in load_content(content).papers}
    assert {D("2024-03-15"), D("2024-03-18"), D("2024-03-19"), D("2024-03-20")} <= listed
    assert "warning" not in err


def test_a_day_inside_the_refresh_window_is_re_voted(primed, content, monkeypatch):
    items = fixture_items("2024-03-13")
    items[0]["paper"]["upvotes"] += 100
    primed.serve_day("2024-03-13", items)
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-14")
    status, out, err = run(primed, content, "scrape", config="title: T\nrefresh_days: 2\n")
    assert status == 0, err
    assert asked(primed) == ["2024-03-13", "2024-03-14"]
    paper = next(p for p in load_content(content).papers if p.id == items[0]["paper"]["id"])
    assert paper.upvotes == items[0]["paper"]["upvotes"] and "1 updated" in out


def test_a_gap_older_than_the_catch_up_window_is_reported_not_fetched(primed, content, monkeypatch):
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-27")
    status, out, err = run(primed, content, "scrape", config="title: T\ncatch_up_days: 5\nrefresh_days: 2\n")
    assert status == 0, err
    assert asked(primed) == [f"2024-03-{d}" for d in range(22, 28)]
    assert "broadsheet scrape --since 2024-03-14 --until 2024-03-21" in err


def test_a_partial_day_is_reported_and_deletes_nothing(primed, content, monkeypatch):
    before = snapshot(content)
    primed.serve_day("2024-03-13", fixture_items("2024-03-13")[:2])
    primed.serve_day("2024-03-14", [])
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-14")
    status, out, err = run(primed, content, "scrape", config="title: T\nrefresh_days: 2\n")
    held = len(fixture_items("2024-03-13"))
    assert status == 0, err
    assert f"2024-03-13: partial: the source lists 2 papers, the archive holds {held}; nothing deleted" in err
    assert snapshot(content) == before


def test_a_bad_pretend_today_is_one_line_and_asks_nothing(primed, content, monkeypatch):
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-13-01")
    status, out, err = run(primed, content, "scrape")
    assert status == 1 and err.strip() == "broadsheet: error: '2024-13-01' is not a day YYYY-MM-DD ($BROADSHEET_TODAY)"
    assert primed.log.targets == []


def test_a_pretend_today_before_the_first_day_is_one_line(primed, content, monkeypatch):
    """Its catch-up window would start before the calendar's first year."""
    monkeypatch.setenv("BROADSHEET_TODAY", "0001-01-01")
    status, out, err = run(primed, content, "scrape")
    assert status == 1
    assert err.strip() == "broadsheet: error: '0001-01-01' is not a day from 1991-01-01 on ($BROADSHEET_TODAY)"
    assert primed.log.targets == []


@pytest.mark.parametrize("config", ["catch_up_days: 99999999999999\n", "refresh_days: 1000000\n"])
def test_a_window_past_the_limit_in_site_yaml_is_one_line_and_asks_nothing(primed, content, config):
    status, out, err = run(primed, content, "scrape", config=f"title: T\n{config}")
    key, _, value = config.strip().partition(": ")
    assert status == 1
    assert err.strip().endswith(f"site.yaml:2: {key}: expected a whole number from 1 to 3650, got {value}")
    assert primed.log.targets == []


def test_refresh_days_past_the_limit_is_one_line_and_asks_nothing(primed, content):
    for days in ("999999", "3651"):
        status, out, err = run(primed, content, "scrape", "--date", "2024-03-12", "--refresh-days", days)
        assert status == 1
        assert err.strip() == f"broadsheet: error: '{days}' is not a whole number from 1 to 3650 (--refresh-days)"
    assert primed.log.targets == []
