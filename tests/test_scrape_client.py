"""The HTTP client against a real local server: retries, Retry-After, timeouts, truncation, limits."""

from __future__ import annotations

import threading
import time
import tracemalloc

import httpx
import pytest

import generator
from generator.scrape.client import (
    USER_AGENT,
    ClientSettings,
    Fetcher,
    FetchError,
    retry_after,
)
from tests.scrape_server import Reply, ScrapeServer

OK = Reply.json({"ok": True})


@pytest.fixture
def hf_server():
    with ScrapeServer() as server:
        yield server


def fetcher(sleeps: list[float] | None = None, **settings) -> Fetcher:
    """A Fetcher whose pauses are recorded instead of slept (and jitter fixed at 1.0x)."""
    record = sleeps.append if sleeps is not None else (lambda s: None)
    config = {"timeout": 2.0, "retries": 3, "backoff": 0.5, **settings}
    return Fetcher(ClientSettings(**config), sleep=record, jitter=lambda: 0.5)


def test_sends_a_user_agent_naming_the_project(hf_server):
    hf_server.route("/x", OK)
    with fetcher() as f:
        assert f.get(hf_server.url + "/x").json() == {"ok": True}
    assert hf_server.log.user_agents == [USER_AGENT]
    assert USER_AGENT.startswith(f"Broadsheet/{generator.__version__} (")


def test_429_waits_as_long_as_retry_after_says(hf_server):
    hf_server.route("/x", Reply(429, b"slow down", (("Retry-After", "7"),)), OK)
    sleeps: list[float] = []
    with fetcher(sleeps) as f:
        assert f.get(hf_server.url + "/x").status_code == 200
    assert hf_server.hits("/x") == 2
    assert sleeps == [7.0]  # more than the 0.5 s backoff


def test_5xx_is_retried_with_growing_backoff(hf_server):
    hf_server.route("/x", Reply(500), Reply(502), Reply(503), OK)
    sleeps: list[float] = []
    with fetcher(sleeps) as f:
        assert f.get(hf_server.url + "/x").status_code == 200
    assert hf_server.hits("/x") == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_jitter_spreads_the_pauses(hf_server):
    hf_server.route("/x", Reply(500), OK)
    sleeps: list[float] = []
    f = Fetcher(ClientSettings(backoff=1.0), sleep=sleeps.append, jitter=lambda: 0.9)
    with f:
        f.get(hf_server.url + "/x")
    assert sleeps == [pytest.approx(1.4)]


def test_a_request_that_keeps_failing_names_url_and_status(hf_server):
    hf_server.route("/api/daily_papers?date=2024-03-12", Reply(500, b"oops"))
    with fetcher(retries=2) as f, pytest.raises(FetchError) as caught:
        f.get(hf_server.url + "/api/daily_papers", {"date": "2024-03-12"})
    assert caught.value.status == 500
    assert caught.value.url == f"{hf_server.url}/api/daily_papers?date=2024-03-12"
    assert "after 3 attempts" in str(caught.value) and "HTTP 500" in str(caught.value)
    assert hf_server.hits("/api/daily_papers?date=2024-03-12") == 3


def test_404_is_not_retried(hf_server):
    with fetcher() as f, pytest.raises(FetchError) as caught:
        f.get(hf_server.url + "/nowhere")
    assert caught.value.status == 404
    assert hf_server.hits("/nowhere") == 1


def test_a_stalled_response_times_out_and_is_retried(hf_server):
    hf_server.route("/x", Reply(stall=True), OK)
    with fetcher(timeout=0.3) as f:
        assert f.get(hf_server.url + "/x").json() == {"ok": True}
    assert hf_server.stalled.is_set()
    assert hf_server.hits("/x") == 2


def test_a_response_that_always_stalls_fails_as_timed_out(hf_server):
    hf_server.route("/x", Reply(stall=True))
    with fetcher(timeout=0.2, retries=1) as f, pytest.raises(FetchError) as caught:
        f.get(hf_server.url + "/x")
    assert "timed out" in str(caught.value) and caught.value.status is None


def test_a_truncated_body_is_retried(hf_server):
    hf_server.route("/x", Reply(200, b'{"a": "' + b"x" * 5000 + b'"}', truncate=True), OK)
    with fetcher() as f:
        assert f.get(hf_server.url + "/x").json() == {"ok": True}
    assert hf_server.hits("/x") == 2


def test_a_body_always_truncated_fails(hf_server):
    hf_server.route("/x", Reply(200, b"[" + b"1," * 5000 + b"1]", truncate=True))
    with fetcher(retries=1) as f, pytest.raises(FetchError) as caught:
        f.get(hf_server.url + "/x")
    assert "connection error" in str(caught.value)


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("86400", "server asked to wait 86400 s, longer than the 60 s this client waits at most"),
        # read as a number, hundreds of digits are infinite: the line says past the limit, not 'inf s'
        ("9" * 400, "server asked to wait longer than the 60 s this client waits at most"),
    ],
)
def test_a_retry_after_beyond_the_limit_fails_at_once(hf_server, asked, said):
    hf_server.route("/x", Reply(429, headers=(("Retry-After", asked),)))
    sleeps: list[float] = []
    with fetcher(sleeps, max_wait=60) as f, pytest.raises(FetchError) as caught:
        f.get(hf_server.url + "/x")
    assert str(caught.value) == f"{hf_server.url}/x: {said} (Retry-After) (HTTP 429)"
    assert sleeps == []


def test_a_retry_after_that_is_no_number_is_ignored(hf_server):
    """'²' is a digit to str.isdigit and no number to float(): it ended the whole run in an unexpected error."""
    hf_server.route("/x", Reply(429, headers=(("Retry-After", "\u00b2"),)), OK)
    sleeps: list[float] = []
    with fetcher(sleeps) as f:
        assert f.get(hf_server.url + "/x").status_code == 200
    assert sleeps == [0.5]  # the backoff


def test_connection_refused_is_retried_then_reported():
    sleeps: list[float] = []
    with fetcher(sleeps, retries=2) as f, pytest.raises(FetchError) as caught:
        f.get("http://127.0.0.1:9/")  # the discard port: nothing listens there
    assert "connection error" in str(caught.value) and len(sleeps) == 2


def test_no_more_requests_in_flight_than_allowed(hf_server):
    hf_server.delay = 0.05  # holds each request open, so that unbounded callers would overlap
    hf_server.route("/x", OK)
    with fetcher(concurrency=2) as f:
        threads = [threading.Thread(target=f.get, args=(hf_server.url + "/x",)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert hf_server.hits("/x") == 8
    assert hf_server.log.most_active <= 2


def test_retry_after_as_an_http_date():
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after(response) == 0.0  # in the past: no wait
    assert retry_after(httpx.Response(429, headers={"Retry-After": "12"})) == 12.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(429)) is None


def test_a_gzip_body_is_inflated(hf_server):
    hf_server.route("/x", Reply.gzipped(b'{"ok": true}'))
    with fetcher() as f:
        assert f.get(hf_server.url + "/x").json() == {"ok": True}


def test_a_gzip_bomb_is_refused_before_it_is_inflated(hf_server):
    bomb = Reply.gzip_bomb(64)  # 64 MB once inflated
    assert len(bomb.body) < 200_000
    hf_server.route("/x", bomb)
    tracemalloc.start()
    try:
        with fetcher(max_bytes=1024 * 1024) as f, pytest.raises(FetchError) as caught:
            f.get(hf_server.url + "/x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than the limit of 1048576 bytes" in str(caught.value)
    assert hf_server.hits("/x") == 1  # the same bytes again would not help
    assert peak < 8 * 1024 * 1024  # read a slice at a time: never near the 64 MB


def test_a_limit_per_call_and_a_declared_length_over_it(hf_server):
    hf_server.route("/x", Reply(200, b"x" * 5000))
    with fetcher() as f:
        assert len(f.get(hf_server.url + "/x", max_bytes=5000).content) == 5000
        with pytest.raises(FetchError, match="response of 5000 bytes, more than the limit of 4999"):
            f.get(hf_server.url + "/x", max_bytes=4999)


def test_a_trickling_response_is_cut_off_by_the_limit_per_response(hf_server):
    hf_server.route("/x", Reply(200, b"[" + b" " * 1000 + b"]", trickle=0.05))  # 50 s at that pace
    started = time.monotonic()
    with fetcher(timeout=0.2, retries=1) as f, pytest.raises(FetchError) as caught:
        f.get(hf_server.url + "/x")
    elapsed = time.monotonic() - started
    assert "timed out" in str(caught.value) and "0.6 s per response" in str(caught.value)
    assert (
        hf_server.hits("/x") == 2 and elapsed < 10
    )  # two attempts of 0.6 s each, though a byte came every 0.05 s (50 s in all)


def test_a_body_that_stops_midway_times_out(hf_server):
    hf_server.route("/x", Reply(200, b"[1, 2]", trickle=30))  # one byte, then nothing
    started = time.monotonic()
    with fetcher(timeout=0.3, retries=0) as f, pytest.raises(FetchError, match="timed out"):
        f.get(hf_server.url + "/x")
    assert time.monotonic() - started < 10  # not the 30 s pause


def test_after_the_deadline_no_request_starts_and_one_in_flight_is_cut_off(hf_server):
    hf_server.route("/x", Reply(stall=True))
    hf_server.route("/y", OK)
    started = time.monotonic()
    with fetcher(timeout=30, deadline=0.5) as f:
        with pytest.raises(FetchError, match="deadline"):
            f.get(hf_server.url + "/x")
        assert 0.4 < time.monotonic() - started < 10  # not the 30 s read timeout
        with pytest.raises(FetchError, match=r"not fetched: the run's deadline \(0.5 s\) has passed"):
            f.get(hf_server.url + "/y")
    assert hf_server.hits("/x") == 1 and hf_server.hits("/y") == 0


def test_no_retry_pause_runs_past_the_deadline(hf_server):
    hf_server.route("/x", Reply(503, headers=(("Retry-After", "30"),)), OK)
    sleeps: list[float] = []
    with fetcher(sleeps, deadline=5) as f, pytest.raises(FetchError, match="deadline comes before another attempt"):
        f.get(hf_server.url + "/x")
    assert sleeps == [] and hf_server.hits("/x") == 1


def test_redirects_are_followed_a_few_times_only(hf_server):
    hf_server.route("/old", Reply(301, headers=(("Location", "/x"),)))
    hf_server.route("/x", OK)
    hf_server.route("/loop", Reply(302, headers=(("Location", "/loop"),)))
    with fetcher() as f:
        response = f.get(hf_server.url + "/old")
        assert response.json() == {"ok": True} and str(response.url) == hf_server.url + "/x"
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.get(hf_server.url + "/loop")
    assert hf_server.hits("/loop") == 6
