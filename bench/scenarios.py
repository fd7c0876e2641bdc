"""The scenarios, each run by each tool: what is built, from what, with which cache (bench/README.md).

`build` (issue 6): a user's machine, search off: a cold build, the same build again, and a build after
the daily change with the first build's output and cache. `publish` (issue 14): the publishing
workflow, search on: a cold publish, then the next day's publish on a fresh checkout with the output
and cache restored as actions/cache would. Hugo is cold every time; its publish adds Pagefind.
"""

from __future__ import annotations

from collections.abc import Callable

from corpora import Workspace, checkout, corpus, remove, reset
from measure import Run, measure
from programs import ROOT, Tools, pagefind

SCENARIOS = {"build": ("cold", "no-change", "daily"), "publish": ("cold publish", "daily publish")}
Runner = Callable[[Tools, Workspace, bool], dict[str, Run]]


def broadsheet_build(tools: Tools, ws: Workspace, sample: bool) -> dict[str, Run]:
    """A cold build, the same build again, and a build after the daily change, sharing output and cache."""
    out, cache = ws.path("broadsheet-out"), ws.path("broadsheet-cache")
    cmd = tools.build(ws.content, out, cache, search=False)
    reset(ws.pristine, ws.content)
    remove(out, cache)
    cache.mkdir()
    runs = {"cold": measure([cmd], ROOT, out, ws.log("broadsheet-cold"), None, sample)}
    runs["no-change"] = measure([cmd], ROOT, out, ws.log("broadsheet-no-change"), None, sample)
    corpus.daily_change(ws.content, ws.n)
    runs["daily"] = measure([cmd], ROOT, out, ws.log("broadsheet-daily"), None, sample)
    return runs


def hugo_build(tools: Tools, ws: Workspace, sample: bool) -> dict[str, Run]:
    """A cold build, a second build (Hugo rebuilds everything), and a cold build after the daily change."""
    out, cache = ws.path("hugo-out"), ws.path("hugo-cache")
    reset(ws.pristine, ws.content)
    remove(out, cache)
    env = tools.hugo_env()
    runs = {"cold": measure([tools.hugo_build(ws, out, cache)], ROOT, out, ws.log("hugo-cold"), env, sample)}
    warm = tools.hugo_build(ws, out, cache, cold=False)
    runs["no-change"] = measure([warm], ROOT, out, ws.log("hugo-no-change"), env, sample)
    corpus.daily_change(ws.content, ws.n)
    remove(out, cache)
    runs["daily"] = measure([tools.hugo_build(ws, out, cache)], ROOT, out, ws.log("hugo-daily"), env, sample)
    return runs


def broadsheet_publish(tools: Tools, ws: Workspace, sample: bool) -> dict[str, Run]:
    """A cold publish on a fresh checkout; then the next day's: a fresh checkout of the changed corpus,
    with the output and cache the first one left, saved and restored as copies (new inodes and times)."""
    content, out, cache, saved = (ws.path(f"publish-{name}") for name in ("content", "out", "cache", "saved"))
    cmd = tools.build(content, out, cache, search=True)
    checkout(ws.pristine, content)
    remove(out, cache, saved)
    cache.mkdir()
    runs = {"cold publish": measure([cmd], ROOT, out, ws.log("broadsheet-cold-publish"), None, sample)}
    saved.mkdir()
    checkout(out, saved / "out")  # what actions/cache saves at the end of the job
    checkout(cache, saved / "cache")
    checkout(ws.pristine, content)  # the next day: a fresh checkout, with the day's change committed
    corpus.daily_change(content, ws.n)
    checkout(saved / "out", out)  # and restored by actions/cache
    checkout(saved / "cache", cache)
    runs["daily publish"] = measure([cmd], ROOT, out, ws.log("broadsheet-daily-publish"), None, sample)
    # The saved copies, at 100,000 papers 4.2 GB in 435,000 files, would leave Hugo's runs of the same size
    # too few inodes on a 20 GB file system.
    remove(saved)
    return runs


def hugo_publish(tools: Tools, ws: Workspace, sample: bool) -> dict[str, Run]:
    """Hugo cold, then Pagefind over its paper pages; the same after the daily change."""
    out, cache = ws.path("hugo-publish-out"), ws.path("hugo-publish-cache")
    env = tools.hugo_env()
    runs = {}
    reset(ws.pristine, ws.content)
    for scenario in SCENARIOS["publish"]:
        if scenario == "daily publish":
            corpus.daily_change(ws.content, ws.n)
        remove(out, cache)
        cmds = [tools.hugo_build(ws, out, cache), pagefind(out)]
        runs[scenario] = measure(cmds, ROOT, out, ws.log(f"hugo-{scenario}"), env, sample)
    return runs


RUNNERS: dict[str, dict[str, Runner]] = {
    "build": {"broadsheet": broadsheet_build, "hugo": hugo_build},
    "publish": {"broadsheet": broadsheet_publish, "hugo": hugo_publish},
}
